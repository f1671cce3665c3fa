// Raw mode stays on while one screen of the wizard gives way to another. Ink turns it off when no screen listens
// for keys; in that moment a key reaches the terminal in cooked mode, where enter (\r) becomes \n, which no screen
// takes for enter. In a real terminal that lost an enter typed as the folder screen replaced "reading the folder…"
// (CI hung on it); here, Ink's own calls to the terminal's setRawMode are recorded across that swap.
import {randomBytes} from 'node:crypto';
import {tmpdir} from 'node:os';
import path from 'node:path';
import React from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {createPreviewSession} from '../../source/core/preview.js';
import {exampleTopology} from '../../source/core/topology.js';
import type {FolderReady} from '../../source/ui/folder/Reading.js';
import {WizardRoot} from '../../source/ui/wizard/mount.js';
import {testEngine} from './engine.js';
import {cleanup, renderAt, waitFor} from './ink.js';

afterEach(cleanup);

const outPath = path.join(tmpdir(), `kubepki-ui-absent-${randomBytes(6).toString('hex')}`);

describe('raw mode across a change of screen', () => {
	test('from "reading the folder…" to the stages: raw mode is turned on once and never off until the wizard ends', async () => {
		const session = createPreviewSession({outDir: outPath, source: 'test'});
		let settle: (ready: FolderReady | undefined) => void = () => {};
		const reading = new Promise<FolderReady | undefined>(resolve => {
			settle = resolve;
		});
		const r = renderAt(
			<WizardRoot topology={{...exampleTopology(), algorithm: 'ecdsa-p256'}} engine={testEngine(session)} outDir="pki" outPath={outPath} onExit={() => {}} onFailure={() => {}} folder={{reading}} />,
			{columns: 100, rows: 30},
		);
		await waitFor(r, 'reading the folder…');
		// The folder cannot be shown: the stages open in place of the reading screen, each with its own key router.
		settle(undefined);
		await waitFor(r, 'step 1 of 10');
		expect(r.stdin.rawModes).toEqual([true]);
		// The stages still take enter.
		r.stdin.write('\r');
		await waitFor(r, 'step 2 of 10');
		r.instance.unmount();
		expect(r.stdin.rawModes).toEqual([true, false]);
	});
});
