import {defaultTheme, extendTheme, ThemeProvider} from '@inkjs/ui';
import {Text} from 'ink';
import React, {useCallback, useEffect, useReducer, useState} from 'react';
import type {Topology} from '../../core/topology.js';
import type {EncryptionProvider} from '../../core/encryption.js';
import {KeyRouter, priority, useKeyHandler} from '../keys/router.js';
import {makeTheme, ThemeContext} from '../theme.js';
import {useTerminalSize} from '../use-terminal-size.js';
import type {PathViewer} from '../viewer/index.js';
import type {WizardEngine} from './engine.js';
import {Frame} from './Frame.js';
import {frameLayout, minimum} from './layout.js';
import {initialState, startAt, wizardReducer, type StageId, type WizardEvent, type WizardState} from './machine.js';
import {useWizardEngine} from './use-wizard-engine.js';

export type WizardProps = {
	readonly topology: Topology;
	readonly engine: WizardEngine;
	/** The output folder as the person typed it (shown), and its absolute path (for the viewer). */
	readonly outDir: string;
	/** The provider of the folder's encryption config, when it has one: a re-run keeps it. */
	readonly encryption?: EncryptionProvider;
	readonly outPath: string;
	/** False under NO_COLOR: marks and words stay, colours go. @default true */
	readonly color?: boolean;
	/** Open at this stage, the earlier ones marked done (tests, and a later "resume"). */
	readonly stage?: StageId;
	/** Called once with the exit code: 0 after writing or quitting, 130 for Ctrl-C. */
	readonly onExit: (code: number) => void;
};

// @inkjs/ui widgets colour themselves; without colour their spinner frame must go plain too.
const plainUiTheme = extendTheme(defaultTheme, {components: {Spinner: {styles: {frame: () => ({})}}}});

function WizardScreen({topology, engine, outDir, outPath, stage, encryption, onExit}: WizardProps): React.ReactElement {
	const [state, dispatch] = useReducer(wizardReducer, undefined, (): WizardState => {
		const start = initialState(topology, {viewerAvailable: true, outDir, outPath, encryption});
		return stage ? startAt(start, stage) : start;
	});
	const send = useCallback((event: WizardEvent) => dispatch(event), []);
	const closeViewer = useCallback(() => dispatch({type: 'overlay-closed'}), []);
	// The viewer (with the reader and lint it brings) loads once the first frame is drawn, not before it.
	const [viewer, setViewer] = useState<{readonly PathViewer: typeof PathViewer}>();
	useEffect(() => {
		void import('../viewer/index.js').then(module => setViewer({PathViewer: module.PathViewer}));
	}, []);
	useWizardEngine(state, send, engine);
	// Every key goes through the reducer: it alone decides what a key means in the current state.
	useKeyHandler(
		key => {
			send({type: 'key', key});
			return true;
		},
		{priority: priority.normal},
	);
	// A write in progress finishes first (it takes milliseconds): Ctrl-C then leaves the whole set of files
	// or, before the confirm, none, never half of them.
	const writing = state.write.phase === 'writing';
	useEffect(() => {
		if (state.exit && !writing) onExit(state.exit.code);
	}, [state.exit, writing, onExit]);

	const size = useTerminalSize();
	// The viewer gets the whole screen, one row short of the terminal like the wizard's own frame.
	if (state.overlay === 'viewer') {
		return viewer ? <viewer.PathViewer paths={[outPath]} width={size.columns} height={size.rows - 1} onExit={closeViewer} /> : <Text>opening the viewer…</Text>;
	}

	if (size.columns < minimum.columns || size.rows < minimum.rows) {
		return <Text>{`kubepki needs a terminal of at least ${minimum.columns}×${minimum.rows} (this one is ${size.columns}×${size.rows}): make it larger, or Ctrl-C to leave.`}</Text>;
	}

	return <Frame state={state} layout={frameLayout(size.columns, size.rows)} dispatch={send} />;
}

/** The wizard: one key router, one theme, the screen. */
export function Wizard(props: WizardProps): React.ReactElement {
	const color = props.color ?? true;
	const screen = (
		<ThemeContext.Provider value={makeTheme(color)}>
			<KeyRouter>
				<WizardScreen {...props} />
			</KeyRouter>
		</ThemeContext.Provider>
	);
	return color ? screen : <ThemeProvider theme={plainUiTheme}>{screen}</ThemeProvider>;
}
