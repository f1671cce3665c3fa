import {Spinner} from '@inkjs/ui';
import {Box, Text, useInput} from 'ink';
import React, {useEffect, useState} from 'react';
import {inspectPaths, type Inspection} from '../../core/inspect.js';
import {hasErrors} from '../../core/lint/index.js';
import {marks} from '../theme.js';
import {Viewer} from './Viewer.js';
import {RawModeHeld} from '../widgets/RawModeHeld.js';

export {Viewer, type ViewerProps} from './Viewer.js';

export type PathViewerProps = {
	/** Files or folders to read, inspect and lint. */
	readonly paths: readonly string[];
	/** Called when the person leaves the viewer (q or esc). */
	readonly onExit: () => void;
	/** Told, once loaded, whether any finding is an error (`kubepki inspect` exits 1 then). */
	readonly onResult?: (hasErrors: boolean) => void;
	/** Told when nothing could be read (an endpoint refused or timed out). */
	readonly onFailure?: () => void;
	/** How to read and lint: core's inspectPaths; tests pass their own. */
	readonly load?: (paths: readonly string[], onProgress?: (read: number, total: number) => void) => Promise<Inspection>;
	/** What is being read, in words (default: the paths); live endpoints add their URLs. */
	readonly label?: string;
	readonly width?: number;
	readonly height?: number;
};

type State = {readonly status: 'loading'} | {readonly status: 'ready'; readonly inspection: Inspection} | {readonly status: 'failed'; readonly error: string};

/** Reads and lints `paths` off the render path (a spinner meanwhile), then shows the Viewer. */
const readPaths = async (paths: readonly string[], onProgress?: (read: number, total: number) => void) => inspectPaths(paths, undefined, onProgress ? {onProgress} : {});

/** The loading row: what is read, then how many files of how many, then that they are being checked. */
export function progressLabel(what: string, progress: {read: number; total: number} | undefined): string {
	if (!progress || progress.total === 0) return `reading ${what}`;
	const files = `${progress.total.toLocaleString('en')} file${progress.total === 1 ? '' : 's'}`;
	return progress.read < progress.total ? `reading ${files}… ${progress.read.toLocaleString('en')} read` : `checking ${files}…`;
}

export function PathViewer(props: PathViewerProps): React.ReactElement {
	// Raw mode held from the first frame to the end: the reading row gives way to the viewer, each with its own keys.
	return (
		<>
			<RawModeHeld />
			<PathViewerScreens {...props} />
		</>
	);
}

function PathViewerScreens({paths, onExit, onResult, onFailure, load = readPaths, label, width, height}: PathViewerProps): React.ReactElement {
	const [state, setState] = useState<State>({status: 'loading'});
	const [progress, setProgress] = useState<{read: number; total: number} | undefined>(undefined);
	const key = paths.join('\n');
	useEffect(() => {
		let cancelled = false;
		setState({status: 'loading'});
		setProgress(undefined);
		// About twenty updates for the whole read, not one render per file.
		const onProgress = (read: number, total: number) => {
			const step = Math.max(1, Math.floor(total / 20));
			if (!cancelled && (read === 0 || read === total || read % step === 0)) setProgress({read, total});
		};

		load(paths, onProgress).then(
			inspection => {
				if (cancelled) return;
				onResult?.(hasErrors(inspection.findings));
				setState({status: 'ready', inspection});
			},
			(error: unknown) => {
				if (cancelled) return;
				onFailure?.();
				setState({status: 'failed', error: error instanceof Error ? error.message : String(error)});
			},
		);
		return () => {
			cancelled = true;
		};
		// The paths' text is the identity: a new array with the same paths is not a new load.
	}, [key]);

	// While loading or after a failure, q/esc still leave (the Viewer has its own handler once shown).
	useInput(
		(input, inputKey) => {
			if (input === 'q' || inputKey.escape) onExit();
		},
		{isActive: state.status !== 'ready'},
	);

	const what = label ?? paths.join(', ');
	if (state.status === 'loading') return <Spinner label={progressLabel(what, progress)} />;
	if (state.status === 'failed') {
		return (
			<Box flexDirection="column">
				<Text>{`${marks.error} cannot read ${what}: ${state.error}`}</Text>
				<Text dimColor>q/esc back</Text>
			</Box>
		);
	}

	return <Viewer items={state.inspection.loaded.items} findings={state.inspection.findings} signedBy={state.inspection.signedBy} copies={state.inspection.copies} onExit={onExit} width={width} height={height} />;
}
