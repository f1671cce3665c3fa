import {render, type Instance} from 'ink';
import React from 'react';
import {Opening, type FolderOpening} from '../folder/Opening.js';
import {Wizard, type WizardProps} from './Wizard.js';

/**
 * Draw the wizard on the terminal. Ink writes the first frame before render returns, so whatever the caller
 * starts after this call (key generation, loading x509) never delays it. With `folder` (a folder kubepki made)
 * the folder screen comes first.
 */
export function mountWizard(props: WizardProps & {readonly folder?: FolderOpening}): Instance {
	const {folder, ...rest} = props;
	// Ctrl-C arrives as a key (raw mode): the wizard handles it, so it can clean up and exit 130.
	const tree = folder ? <Opening {...rest} folder={folder} /> : <Wizard {...rest} />;
	return render(tree, {exitOnCtrlC: false, patchConsole: false});
}
