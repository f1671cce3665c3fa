import {render, type Instance} from 'ink';
import React from 'react';
import {ErrorBoundary, failureLine} from '../ErrorBoundary.js';
import {RawModeHeld} from '../widgets/RawModeHeld.js';
import {ReadingFolder, type FolderReady} from '../folder/Reading.js';
import {Wizard, type WizardProps} from './Wizard.js';

/** Exit code when the wizard itself fails (a bug in kubepki): one line on stderr, the terminal restored. */
export const wizardFailedCode = 70;

export type WizardRootProps = WizardProps & {
	/** Told once when drawing throws, with one line (never a stack): the caller unmounts and prints it. */
	readonly onFailure: (line: string) => void;
	/** A folder kubepki made: the folder screen comes first (what expires, renew, change the cluster). */
	readonly folder?: FolderStart;
};

/**
 * A folder that holds a kubepki manifest: the first frame says it is being read, then `reading` (started by the
 * caller after that frame: it loads x509 and reads every certificate) brings the folder screen, or undefined for
 * the stages.
 */
export type FolderStart = {readonly reading: Promise<FolderReady | undefined>};

/** The wizard inside an error boundary: a throw while drawing ends in one line, not Ink's error overview. */
export function WizardRoot({onFailure, folder, ...props}: WizardRootProps): React.JSX.Element {
	return (
		<>
			{/* Held across every change of screen: the folder being read, then the folder screen or the stages. */}
			<RawModeHeld />
			<ErrorBoundary onError={error => onFailure(failureLine(error))}>{folder ? <ReadingFolder {...props} reading={folder.reading} /> : <Wizard {...props} />}</ErrorBoundary>
		</>
	);
}

/**
 * Draw the wizard on the terminal. Ink writes the first frame before render returns, so whatever the caller
 * starts after this call (key generation, loading x509, reading a folder) never delays it. With `folder` (a folder
 * kubepki made) the first frame says it is being read, and the folder screen follows.
 */
export function mountWizard(props: WizardRootProps): Instance {
	// Ctrl-C arrives as a key (raw mode): the wizard handles it, so it can clean up and exit 130.
	return render(<WizardRoot {...props} />, {exitOnCtrlC: false, patchConsole: false});
}
