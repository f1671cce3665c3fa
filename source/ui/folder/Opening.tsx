import React, {useState} from 'react';
import {configDifference, type FolderGlance} from '../../core/folder-glance.js';
import type {RenewalPlan} from '../../core/renew.js';
import type {Topology} from '../../core/topology.js';
import {KeyRouter} from '../keys/router.js';
import {makeTheme, ThemeContext} from '../theme.js';
import {Wizard, type WizardProps} from '../wizard/Wizard.js';
import {FolderScreen, type FolderRotation} from './FolderScreen.js';

export type FolderOpening = {
	readonly glance: FolderGlance;
	/** Write the renewal shown (the glance's), as it is. */
	readonly renew: (prepared: RenewalPlan) => Promise<RenewalPlan>;
	/** "Rotate the CA": one step per visit, through core/rotate.ts. */
	readonly rotation: FolderRotation;
	/** The cluster "Change the cluster" starts from: the manifest's, or the --config given (which wins). */
	readonly topology: Topology;
};

/** The wizard on a folder kubepki made: the folder screen first; "Change the cluster" opens the stages. */
export function Opening({folder, ...props}: WizardProps & {readonly folder: FolderOpening}): React.ReactElement {
	const [stages, setStages] = useState(false);
	if (stages) return <Wizard {...props} topology={folder.topology} />;
	return (
		<ThemeContext.Provider value={makeTheme(props.color ?? true)}>
			<KeyRouter>
				<FolderScreen glance={folder.glance} note={configDifference(folder.glance.topology, folder.topology)} outDir={props.outDir} renew={folder.renew} rotation={folder.rotation} onOpenWizard={() => setStages(true)} onExit={props.onExit} />
			</KeyRouter>
		</ThemeContext.Provider>
	);
}
