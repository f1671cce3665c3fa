import {Box} from 'ink';
import React, {useEffect, useState} from 'react';
import {printable} from '../../core/printable.js';
import {priority, useKeyHandler, KeyRouter} from '../keys/router.js';
import {makeTheme, ThemeContext} from '../theme.js';
import {LineText} from '../widgets/LineText.js';
import {Wizard, type WizardProps} from '../wizard/Wizard.js';
import type {FolderOpening, Opening} from './Opening.js';

/**
 * The folder screen, read: what it shows and the screen that shows it, which the caller loads only after the first
 * frame (it brings x509). Undefined when the folder cannot be shown (renew cannot read it): the stages open instead.
 */
export type FolderReady = {readonly opening: FolderOpening; readonly Opening: typeof Opening};

/**
 * The wizard on a folder that holds a kubepki manifest: first a frame that says the folder is being read, drawn
 * before any of it is read, then the folder screen (or the stages) once `reading` settles. Imports no x509: only
 * types of the folder screen, which `reading` brings.
 */
export function ReadingFolder({reading, ...props}: WizardProps & {readonly reading: Promise<FolderReady | undefined>}): React.ReactElement {
	const [read, setRead] = useState<{ready?: FolderReady; failed?: Error} | undefined>(undefined);
	useEffect(() => {
		let mounted = true;
		reading.then(
			ready => mounted && setRead({ready}),
			(error: unknown) => mounted && setRead({failed: error instanceof Error ? error : new Error(String(error))}),
		);
		return () => {
			mounted = false;
		};
	}, [reading]);
	// A failure to read is a bug, not a refusal (those settle as undefined or end the wizard): the error boundary's one line.
	if (read?.failed) throw read.failed;
	if (read?.ready) return <read.ready.Opening {...props} folder={read.ready.opening} />;
	if (read) return <Wizard {...props} />;
	return (
		<ThemeContext.Provider value={makeTheme(props.color ?? true)}>
			<KeyRouter>
				<ReadingScreen outDir={props.outDir} onExit={props.onExit} />
			</KeyRouter>
		</ThemeContext.Provider>
	);
}

/** What the first frame on a folder says: the folder is being read. q leaves, Ctrl-C leaves with 130. */
function ReadingScreen({outDir, onExit}: {readonly outDir: string; readonly onExit: (code: number) => void}): React.ReactElement {
	useKeyHandler(
		key => {
			if (key.name === 'ctrl-c') onExit(130);
			else if (key.name === 'char' && key.input === 'q') onExit(0);
			return true;
		},
		{priority: priority.normal},
	);
	return (
		<Box flexDirection="column">
			<LineText line={{text: printable(`kubepki · ${outDir}: reading the folder…`), tone: 'title', bold: true}} />
			<LineText line={{text: 'its manifest, every certificate and its end date, lint, where a CA rotation stands', tone: 'muted'}} />
			<LineText line={{text: ''}} />
			<LineText line={{text: 'q quit', tone: 'muted'}} />
		</Box>
	);
}
