import {render, type Instance} from 'ink';
import React from 'react';
import {Wizard, type WizardProps} from './Wizard.js';

/**
 * Draw the wizard on the terminal. Ink writes the first frame before render returns, so whatever the caller
 * starts after this call (key generation, loading x509) never delays it.
 */
export function mountWizard(props: WizardProps): Instance {
	// Ctrl-C arrives as a key (raw mode): the wizard handles it, so it can clean up and exit 130.
	return render(<Wizard {...props} />, {exitOnCtrlC: false, patchConsole: false});
}
