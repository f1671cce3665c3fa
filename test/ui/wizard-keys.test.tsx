// Keys that arrive together in one chunk of stdin: bursts of Esc, and text typed into a field before it
// has finished opening. Rendered with Ink, the real engine (ECDSA for speed), nothing written.
import {randomBytes} from 'node:crypto';
import {tmpdir} from 'node:os';
import path from 'node:path';
import React from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {createPreviewSession} from '../../source/core/preview.js';
import {exampleTopology, type Topology} from '../../source/core/topology.js';
import type {StageId} from '../../source/ui/wizard/machine.js';
import {Wizard} from '../../source/ui/wizard/Wizard.js';
import {testEngine} from './engine.js';
import {cleanup, focusRow, keys, press, renderAt, waitFor, type Rendered} from './ink.js';

afterEach(cleanup);

const topology: Topology = {...exampleTopology(), algorithm: 'ecdsa-p256'};
const outPath = path.join(tmpdir(), `kubepki-ui-absent-${randomBytes(6).toString('hex')}`);
const session = createPreviewSession({outDir: outPath, source: 'test'});

function open(stage: StageId, exits: number[] = []): Rendered {
	const engine = testEngine(session);
	return renderAt(<Wizard topology={topology} engine={engine} outDir="pki" outPath={outPath} stage={stage} onExit={code => exits.push(code)} />, {columns: 100, rows: 40});
}

/** Let Ink flush a pending Esc (it waits one turn of the loop for more bytes) and React draw. */
async function settle(r: Rendered): Promise<string> {
	let last = '';
	for (let i = 0; i < 20 && last !== r.frame(); i++) {
		last = r.frame();
		await new Promise(resolve => setTimeout(resolve, 20));
	}

	return r.frame();
}

describe('Esc in bursts', () => {
	test('two Esc in one chunk go back two stages', async () => {
		const r = open('kubelets');
		await waitFor(r, 'step 4 of 10: Kubelet certs');
		await press(r, '\u001B\u001B', 'step 2 of 10: Cluster');
	});

	test('three Esc in one chunk go back three stages', async () => {
		const r = open('components');
		await waitFor(r, 'step 5 of 10: Component certs');
		await press(r, '\u001B\u001B\u001B', 'step 2 of 10: Cluster');
	});

	test('alt-up ("\\x1b\\x1b[A") stays one key: the focus moves up, no stage is left', async () => {
		const r = open('cluster');
		await waitFor(r, '› [ Continue ]');
		await press(r, '\u001B\u001B[A', '› Leaf validity');
		expect(await settle(r)).toContain('step 2 of 10: Cluster');
	});

	test('Esc in a field cancels the edit; a second Esc in the same chunk then goes back a stage', async () => {
		const r = open('cluster');
		await waitFor(r, '› [ Continue ]');
		await focusRow(r, 'Workers');
		await press(r, keys.enter, 'enter save');
		await press(r, '\u001B\u001B', 'step 1 of 10: Tools');
	});
});

/** From Continue, up to the Cluster name row (the first). */
async function toClusterName(r: Rendered): Promise<void> {
	await waitFor(r, '› [ Continue ]');
	await focusRow(r, 'Cluster name');
}

describe('type-ahead into a field that is opening', () => {
	test('enter and text in one chunk: the text is in the field, q and c are letters', async () => {
		const exits: number[] = [];
		const r = open('cluster', exits);
		await toClusterName(r);
		await press(r, `${keys.enter}-qc`, 'kubernetes-the-hard-way-qc');
		const frame = await settle(r);
		expect(frame).toContain('enter save');
		expect(frame).not.toContain('Quit the wizard?');
		expect(frame).toContain('Why (c: the commands by hand)');
		expect(exits).toEqual([]);
		// Saved: the field closed (the edited row also reads "› Cluster name", so that alone came before the enter did).
		await press(r, keys.enter, frame => frame.includes('› Cluster name') && !frame.includes('enter save'));
		expect(await settle(r)).toMatch(/Cluster name +kubernetes-the-hard-way-qc/);
	});

	test('enter, then text in a second write right behind it: the text is in the field', async () => {
		const exits: number[] = [];
		const r = open('cluster', exits);
		await toClusterName(r);
		r.stdin.write(keys.enter);
		r.stdin.write('qc');
		await waitFor(r, 'kubernetes-the-hard-wayqc');
		const frame = await settle(r);
		expect(frame).toContain('enter save');
		expect(frame).not.toContain('Quit the wizard?');
		expect(frame).toContain('Why (c: the commands by hand)');
		expect(exits).toEqual([]);
	});

	test('enter, text and enter in one chunk saves the text', async () => {
		const r = open('cluster');
		await toClusterName(r);
		await press(r, `${keys.enter}x${keys.enter}`, /Cluster name +kubernetes-the-hard-wayx\b/);
		expect(await settle(r)).not.toContain('enter save');
	});
});
