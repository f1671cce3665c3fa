// The wizard opened on a folder kubepki made (issue 13, item 5), rendered with Ink: the folder at a glance
// (worst first), the three choices, the renewal before writing, and the write itself through the real
// renewFolder on a real folder whose leaves end in five days.
import {X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import React from 'react';
import {afterEach, beforeAll, describe, expect, test} from 'vitest';
import {configDifference, folderReducer, initialFolderState, openFolder, type FolderGlance} from '../../source/core/folder-glance.js';
import {generate} from '../../source/core/generate.js';
import {renewFolder} from '../../source/core/renew.js';
import {exampleTopology} from '../../source/core/topology.js';
import {KeyRouter} from '../../source/ui/keys/router.js';
import {FolderScreen} from '../../source/ui/folder/FolderScreen.js';
import {tempDir} from '../helpers/tools.js';
import {cleanup, keys, press, renderAt, waitFor} from './ink.js';

afterEach(cleanup);

const day = 24 * 3600 * 1000;
const now = new Date('2026-12-01T12:00:00Z');
const topology = {...exampleTopology(), algorithm: 'ecdsa-p256' as const};

/** A folder made by the real generate 360 days before `now`: one-year leaves with five days left. */
async function folder(): Promise<string> {
	const dir = path.join(tempDir('kubepki-folder-screen-'), 'pki');
	await generate(topology, {outDir: dir, now: new Date(now.getTime() - 360 * day)});
	return dir;
}

const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

describe('the folder at a glance', () => {
	let dir: string;
	let glance: FolderGlance;
	beforeAll(async () => {
		dir = await folder();
		glance = (await openFolder(dir, now))!;
	});

	test('reads the cluster from the manifest and lists the leaves due, worst first, the CA last', () => {
		expect(glance.topology.cluster).toBe(topology.cluster);
		expect(glance.topology.workers.map(w => w.name)).toEqual(topology.workers.map(w => w.name));
		expect(glance.rows.slice(0, 7).every(row => row.state === 'within')).toBe(true);
		expect(glance.rows.at(-1)!.isCA).toBe(true);
		expect(glance.renewal.renewed.map(r => r.id).sort()).toEqual(['admin', 'apiserver', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubelet:node1', 'kubelet:node2']);
		expect(glance.lintErrors).toEqual([]);
	});

	test('a folder with no manifest opens as a new cluster (no glance)', async () => {
		expect(await openFolder(tempDir('kubepki-empty-'), now)).toBeUndefined();
	});

	test('goes glance → review → confirm → writing only through Renew, back with esc; Change the cluster asks for the stages', () => {
		let step = folderReducer(initialFolderState, {type: 'enter'}, glance);
		expect([step.state.phase, step.effect]).toEqual(['review', undefined]);
		expect(folderReducer(step.state, {type: 'back'}, glance).state.phase).toBe('glance');
		// y means nothing before the confirm; enter on the review asks it, esc there goes back to the review.
		expect(folderReducer(step.state, {type: 'yes'}, glance).effect).toBeUndefined();
		step = folderReducer(step.state, {type: 'enter'}, glance);
		expect([step.state.phase, step.effect]).toEqual(['confirm', undefined]);
		expect(folderReducer(step.state, {type: 'back'}, glance).state.phase).toBe('review');
		expect(folderReducer(step.state, {type: 'yes'}, glance)).toEqual({state: {...step.state, phase: 'writing'}, effect: 'write-renewal'});
		step = folderReducer(step.state, {type: 'enter'}, glance);
		expect([step.state.phase, step.effect]).toEqual(['writing', 'write-renewal']);
		expect(folderReducer(step.state, {type: 'quit'}, glance).effect).toBeUndefined();
		const change = folderReducer(folderReducer(initialFolderState, {type: 'down'}, glance).state, {type: 'enter'}, glance);
		expect(change.effect).toBe('open-wizard');
	});

	test('a --config given too: the difference from the folder\'s cluster is said on the first screen', async () => {
		const given = {...glance.topology, workers: [...glance.topology.workers.slice(0, 1), {name: 'node9', ip: '10.128.15.239', ips: ['10.128.15.239']}], algorithm: 'rsa-2048' as const};
		const note = configDifference(glance.topology, given)!;
		expect(note).toBe(`the --config differs from this folder's cluster (workers added: node9; workers removed: node2; algorithm ecdsa-p256 → rsa-2048); Change the cluster starts from the --config`);
		expect(configDifference(glance.topology, glance.topology)).toBeUndefined();
		const r = renderAt(
			<KeyRouter>
				<FolderScreen glance={glance} note={note} outDir="pki" renew={async () => glance.renewal} onOpenWizard={() => undefined} onExit={() => undefined} />
			</KeyRouter>,
			{columns: 100, rows: 40},
		);
		const frame = await waitFor(r, '› 1. Renew');
		expect(frame.split('\n')[1]).toMatch(/^! the --config differs from this folder's cluster \(workers added: node9/);
	});
});

describe('the folder screen', () => {
	test('shows what expires, walks a renewal with the restart order before writing, writes it, and the leaves are new', async () => {
		const dir = await folder();
		const glance = (await openFolder(dir, now))!;
		const before = fingerprint(path.join(dir, 'kubernetes.pem'));
		const ca = fingerprint(path.join(dir, 'ca.pem'));
		let exit: number | undefined;
		const r = renderAt(
			<KeyRouter>
				<FolderScreen glance={glance} outDir="pki" renew={async prepared => renewFolder({outDir: dir, selection: {kind: 'within', seconds: 30 * 86_400}, now, prepared})} onOpenWizard={() => undefined} onExit={code => (exit = code)} />
			</KeyRouter>,
			{columns: 100, rows: 40},
		);
		const first = await waitFor(r, '› 1. Renew 7 certificate(s)');
		expect(first).toMatch(/^! +admin\.pem +admin +5d$/m);
		expect(first).toMatch(/^✓ +ca\.pem +CA +\d+d$/m);
		expect(first).toContain('8 certificate(s): 0 expired or not yet valid, 7 ending within 30d, 1 fine · 0 lint error(s)');
		// c: the commands by hand for the selected choice, from the same plan (openssl for one certificate).
		expect(await press(r, 'c', 'openssl')).toMatch(/openssl (req|genpkey|ecparam)/);
		const review = await press(r, keys.enter, '7 certificate(s) would be renewed in pki');
		expect(review).toContain('7 certificate(s) would be renewed in pki');
		expect(review).toMatch(/renew apiserver +kubernetes\.pem: ends on 2026-12-06, within 30d; would end 2027-12-01 \(new key\)/);
		// Nothing written yet.
		expect(fingerprint(path.join(dir, 'kubernetes.pem'))).toBe(before);
		// The restart order is at the end: scroll to it.
		let frame = review;
		for (let i = 0; i < 40 && !/1\. master1: systemctl restart etcd/.test(frame); i++) frame = await press(r, keys.down, f => f !== frame);
		expect(frame).toMatch(/1\. master1: systemctl restart etcd/);
		// The cards: one per renewed certificate, from the plan, each naming the file it lands in; still nothing written.
		const planned = glance.renewal!.cards;
		expect(planned.map(card => card.file).sort()).toEqual(glance.renewal!.renewed.map(item => item.file).sort());
		for (const card of planned) {
			const written = glance.renewal!.changed.find(file => file.path === card.file)!;
			expect(new X509Certificate(written.content).fingerprint256).toBe(card.cert.info.fingerprintSha256);
		}

		// Page down to the last card (a page is 10 lines, the screen shows more): every line passes the screen.
		let seen = frame;
		const lastHead = `· ${planned.at(-1)!.file} · new (`;
		while (!frame.includes(lastHead)) {
			frame = await press(r, keys.pageDown, f => f !== frame);
			seen += frame;
		}

		expect(seen).toContain('The 7 new certificate(s), as they will be written:');
		for (const card of planned) expect(seen).toContain(`· ${card.file} · new (`);
		expect(seen).toMatch(/· node2\.pem · new \(ends on 2026-12-06, within 30d; a new key\)/);
		expect(fingerprint(path.join(dir, 'kubernetes.pem'))).toBe(before);
		const confirm = await press(r, keys.enter, /Write the renewal \(\d+ files\) to pki\? enter or y write · esc no/);
		expect(confirm).toContain(lastHead);
		expect(fingerprint(path.join(dir, 'kubernetes.pem'))).toBe(before);
		const done = await press(r, 'y', 'Renewed and written');
		expect(done).toContain('7 certificate(s) renewed in pki');
		expect(fingerprint(path.join(dir, 'kubernetes.pem'))).not.toBe(before);
		// Written as shown: every card's certificate is the file's, byte for byte the fingerprint shown.
		for (const card of planned) expect(fingerprint(path.join(dir, card.file))).toBe(card.cert.info.fingerprintSha256);
		expect(fingerprint(path.join(dir, 'ca.pem'))).toBe(ca);
		expect(Date.parse(new X509Certificate(readFileSync(path.join(dir, 'kubernetes.pem'))).validTo)).toBe(now.getTime() + 8760 * 3600 * 1000);
		await press(r, keys.enter, () => exit !== undefined);
		expect(exit).toBe(0);
	});
});
