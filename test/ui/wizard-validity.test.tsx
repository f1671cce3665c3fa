// Validity in the Cluster stage, rendered with Ink: typed in the rows, checked in place with the cluster
// file's messages, and carried into the certificates the later stages show (read back with openssl).
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import React from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {createPreviewSession, type Preview} from '../../source/core/preview.js';
import {exampleClusterYaml, exampleTopology, formatProblem, parseClusterFile, type Topology} from '../../source/core/topology.js';
import {Wizard} from '../../source/ui/wizard/Wizard.js';
import {hasTool, kubepki, tempDir} from '../helpers/tools.js';
import {testEngine} from './engine.js';
import {cleanup, focusRow, keys, press, renderAt, waitFor, type Rendered} from './ink.js';

afterEach(cleanup);

const topology: Topology = {...exampleTopology(), algorithm: 'ecdsa-p256'};
const outPath = path.join(tmpdir(), `kubepki-ui-absent-${randomBytes(6).toString('hex')}`);
const absent = createPreviewSession({outDir: outPath, source: 'test'});

function open(previews: Preview[] = [], folder = outPath): Rendered {
	const session = folder === outPath ? absent : createPreviewSession({outDir: folder, source: 'test'});
	const engine = testEngine(session, {previews});
	return renderAt(<Wizard topology={topology} engine={engine} outDir="pki" outPath={folder} stage="cluster" onExit={() => undefined} />, {columns: 100, rows: 40});
}

/** Open the row's field, erase what is there, type `value` (enter not pressed). */
async function retype(r: Rendered, label: string, value: string): Promise<void> {
	await focusRow(r, label);
	await press(r, keys.enter, 'enter save');
	await press(r, keys.backspace.repeat(20), f => !/validity +\d/.test(f.split('\n').find(line => line.includes(`› ${label}`)) ?? ''));
	// On the field's own row: the explanation may hold the same words ("10 years").
	await press(r, value, f => f.split('\n').some(line => line.includes(label) && line.includes(value)));
}

/** The stage column's text as one line: a message wrapped over two rows reads whole again. */
const flat = (frame: string) =>
	frame
		.split('\n')
		.map(line => line.split('│').slice(1).join('│').trim())
		.join(' ')
		.replaceAll(/\s+/g, ' ');

const fileProblem = (validity: string) => {
	const file = parseClusterFile(`${exampleClusterYaml}validity: ${validity}\n`);
	return file.ok ? '' : formatProblem(file.problems[0]!);
};

describe('validity rows', () => {
	test('a 30-day leaf: the Cluster stage says so, and the kubelet certificate is issued for 30 days', async () => {
		const previews: Preview[] = [];
		const r = open(previews);
		await waitFor(r, '[ Continue ]');
		await retype(r, 'Leaf validity', '30d');
		await press(r, keys.enter, 'leaves 30 days');
		expect(r.frame()).toMatch(/Leaf validity +30d/);
		await focusRow(r, '[ Continue ]', keys.down);
		await press(r, keys.enter, 'step 3 of 10');
		await press(r, keys.enter, 'step 4 of 10: Kubelet certs');
		const frame = await waitFor(r, 'Kubelet of node1');
		expect(frame).toMatch(/Valid +\d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d \(30 days\)/);

		const node1 = previews.at(-1)!.issued.find(i => i.spec.id === 'kubelet:node1')!;
		const ca = previews.at(-1)!.issued.find(i => i.spec.signer === 'self')!;
		expect(node1.spec.validityHours).toBe(30 * 24);
		if (!hasTool('openssl')) return;
		const enddate = (pem: string) => Date.parse(execFileSync('openssl', ['x509', '-noout', '-enddate'], {input: pem, encoding: 'utf8'}).trim().replace('notAfter=', ''));
		const hoursLeft = (enddate(node1.certPem) - Date.now()) / 3_600_000;
		expect(hoursLeft).toBeGreaterThan(30 * 24 - 1);
		expect(hoursLeft).toBeLessThanOrEqual(30 * 24);
		// The CA keeps its own, longer lifetime.
		expect(enddate(ca.certPem)).toBeGreaterThan(enddate(node1.certPem) + 365 * 24 * 3_600_000);
	});

	test('typed values are checked in place with the cluster file\'s messages; a leaf longer than the CA is refused', async () => {
		const r = open();
		await waitFor(r, '[ Continue ]');
		await retype(r, 'CA validity', '10 years');
		expect(flat(r.frame())).toContain(`✗ ${fileProblem('{ca: 10 years}')}`);
		await press(r, keys.backspace.repeat(20), f => !flat(f).includes('got "10 years"'));
		// A CA of 100 days under the default one-year leaf: the leaf's message, shown while the CA is typed.
		const short = await press(r, '100d', '✗ validity.leaf');
		expect(flat(short)).toContain(`✗ ${fileProblem('{ca: 100d, leaf: 8760h}')}`);
		await press(r, keys.enter, /Leaf validity +8760h/);
		await focusRow(r, '[ Continue ]', keys.down);
		const refused = await press(r, keys.enter, 'fix the field');
		expect(refused).toContain('step 2 of 10: Cluster');
		// Saved, the message sits under the leaf's row, the value it is about.
		expect(flat(refused)).toMatch(new RegExp(`Leaf validity 8760h ✗ ${fileProblem('{ca: 100d, leaf: 8760h}').replaceAll(/[()'.?]/g, '\\$&')}`));
	});

	test('a CA already in the folder keeps its end date, and no leaf is signed past it', async () => {
		// A folder made by generate with a 100-day CA; the wizard then asks for 200-day leaves.
		const dir = tempDir();
		writeFileSync(path.join(dir, 'cluster.yaml'), `${exampleClusterYaml}algorithm: ecdsa-p256\nvalidity: {ca: 100d, leaf: 30d}\n`);
		const folder = path.join(dir, 'pki');
		expect(kubepki(['generate', '--config', path.join(dir, 'cluster.yaml'), '--out', folder, '--quiet']).status).toBe(0);
		const previews: Preview[] = [];
		const r = open(previews, folder);
		await waitFor(r, "The folder's CA is kept");
		await retype(r, 'Leaf validity', '200d');
		await press(r, keys.enter, 'leaves 200 days');
		await focusRow(r, '[ Continue ]', keys.down);
		await press(r, keys.enter, 'step 3 of 10');
		await press(r, keys.enter, 'step 4 of 10: Kubelet certs');
		const frame = await waitFor(r, 'Kubelet of node1');
		expect(frame).toMatch(/\((99|100) days\)/);
		const issued = previews.at(-1)!.issued;
		const node1 = issued.find(i => i.spec.id === 'kubelet:node1')!;
		const ca = issued.find(i => i.spec.signer === 'self')!;
		expect(flat(r.frame())).not.toContain('(200 days)');
		if (!hasTool('openssl')) return;
		const enddate = (pem: string) => Date.parse(execFileSync('openssl', ['x509', '-noout', '-enddate'], {input: pem, encoding: 'utf8'}).trim().replace('notAfter=', ''));
		expect(enddate(node1.certPem)).toBeLessThanOrEqual(enddate(ca.certPem));
		expect(enddate(ca.certPem)).toBe(enddate(readFileSync(path.join(folder, 'ca.pem'), 'utf8')));
	});
});
