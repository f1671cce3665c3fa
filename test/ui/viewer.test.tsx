import React from 'react';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Inspection} from '../../source/core/inspect.js';
import type {Finding} from '../../source/core/lint/index.js';
import type {Item} from '../../source/core/pki/load.js';
import type {Rendered} from './ink.js';

// chalk decides on colour when it loads: force it on so the NO_COLOR test compares colour with none.
process.env.FORCE_COLOR = '1';
const {cleanup, keys, press, renderAt, waitFor} = await import('./ink.js');
const {Viewer, PathViewer} = await import('../../source/ui/viewer/index.js');
const {makeTheme, ThemeContext} = await import('../../source/ui/theme.js');
const {bindings} = await import('../../source/ui/keys/bindings.js');
const {lint} = await import('../../source/core/lint/index.js');
const {parseBytes} = await import('../../source/core/pki/load.js');
const {buildPlan, specById} = await import('../../source/core/plan.js');
const {issue} = await import('../../source/core/pki/issue.js');
const {generateKeyPair} = await import('../../source/core/pki/keys.js');
const {exampleTopology} = await import('../../source/core/topology.js');
const {buildKubeconfig, kubeconfigYaml} = await import('../../source/core/kubeconfig.js');

// A small PKI made in memory (no disk in a UI test).
let items: Item[];
let findings: Finding[];
let rogue: {items: Item[]; findings: Finding[]};

const file = (name: string, text: string) => parseBytes(`pki/${name}`, Buffer.from(text));

beforeAll(async () => {
	const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
	const caKeys = await generateKeyPair('ecdsa-p256');
	const leafKeys = await generateKeyPair('ecdsa-p256');
	const otherKeys = await generateKeyPair('ecdsa-p256');
	const thirdKeys = await generateKeyPair('ecdsa-p256');
	const ca = await issue(specById(plan, 'ca'), caKeys, undefined);
	const signer = {certPem: ca.certPem, keys: caKeys};
	const admin = await issue(specById(plan, 'admin'), leafKeys, signer);
	const node1 = await issue(specById(plan, 'kubelet:node1'), leafKeys, signer);
	// node2 with the guide's typo, and ending in 10 days: the soonest.
	const typo = await issue({...specById(plan, 'kubelet:node2'), commonName: 'system:nodes:node2', validityHours: 240}, leafKeys, signer);
	const proxy = await issue({...specById(plan, 'kube-proxy'), validityHours: 24 * 100}, leafKeys, signer);
	const kubeconfig = kubeconfigYaml(buildKubeconfig({cluster: 'kthw', server: 'https://10.128.15.226:6443', caPem: ca.certPem, user: 'admin', certPem: admin.certPem, keyPem: admin.keyPem}));
	items = [
		...file('admin.pem', admin.certPem),
		...file('admin-key.pem', admin.keyPem),
		...file('admin.kubeconfig', kubeconfig),
		...file('ca.pem', ca.certPem),
		...file('nodes/master1/ca.pem', ca.certPem),
		...file('nodes/node1/ca.pem', ca.certPem),
		...file('kube-proxy.pem', proxy.certPem),
		...file('node1.pem', node1.certPem),
		...file('node2.pem', typo.certPem),
		...file('notes.txt', 'hello\n'),
	];
	findings = lint({items, manifests: []});

	// Look-alike CAs (same name, other keys), a leaf signed by a certificate that is no CA, a key that does not match.
	const lookAlike = await issue(specById(plan, 'ca'), otherKeys, undefined);
	const notCa = await issue(specById(plan, 'kube-scheduler'), thirdKeys, {certPem: lookAlike.certPem, keys: otherKeys});
	const signedByLeaf = await issue(specById(plan, 'kube-controller-manager'), leafKeys, {certPem: notCa.certPem, keys: thirdKeys});
	const hostile = await issue({...specById(plan, 'admin'), commonName: 'evil\u001B]0;pwned\u0007\u001B[2J'}, leafKeys, signer);
	const rogueItems = [
		...file('ca.pem', ca.certPem),
		...file('old/ca.pem', lookAlike.certPem),
		...file('old/kube-scheduler.pem', notCa.certPem),
		...file('kube-controller-manager.pem', signedByLeaf.certPem),
		...file('admin.pem', admin.certPem),
		// admin's key is leafKeys: this one, made from otherKeys, does not match.
		...file('admin-key.pem', notCa.keyPem),
		...file('node1.pem', node1.certPem),
		...file('node1-key.pem', node1.keyPem),
		...file('evil\u001B[1A\u001B[2K.pem', hostile.certPem),
	];
	rogue = {items: rogueItems, findings: lint({items: rogueItems, manifests: []})};
});

afterEach(() => {
	cleanup();
});

const show = (set: {items: Item[]; findings: Finding[]} = {items, findings}, size = {columns: 80, rows: 24}, color = true, onExit = () => {}) =>
	renderAt(
		<ThemeContext.Provider value={makeTheme(color)}>
			<Viewer items={set.items} findings={set.findings} onExit={onExit} />
		</ThemeContext.Provider>,
		size,
	);

/** The list row of `name` (the list is the left pane, up to the separator). */
const row = (r: Rendered, name: string) => r.frame().split('\n').map(line => line.split('│')[0]!).find(line => new RegExp(`[✓✗!?] ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(line));
/** Press down until the row `name` is selected (at most 20 rows). */
async function select(r: Rendered, name: string): Promise<void> {
	const selected = () => r.frame().split('\n').some(line => line.startsWith('›') && line.split('│')[0]!.includes(` ${name} `));
	for (let i = 0; i < 20 && !selected(); i++) {
		const before = r.frame();
		r.stdin.write(keys.down);
		await waitFor(r, frame => frame !== before);
	}

	await waitFor(r, selected);
}

const rowsOf = (r: Rendered) => r.frame().split('\n').map(line => line.split('│')[0]!).filter(line => /^[ ›][✓✗!?] /.test(line));

describe('Viewer: one row per certificate', () => {
	it('folds the copies of a certificate into one row with a count, and a kubeconfig into one row', async () => {
		const r = show();
		await waitFor(r, 'ca.pem ×3');
		// ca.pem three times as a file and once inside admin.kubeconfig: one row.
		expect(rowsOf(r).filter(line => line.includes('ca.pem'))).toHaveLength(1);
		expect(row(r, 'admin.kubeconfig')).toMatch(/admin\s+364d/);
		// 13 items (the kubeconfig is 4 of them, ca.pem 3 more); 7 rows.
		expect(items).toHaveLength(13);
		expect(rowsOf(r)).toHaveLength(7);
		const detail = r.frame();
		expect(detail).toContain('Signed by  itself (self-signed)');
		expect(detail).toMatch(/Copies +also in 2 files/);
	});

	it('columns: mark, name, role and days left; the admin row carries its key file', async () => {
		const r = show();
		await waitFor(r, 'name');
		expect(r.frame()).toMatch(/name +role +left/);
		expect(row(r, 'node1.pem')).toMatch(/✓ node1\.pem +kubelet +364d/);
		expect(row(r, 'kube-proxy.pem')).toMatch(/proxy +99d/);
		expect(rowsOf(r).some(line => line.includes('admin-key.pem'))).toBe(false);
		await press(r, keys.down.repeat(2), /›✓ admin\.pem/);
		await press(r, keys.tab, 'scrolling the detail');
		await press(r, 'G', /Key file +pki\/admin-key\.pem ✓/);
	});

	it('groups by the signing CA\'s key: two CAs of one name are two groups with different key ids', async () => {
		const r = show(rogue, {columns: 120, rows: 40});
		await waitFor(r, 'old/ca.pem');
		const groups = r.frame().split('\n').map(line => line.split('│')[0]!.trim()).filter(line => /^Kubernetes · key [\da-f]{8}$/.test(line));
		expect(groups).toHaveLength(2);
		expect(new Set(groups).size).toBe(2);
		// The scheduler certificate sits under the look-alike CA that signed it, not under ca.pem.
		const lines = r.frame().split('\n').map(line => line.split('│')[0]!);
		const under = (name: string) => lines.slice(0, lines.findIndex(line => line.includes(name))).reverse().find(line => /key [\da-f]{8}/.test(line));
		expect(under('old/kube-scheduler.pem')).toBe(under('old/ca.pem'));
		expect(under('node1.pem')).toBe(under(' ca.pem'));
		expect(under('node1.pem')).not.toBe(under('old/ca.pem'));
	});
});

describe('Viewer: marks that tell the truth', () => {
	it('✗ for a leaf signed by a certificate that is no CA, and says why on that row', async () => {
		const r = show(rogue, {columns: 120, rows: 40});
		await waitFor(r, 'kube-controller-manager.pem');
		expect(row(r, 'kube-controller-manager.pem')).toMatch(/✗/);
		await select(r, 'kube-controller-manager.pem');
		await waitFor(r, /which is not a CA/);
	});

	it('✗ for a certificate whose key file does not match it; ✓ for one whose key matches', async () => {
		const r = show(rogue, {columns: 120, rows: 40});
		await waitFor(r, 'admin.pem');
		expect(row(r, 'admin.pem')).toMatch(/✗/);
		expect(row(r, 'node1.pem')).toMatch(/✓/);
	});

	it('a finding is shown on the row of the item it is about: the typo lights node2.pem only', async () => {
		const r = show();
		await waitFor(r, 'node2.pem');
		expect(rowsOf(r).filter(line => line.includes('✗'))).toEqual([expect.stringContaining('node2.pem')]);
		expect(r.frame()).toContain('✗ 1 error(s)');
	});

	it('control characters in a subject or a file name are shown escaped, never sent to the terminal', async () => {
		const r = show(rogue, {columns: 120, rows: 40});
		await waitFor(r, 'evil');
		await select(r, 'evil\\x1b[1A\\x1b[2K.pem');
		await waitFor(r, 'user evil\\x1b]0;pwned\\x07\\x1b[2J');
		expect(r.frame()).toContain('evil\\x1b[1A\\x1b[2K.pem');
		expect(r.raw()).not.toContain('\u001B]0;');
		expect(r.raw()).not.toContain('\u001B[2J');
		expect(r.raw()).not.toContain('\u001B[1A');
	});
});

describe('Viewer: keys', () => {
	it('s sorts by days left: the certificate that ends soonest becomes the first row', async () => {
		const r = show();
		await waitFor(r, 'by name');
		expect(rowsOf(r)[0]).toContain('ca.pem');
		await press(r, 's', 'by days left');
		expect(rowsOf(r)[0]).toMatch(/node2\.pem +kubelet +9d/);
		// The selection goes to the top: the detail is the one that ends soonest.
		expect(rowsOf(r)[0]!.startsWith('›')).toBe(true);
		expect(r.frame()).toContain('CN=system:nodes:node2');
		await press(r, 's', 'by severity');
		expect(rowsOf(r)[0]).toContain('node2.pem');
		await press(r, 's', 'by name');
	});

	it('/ searches names, subjects and SANs; enter jumps to the match and n to the next', async () => {
		const r = show();
		await waitFor(r, 'by name');
		await press(r, '/', '(enter find, esc cancel)');
		for (const char of '10.128.15.22') await press(r, char, `/${'10.128.15.22'.slice(0, '10.128.15.22'.indexOf(char) + 1)}`);
		// node1 and node2 have IP SANs 10.128.15.223 and .224.
		await press(r, keys.enter, 'match 1 of 2');
		expect(r.frame()).toMatch(/›✓ node1\.pem/);
		await press(r, 'n', 'match 2 of 2');
		expect(r.frame()).toMatch(/›✗ node2\.pem/);
		await press(r, 'n', 'match 1 of 2');
		await press(r, '/', '(enter find');
		await press(r, 'z', '/z');
		await press(r, keys.enter, 'no row matches "z"');
	});

	it('j/k move, G and g jump to the ends, a burst of three downs moves three rows', async () => {
		const r = show();
		await waitFor(r, /›✓ ca\.pem/);
		await press(r, 'j', /›✓ admin\.kubeconfig/);
		await press(r, 'k', /›✓ ca\.pem/);
		await press(r, keys.down.repeat(3), /›✓ kube-proxy\.pem/);
		await press(r, 'G', /›\? notes\.txt/);
		await press(r, 'g', /›✓ ca\.pem/);
	});

	it('tab gives the detail the arrows and pgdn; tab again gives them back to the list', async () => {
		const r = show(undefined, {columns: 80, rows: 14});
		await waitFor(r, /detail 1-\d+ of \d+/);
		await press(r, keys.tab, 'scrolling the detail');
		const firstPage = r.frame();
		await press(r, keys.pageDown, frame => frame !== firstPage);
		for (let i = 0; i < 5 && !r.frame().includes('SHA-256'); i++) {
			const before = r.frame();
			await press(r, keys.pageDown, frame => frame !== before);
		}

		await waitFor(r, 'SHA-256');
		expect(r.frame()).toMatch(/›✓ ca\.pem/);
		await press(r, keys.tab, 'row 1 of 7');
		await press(r, '\u0004', /›/);
		await waitFor(r, /row [2-7] of 7/);
	});

	it('? lists every key of the viewer from the bindings table, and esc closes it', async () => {
		const r = show(undefined, {columns: 100, rows: 30});
		await waitFor(r, 'by name');
		await press(r, '?', 'Keys of the viewer');
		for (const binding of bindings.filter(b => b.context === 'viewer')) expect(r.frame()).toContain(binding.help);
		await press(r, keys.esc, 'row 1 of 7');
		expect(r.frame()).not.toContain('Keys of the viewer');
	});

	it('f shows only the rows with findings, and f again shows everything', async () => {
		const r = show();
		await waitFor(r, 'f findings only');
		await press(r, 'f', 'row 1 of 1');
		expect(rowsOf(r)).toEqual([expect.stringMatching(/›✗ node2\.pem/)]);
		expect(r.frame()).toContain('kubelet-identity');
		await press(r, 'f', 'row 1 of 7');
		expect(rowsOf(r)).toHaveLength(7);
	});

	it('q and esc leave', async () => {
		let exits = 0;
		const first = show(undefined, undefined, true, () => exits++);
		await waitFor(first, 'by name');
		first.stdin.write('q');
		await waitFor(first, () => exits === 1);
		const second = show(undefined, undefined, true, () => exits++);
		await waitFor(second, 'by name');
		second.stdin.write(keys.esc);
		// A lone Esc is held by Ink's parser for a moment.
		await waitFor(second, () => exits === 2);
	});
});

describe('Viewer: layout', () => {
	it('fits 80×24 and 120×40: every line within the width, one row shorter than the terminal', async () => {
		for (const size of [{columns: 80, rows: 24}, {columns: 120, rows: 40}]) {
			const r = show(undefined, size);
			await waitFor(r, 'by name');
			const lines = r.frame().split('\n');
			expect(lines.length).toBeLessThanOrEqual(size.rows - 1);
			for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(size.columns);
			cleanup();
		}
	});

	it('re-lays out at once when the terminal shrinks, and says so below the minimum size', async () => {
		const r = show(undefined, {columns: 120, rows: 40});
		await waitFor(r, 'by name');
		const resize = (columns: number, rows: number) => {
			Object.assign(r.stdout, {columns, rows});
			r.stdout.emit('resize');
		};

		resize(70, 20);
		await waitFor(r, frame => frame.split('\n').every(line => line.length <= 70) && frame.includes('by name'));
		expect(r.frame().split('\n').length).toBeLessThanOrEqual(19);
		resize(50, 10);
		await waitFor(r, frame => frame.replace(/\s+/g, ' ').includes('kubepki inspect needs at least 60×12 (this terminal is 50×10)'));
		resize(100, 30);
		await waitFor(r, 'by name');
	});

	it('NO_COLOR: the same text and marks, and no colour codes', async () => {
		const colour = show(undefined, undefined, true);
		await waitFor(colour, 'by name');
		const withColour = colour.raw();
		const plain = show(undefined, undefined, false);
		await waitFor(plain, 'by name');
		const withoutColour = plain.raw();
		// eslint-disable-next-line no-control-regex
		const colourCode = /\u001B\[(3\d|9\d)(;\d+)*m/;
		expect(withColour).toMatch(colourCode);
		expect(withoutColour).not.toMatch(colourCode);
		expect(plain.frame()).toBe(colour.frame());
	});
});

describe('PathViewer', () => {
	it('shows a spinner while reading, then the viewer, and reports whether there are errors', async () => {
		let release: (value: Inspection) => void = () => {};
		const pending = new Promise<Inspection>(resolve => {
			release = resolve;
		});
		const results: boolean[] = [];
		const r = renderAt(<PathViewer paths={['pki']} onExit={() => {}} onResult={hasErrors => results.push(hasErrors)} load={async () => pending} width={80} height={24} />);
		await waitFor(r, 'reading pki');
		release({loaded: {items, manifests: []}, findings});
		await waitFor(r, 'by name');
		expect(results).toEqual([true]);
		// Raw mode on once and held across the change from the reading row to the viewer (each listens for keys of
		// its own): never off in between, when a key would reach a cooked terminal (enter a newline, echoed).
		expect(r.stdin.rawModes).toEqual([true]);
		r.instance.unmount();
		expect(r.stdin.rawModes).toEqual([true, false]);
	});

	it('the first frame does not wait for the reads: "reading N files… M read", then "checking N files…"', async () => {
		let release: (value: Inspection) => void = () => {};
		let report: (read: number, total: number) => void = () => {};
		const pending = new Promise<Inspection>(resolve => {
			release = resolve;
		});
		const r = renderAt(
			<PathViewer
				paths={['pki']}
				onExit={() => {}}
				load={async (_paths, onProgress) => {
					report = onProgress!;
					return pending;
				}}
				width={80}
				height={24}
			/>,
		);
		await waitFor(r, 'reading pki');
		report(0, 1000);
		await waitFor(r, 'reading 1,000 files… 0 read');
		report(500, 1000);
		await waitFor(r, 'reading 1,000 files… 500 read');
		// Not every file re-renders: 501 is not a twentieth.
		report(501, 1000);
		report(1000, 1000);
		await waitFor(r, 'checking 1,000 files…');
		release({loaded: {items, manifests: []}, findings});
		await waitFor(r, 'by name');
	});

	it('says what failed, in one line, when reading fails, and q still leaves', async () => {
		let exits = 0;
		const r = renderAt(<PathViewer paths={['pki']} onExit={() => exits++} load={async () => Promise.reject(new Error('disk on fire'))} />);
		await waitFor(r, '✗ cannot read pki: disk on fire');
		r.stdin.write('q');
		await waitFor(r, () => exits === 1);
	});
});
