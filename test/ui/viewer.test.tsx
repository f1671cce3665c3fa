import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Inspection} from '../../source/core/inspect.js';
import type {Finding} from '../../source/core/lint/index.js';
import type {Item} from '../../source/core/pki/load.js';

// chalk decides on colour when it loads: force it on so the NO_COLOR test compares colour with none.
process.env.FORCE_COLOR = '1';
const {render, cleanup} = await import('ink-testing-library');
const {Viewer, PathViewer} = await import('../../source/ui/viewer/index.js');
const {makeTheme, ThemeContext} = await import('../../source/ui/theme.js');
const {lint} = await import('../../source/core/lint/index.js');
const {signers} = await import('../../source/core/inspect.js');
const {parseBytes} = await import('../../source/core/pki/load.js');
const {buildPlan, specById} = await import('../../source/core/plan.js');
const {issue} = await import('../../source/core/pki/issue.js');
const {generateKeyPair} = await import('../../source/core/pki/keys.js');
const {exampleTopology} = await import('../../source/core/topology.js');

const keys = {up: '\u001B[A', down: '\u001B[B', esc: '\u001B', pageDown: '\u001B[6~'} as const;

type Instance = ReturnType<typeof render>;

const frame = (instance: Instance) => stripVTControlCharacters(instance.lastFrame() ?? '');

async function waitFor(instance: Instance, text: string | RegExp): Promise<void> {
	const deadline = Date.now() + 3000;
	const found = () => (typeof text === 'string' ? frame(instance).includes(text) : text.test(frame(instance)));
	while (!found()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; last frame:\n${frame(instance)}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}

	// One more turn, so the next screen's useInput has subscribed before the next key.
	await new Promise(resolve => setImmediate(resolve));
}

/** Write one key and wait for the frame to show what it should lead to. */
async function press(instance: Instance, key: string, expected: string | RegExp): Promise<void> {
	instance.stdin.write(key);
	await waitFor(instance, expected);
}

// A small PKI made in memory (no disk in a UI test): the CA, admin, a kubelet, and one kubelet with the guide's typo.
let items: Item[];
let findings: Finding[];

beforeAll(async () => {
	const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
	const caKeys = await generateKeyPair('ecdsa-p256');
	const leafKeys = await generateKeyPair('ecdsa-p256');
	const ca = await issue(specById(plan, 'ca'), caKeys, undefined);
	const signer = {certPem: ca.certPem, keys: caKeys};
	const admin = await issue(specById(plan, 'admin'), leafKeys, signer);
	const node1 = await issue(specById(plan, 'kubelet:node1'), leafKeys, signer);
	const typo = await issue({...specById(plan, 'kubelet:node2'), commonName: 'system:nodes:node2'}, leafKeys, signer);
	const file = (name: string, text: string) => parseBytes(`pki/${name}`, Buffer.from(text));
	items = [...file('admin.pem', admin.certPem), ...file('ca.pem', ca.certPem), ...file('node1.pem', node1.certPem), ...file('node2.pem', typo.certPem), ...file('notes.txt', 'hello\n')];
	findings = lint({items, manifests: []});
});

afterEach(() => {
	cleanup();
});

describe('Viewer', () => {
	const show = (color = true, onExit = () => {}) =>
		render(
			<ThemeContext.Provider value={makeTheme(color)}>
				<Viewer items={items} findings={findings} signedBy={signers(items)} onExit={onExit} width={80} height={24} />
			</ThemeContext.Provider>,
		);

	it('groups the tree by issuer, marks each file ✓/✗, and details the first certificate', async () => {
		const instance = show();
		await waitFor(instance, 'issued by Kubernetes');
		const text = frame(instance);
		expect(text).toMatch(/✓ admin\.pem/);
		expect(text).toMatch(/✗ node2\.pem/);
		expect(text).toMatch(/\? notes\.txt/);
		expect(text).toContain('other files');
		expect(text).toContain('Subject    O=system:masters, CN=admin');
		expect(text).toContain('Kubernetes user admin, groups system:masters;');
		expect(text).toMatch(/^.*│ {12}role admin$/m);
		expect(text).toContain('✗ 1 error(s)');
		expect(text).toContain('Signed by  pki/ca.pem ✓ signature checked');
	});

	it('fits 80×24: at most 23 lines, none wider than 80 columns', async () => {
		const instance = show();
		await waitFor(instance, 'issued by');
		const lines = frame(instance).split('\n');
		expect(lines.length).toBeLessThanOrEqual(23);
		for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
		expect(lines.find(line => line.includes('admin.pem'))?.indexOf('│')).toBe(33);
	});

	it('at 120×40 the tree is wider and still every line fits', async () => {
		const instance = render(<Viewer items={items} findings={findings} onExit={() => {}} width={120} height={40} />);
		await waitFor(instance, 'issued by');
		const lines = frame(instance).split('\n');
		expect(lines.length).toBeLessThanOrEqual(39);
		for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(120);
		// The tree takes 44 columns at 120 (32 at 80): the separator sits right after it.
		expect(lines.find(line => line.includes('admin.pem'))?.indexOf('│')).toBe(45);
	});

	it('counts every key of a burst (a held arrow): three downs in one chunk move three rows', async () => {
		const instance = show();
		await waitFor(instance, 'Subject    O=system:masters, CN=admin');
		await press(instance, keys.down.repeat(3), 'CN=system:nodes:node2');
		await press(instance, keys.up.repeat(2), 'Subject    O=Kubernetes, CN=Kubernetes');
	});

	it('moves with the arrows; the selected certificate shows its findings with the rule id', async () => {
		const instance = show();
		await waitFor(instance, 'Subject    O=system:masters, CN=admin');
		await press(instance, keys.down, 'Subject    O=Kubernetes, CN=Kubernetes');
		await press(instance, keys.down, 'CN=system:node:node1');
		await press(instance, keys.down, 'CN=system:nodes:node2');
		const text = frame(instance);
		expect(text).toContain('Findings (1)');
		expect(text).toContain('✗ error kubelet-identity');
		await press(instance, keys.up, 'CN=system:node:node1');
		expect(frame(instance)).toContain('✓ no findings');
	});

	it('f shows only the files with findings, and f again shows everything', async () => {
		const instance = show();
		await waitFor(instance, 'f findings only');
		await press(instance, 'f', 'f all files');
		expect(frame(instance)).toContain('· findings only');
		const filtered = frame(instance);
		expect(filtered).toMatch(/›✗ node2\.pem/);
		expect(filtered).not.toContain('admin.pem');
		expect(filtered).toContain('kubelet-identity');
		await press(instance, 'f', 'f findings only');
		expect(frame(instance)).toContain('admin.pem');
	});

	it('q and esc leave', async () => {
		let exits = 0;
		const first = show(true, () => exits++);
		await waitFor(first, 'issued by');
		first.stdin.write('q');
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(exits).toBe(1);
		first.unmount();
		const second = show(true, () => exits++);
		await waitFor(second, 'issued by');
		second.stdin.write(keys.esc);
		// A lone Esc is held by Ink's parser for a moment.
		const deadline = Date.now() + 2000;
		while (exits < 2 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
		expect(exits).toBe(2);
	});

	it('NO_COLOR: the same text and marks, and no colour codes', async () => {
		const colour = show(true);
		await waitFor(colour, 'issued by');
		const withColour = colour.lastFrame() ?? '';
		colour.unmount();
		const plain = show(false);
		await waitFor(plain, 'issued by');
		const withoutColour = plain.lastFrame() ?? '';
		// eslint-disable-next-line no-control-regex
		const colourCode = /\u001B\[(3\d|9\d)(;\d+)*m/;
		expect(withColour).toMatch(colourCode);
		expect(withoutColour).not.toMatch(colourCode);
		expect(stripVTControlCharacters(withoutColour)).toBe(stripVTControlCharacters(withColour));
	});
});

describe('PathViewer', () => {
	it('shows a spinner while reading, then the viewer, and reports whether there are errors', async () => {
		let release: (value: Inspection) => void = () => {};
		const pending = new Promise<Inspection>(resolve => {
			release = resolve;
		});
		const results: boolean[] = [];
		const instance = render(<PathViewer paths={['pki']} onExit={() => {}} onResult={hasErrors => results.push(hasErrors)} load={async () => pending} width={80} height={24} />);
		await waitFor(instance, 'reading pki');
		release({loaded: {items, manifests: []}, findings});
		await waitFor(instance, 'issued by');
		expect(results).toEqual([true]);
	});

	it('says what failed, in one line, when reading fails, and q still leaves', async () => {
		let exits = 0;
		const instance = render(<PathViewer paths={['pki']} onExit={() => exits++} load={async () => Promise.reject(new Error('disk on fire'))} />);
		await waitFor(instance, '✗ cannot read pki: disk on fire');
		instance.stdin.write('q');
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(exits).toBe(1);
	});
});
