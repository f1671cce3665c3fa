import {Box} from 'ink';
import React, {useCallback, useRef, useState} from 'react';
import {folderReducer, initialFolderState, rotationRequest, type FolderEffect, type FolderGlance, type FolderIntent, type FolderState} from '../../core/folder-glance.js';
import type {RenewalPlan} from '../../core/renew.js';
import type {CaChoice, RotationPreview, RotationPrepared, RotationResult, RotationStep} from '../../core/rotate.js';
import type {Key} from '../keys/keys.js';
import {priority, useKeyHandler} from '../keys/router.js';
import {useTerminalSize} from '../use-terminal-size.js';
import {LineText} from '../widgets/LineText.js';
import {folderScreenLines} from './folder-lines.js';

/** One step of a CA rotation, as core does it (core/rotate.ts): make it in memory to show it, then write it as shown. */
export type FolderRotation = {
	readonly preview: (request: {step: RotationStep; ca: CaChoice}, onProgress?: (done: number, total: number) => void) => Promise<RotationPreview>;
	readonly write: (request: {step: RotationStep; ca: CaChoice}, prepared: RotationPrepared) => Promise<RotationResult>;
};

export type FolderScreenProps = {
	readonly glance: FolderGlance;
	/** The folder as the person typed it. */
	readonly outDir: string;
	/** Write the renewal shown (core/renew.ts renewFolder with it as `prepared`: under the folder's lock, refused if the folder changed since). */
	readonly renew: (prepared: RenewalPlan) => Promise<RenewalPlan>;
	/** "Rotate the CA": previewRotation, then rotateCa with what it made (under the folder's lock). */
	readonly rotation?: FolderRotation;
	/** The person chose "Change the cluster". */
	readonly onOpenWizard: () => void;
	/** Leave: 0, or 130 for Ctrl-C. */
	readonly onExit: (code: number) => void;
	readonly size?: {readonly columns: number; readonly rows: number};
	/** A line above the glance (how a --config given too differs from the folder's cluster). */
	readonly note?: string;
};

/** A key as the folder screen's reducer takes it; undefined for a key that means nothing here. */
export function folderIntent(key: Key): FolderIntent | undefined {
	if (key.name === 'up') return {type: 'up'};
	if (key.name === 'down') return {type: 'down'};
	if (key.name === 'page-up') return {type: 'page-up'};
	if (key.name === 'page-down') return {type: 'page-down'};
	if (key.name === 'char' && key.input === 'y') return {type: 'yes'};
	if (key.name === 'enter') return {type: 'enter'};
	if (key.name === 'esc') return {type: 'back'};
	if (key.name === 'char' && key.input === 'c') return {type: 'commands'};
	if (key.name === 'char' && key.input === 'q') return {type: 'quit'};
	return undefined;
}

/** The wizard's first screen on a folder kubepki made: draws core's state, sends keys as intents. */
export function FolderScreen({glance, outDir, renew, rotation, onOpenWizard, onExit, size, note}: FolderScreenProps): React.ReactElement {
	const [state, setState] = useState<FolderState>(initialFolderState);
	const current = useRef(state);
	// Ctrl-C while writing: the write finishes first (the whole new set), then the screen leaves with 130.
	const exitAfterWrite = useRef(false);
	const terminal = useTerminalSize();
	const {columns, rows} = size ?? terminal;
	const run = useCallback(
		(effect: FolderEffect) => {
			if (effect === 'quit') onExit(0);
			if (effect === 'open-wizard') onOpenWizard();
			const failed = (ask?: number) => (error: Error) => (exitAfterWrite.current ? onExit(130) : send({type: 'failed', message: error.message.split('\n')[0] ?? 'failed', ask}));
			if (effect === 'prepare-rotation' || effect === 'write-rotation') {
				const request = rotationRequest(glance, current.current);
				const {ask, rotationPreview} = current.current;
				if (!rotation) failed()(new Error('rotating the CA is not available here: run kubepki rotate-ca'));
				else if (effect === 'prepare-rotation') {
					// Each answer carries the ask it is for: core drops one the person has left with esc.
					rotation.preview(request, (done, total) => send({type: 'keys', ask, done, total})).then(preview => send({type: 'prepared', ask, preview}), failed(ask));
				} else {
					rotation.write(request, rotationPreview!.prepared).then(result => (exitAfterWrite.current ? onExit(130) : send({type: 'rotated', result})), failed());
				}
			}

			if (effect === 'write-renewal') {
				renew(glance.renewal!).then(
					renewal => (exitAfterWrite.current ? onExit(130) : send({type: 'written', renewal})),
					(error: Error) => (exitAfterWrite.current ? onExit(130) : send({type: 'failed', message: error.message.split('\n')[0] ?? 'failed'})),
				);
			}
		},
		[renew, rotation, glance, onExit, onOpenWizard],
	);
	const send = useCallback(
		(intent: FolderIntent) => {
			const next = folderReducer(current.current, intent, glance);
			current.current = next.state;
			setState(next.state);
			run(next.effect);
		},
		[glance, run],
	);
	useKeyHandler(
		key => {
			if (key.name === 'ctrl-c') {
				// A write in progress finishes first: the whole new set or, before it, the old one.
				if (current.current.phase === 'writing' || current.current.phase === 'rotate-writing') exitAfterWrite.current = true;
				else onExit(130);
				return true;
			}

			const intent = folderIntent(key);
			if (intent) send(intent);
			return true;
		},
		{priority: priority.normal},
	);
	const lines = folderScreenLines(glance, state, columns, rows - 1, outDir, note);
	return (
		<Box flexDirection="column" width={columns}>
			{lines.map((line, index) => (
				<LineText key={index} line={line} />
			))}
		</Box>
	);
}
