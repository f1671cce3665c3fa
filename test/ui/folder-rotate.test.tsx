// "Rotate the CA" on the folder screen (issue 16, item 3), rendered with Ink on real folders: one step per
// visit, what the step changes and why before anything is made, the cards of what it made before the confirm,
// the write through core's rotateCa with exactly what was shown, and, opened again, where the folder stands.
import {X509Certificate} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import React from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {folderChoices, folderReducer, initialFolderState, openFolder, rotationRequest} from '../../source/core/folder-glance.js';
import {generate} from '../../source/core/generate.js';
import {previewRotation, rotateCa, rotationStatus, certificateBlocks} from '../../source/core/rotate.js';
import {exampleTopology} from '../../source/core/topology.js';
import {KeyRouter} from '../../source/ui/keys/router.js';
import {FolderScreen, type FolderRotation} from '../../source/ui/folder/FolderScreen.js';
import {folderScreenLines} from '../../source/ui/folder/folder-lines.js';
import {tempDir} from '../helpers/tools.js';
import {cleanup, keys, press, renderAt, waitFor, type Rendered} from './ink.js';

afterEach(cleanup);

const topology = {...exampleTopology(), algorithm: 'ecdsa-p256' as const};
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
/** The frame with its wrapped lines joined, for sentences. */
const flat = (frame: string) => frame.replaceAll('\n', ' ');

/** The real core, on the folder: what the wizard's screen process hands the folder screen. */
const progress: Array<[number, number]> = [];
function rotationOn(dir: string): FolderRotation {
	return {
		preview: async (request, onProgress) =>
			previewRotation({
				outDir: dir,
				...request,
				onProgress(done, total) {
					progress.push([done, total]);
					onProgress?.(done, total);
				},
			}),
		write: async (request, prepared) => rotateCa({outDir: dir, ...request, prepared}),
	};
}

/** The folder screen as the wizard opens it on `dir`, at 100×40; `exit` is set when it leaves. */
async function open(dir: string): Promise<{r: Rendered; exit: () => number | undefined; wizardOpened: () => boolean}> {
	const glance = (await openFolder(dir))!;
	let code: number | undefined;
	let opened = false;
	const r = renderAt(
		<KeyRouter>
			<FolderScreen glance={glance} outDir="pki" renew={async () => glance.renewal!} rotation={rotationOn(dir)} onOpenWizard={() => (opened = true)} onExit={c => (code = c)} />
		</KeyRouter>,
		{columns: 100, rows: 40},
	);
	return {r, exit: () => code, wizardOpened: () => opened};
}

/** Press pgdn until the text shows (the done screen is longer than the terminal). */
async function scrollTo(r: Rendered, text: string | ((frame: string) => boolean)): Promise<string> {
	const shows = typeof text === 'string' ? (f: string) => f.includes(text) : text;
	for (let i = 0; i < 30 && !shows(r.frame()); i++) {
		const before = r.frame();
		r.stdin.write('\u001B[6~');
		await waitFor(r, f => f !== before || shows(f));
	}

	return waitFor(r, shows);
}

/** The frame shows the card of `file` down to its fingerprint. */
const cardShown = (file: string) => (frame: string) => {
	const lines = frame.split('\n');
	const head = lines.findIndex(line => line.includes(`· ${file} · new`));
	return head >= 0 && lines.slice(head).some((line, index, rest) => line.includes('SHA-256') && rest[index + 1]?.startsWith('│ '));
};

/** The SHA-256 a card shows, its two lines joined. */
function cardFingerprint(frame: string, file: string): string {
	const lines = frame.split('\n');
	const head = lines.findIndex(line => line.includes(`· ${file} · new`));
	expect(head, frame).toBeGreaterThanOrEqual(0);
	const at = lines.findIndex((line, index) => index > head && line.includes('SHA-256'));
	return (lines[at]!.replace(/^│ SHA-256 +/, '') + lines[at + 1]!.replace(/^│ +/, '')).replaceAll(/\s/g, '');
}

describe('Rotate the CA on the folder screen, the hard way', () => {
	test('start, reissue, finish: one step per visit, the cards before the confirm, the files as shown, where it stands between', async () => {
		const dir = path.join(tempDir('kubepki-folder-rotate-'), 'pki');
		await generate(topology, {outDir: dir});
		const oldCa = read(dir, 'ca.pem');

		// Visit 1: start.
		let screen = await open(dir);
		await waitFor(screen.r, '3. Rotate the CA');
		await press(screen.r, keys.down, '› 2. Change the cluster');
		await press(screen.r, keys.down, '› 3. Rotate the CA');
		let frame = await press(screen.r, keys.enter, 'what it changes and why the order matters');
		expect(flat(frame)).toContain('Step 1 of 3, start, of the cluster CA');
		expect(flat(frame)).toContain('Why it comes first');
		frame = await press(screen.r, keys.enter, '· ca-next.pem · new');
		expect(flat(frame)).toMatch(/! a new CA key was made: ca-next-key\.pem/);
		expect(flat(frame)).toContain('nothing is written until you confirm');
		// Made in memory only.
		expect(existsSync(path.join(dir, 'ca-next.pem'))).toBe(false);
		const shownCa = cardFingerprint(frame, 'ca-next.pem');
		frame = await press(screen.r, keys.enter, 'Write rotate-ca start to pki? enter or y write');
		// esc at the confirm: back to the cards, still nothing written.
		await press(screen.r, keys.esc, 'enter write these files');
		expect(existsSync(path.join(dir, 'ca-next.pem'))).toBe(false);
		await press(screen.r, keys.enter, 'Write rotate-ca start to pki?');
		frame = await press(screen.r, 'y', 'rotate-ca start written');
		expect(flat(frame)).toContain('pki is now in phase started (ca)');
		expect(flat(frame)).toMatch(/a new CA key was made: ca-next-key\.pem/);
		expect(fingerprint(read(dir, 'ca-next.pem'))).toBe(shownCa);
		expect(certificateBlocks(read(dir, 'ca.pem'))).toEqual([oldCa, read(dir, 'ca-next.pem')]);
		frame = await scrollTo(screen.r, 'Before kubepki rotate-ca reissue, check:');
		expect(flat(frame)).toMatch(/1\. master1: systemctl restart etcd/);
		// One step per visit: enter leaves.
		await press(screen.r, keys.enter, () => screen.exit() !== undefined);
		expect(screen.exit()).toBe(0);
		cleanup();

		// Visit 2: where it stands, then reissue. Change the cluster would undo the rotation: it does nothing.
		screen = await open(dir);
		frame = await waitFor(screen.r, '› 1. Rotate the CA: step 2 of 3, reissue');
		expect(flat(frame)).toMatch(/! CA rotation in progress: phase started since \S+, of ca\. Next step: kubepki rotate-ca reissue/);
		expect(flat(frame)).toContain('Copy what the last step changed (sh pki/nodes/copy.sh)');
		await press(screen.r, keys.down, '› 2. Renew (not now)');
		frame = await press(screen.r, keys.down, '› 3. Change the cluster');
		expect(flat(frame)).toContain('would write this folder over the CA rotation in progress (phase started)');
		screen.r.stdin.write(keys.enter);
		await press(screen.r, keys.up, '› 2. Renew (not now)');
		expect(screen.wizardOpened()).toBe(false);
		await press(screen.r, keys.up, '› 1. Rotate the CA: step 2 of 3, reissue');
		frame = await press(screen.r, keys.enter, 'Rotate the CA, reissue: what it changes');
		expect(flat(frame)).toContain('Why it comes second');
		frame = await press(screen.r, keys.enter, 'Rotate the CA, reissue: what will be written');
		expect(flat(frame)).toContain('8 certificate(s) made in memory');
		expect(flat(frame)).toMatch(/! 7 new leaf keys were made, one per certificate, each signed by the new CA/);
		// The making screen was told each key as it came: the last of the seven.
		expect(progress.at(-1)).toEqual([7, 7]);
		expect(flat(frame)).toMatch(/! the service-account key service-account-key\.pem is kept/);
		const shownApiserver = cardFingerprint(await scrollTo(screen.r, cardShown('kubernetes.pem')), 'kubernetes.pem');
		const leafBefore = read(dir, 'kubernetes.pem');
		await press(screen.r, keys.enter, 'Write rotate-ca reissue to pki?');
		expect(read(dir, 'kubernetes.pem')).toBe(leafBefore);
		frame = await press(screen.r, keys.enter, 'rotate-ca reissue written');
		expect(flat(frame)).toMatch(/7 new leaf keys were made/);
		expect(fingerprint(read(dir, 'kubernetes.pem'))).toBe(shownApiserver);
		expect((await rotationStatus(dir)).phase).toBe('reissued');
		await press(screen.r, 'q', () => screen.exit() !== undefined);
		cleanup();

		// Visit 3: finish, no key made, the old CA retired.
		screen = await open(dir);
		frame = await waitFor(screen.r, '› 1. Rotate the CA: step 3 of 3, finish');
		expect(flat(frame)).toMatch(/phase reissued since \S+, of ca\. Next step: kubepki rotate-ca finish/);
		await press(screen.r, keys.enter, 'Why it comes last');
		frame = await press(screen.r, keys.enter, 'no key is made');
		await press(screen.r, keys.enter, 'Write rotate-ca finish to pki?');
		frame = await press(screen.r, 'y', 'rotate-ca finish written');
		expect(flat(frame)).toMatch(/the old CA's certificate and key moved to pki\/retired\//);
		expect(read(dir, 'ca.pem')).toBe(certificateBlocks(read(dir, 'ca.pem'))[0]);
		expect(fingerprint(read(dir, 'ca.pem'))).not.toBe(fingerprint(oldCa));
		await press(screen.r, keys.enter, () => screen.exit() !== undefined);
		cleanup();

		// Visit 4: the rotation is done; the choices are as before one began.
		screen = await open(dir);
		frame = await waitFor(screen.r, '› 1. Renew');
		expect(flat(frame)).toMatch(/The last CA rotation \(ca\) finished at \S+; the old CA is in pki\/retired\//);
		expect(flat(frame)).toContain('3. Rotate the CA');
	});
});

describe('Rotate the CA on a kubeadm folder', () => {
	test('the CA is chosen as --ca does; etcd alone is rotated', async () => {
		const dir = path.join(tempDir('kubepki-folder-rotate-kubeadm-'), 'k');
		await generate(topology, {outDir: dir, layout: 'kubeadm'});
		const screen = await open(dir);
		let frame = await waitFor(screen.r, '› 1. Renew (not now)');
		expect(flat(frame)).toContain('Renew knows the hard-way layout');
		frame = await press(screen.r, keys.down, '› 2. Change the cluster');
		// The stages build the hard way's files: on kubeadm's layout Change the cluster says why not, and how instead.
		expect(flat(frame)).toContain('The stages build the hard-way layout; this folder is kubeadm\'s');
		expect(flat(frame)).toMatch(/kubepki generate +--layout +kubeadm +--config +FILE +--out +FOLDER/);
		await press(screen.r, keys.enter, () => true);
		frame = await press(screen.r, 'c', 'kubepki generate --layout kubeadm --config cluster.yaml --out');
		expect(screen.wizardOpened()).toBe(false);
		await press(screen.r, 'c', f => !f.includes('--config cluster.yaml'));
		frame = await press(screen.r, keys.down, '› 3. Rotate the CA');
		expect(flat(frame)).toContain('you choose cluster, etcd, front-proxy or all, as --ca does');
		frame = await press(screen.r, keys.enter, 'Rotate the CA: which CA?');
		expect(flat(frame)).toContain('› 1. all three CAs');
		await press(screen.r, keys.down, '› 2. cluster');
		frame = await press(screen.r, keys.down, '› 3. etcd');
		expect(flat(frame)).toContain("etcd's CA (pki/etcd/ca.crt)");
		frame = await press(screen.r, keys.enter, 'Step 1 of 3, start, of the etcd CA');
		frame = await press(screen.r, keys.enter, '· pki/etcd/ca-next.crt · new');
		expect(frame).not.toContain('· pki/ca-next.crt');
		const before = read(dir, 'master1/pki/ca.crt');
		await press(screen.r, keys.enter, 'Write rotate-ca start to pki?');
		frame = await press(screen.r, 'y', 'rotate-ca start written');
		expect(flat(frame)).toContain('is now in phase started (etcd-ca)');
		const status = await rotationStatus(dir);
		expect([status.phase, status.cas]).toEqual(['started', ['etcd-ca']]);
		expect(certificateBlocks(read(dir, 'master1/pki/etcd/ca.crt'))).toHaveLength(2);
		expect(read(dir, 'master1/pki/ca.crt')).toBe(before);
	});
});

describe('the screens\' order, as core\'s reducer has it', () => {
	test('nothing is made before the explanation, nothing written before the confirm; a late preview after esc is dropped; 80×24 fits', async () => {
		const dir = path.join(tempDir('kubepki-folder-rotate-order-'), 'pki');
		await generate(topology, {outDir: dir});
		const glance = (await openFolder(dir))!;
		const rotate = folderChoices(glance).findIndex(choice => choice.id === 'rotate');
		let step = folderReducer({...initialFolderState, selected: rotate}, {type: 'enter'}, glance);
		expect([step.state.phase, step.effect]).toEqual(['rotate-explain', undefined]);
		// y means nothing before the confirm.
		expect(folderReducer(step.state, {type: 'yes'}, glance).effect).toBeUndefined();
		step = folderReducer(step.state, {type: 'enter'}, glance);
		expect([step.state.phase, step.effect]).toEqual(['rotate-making', 'prepare-rotation']);
		const preview = await previewRotation({outDir: dir, ...rotationRequest(glance, step.state)});
		// esc while the keys are made: the preview that comes back later shows nothing, nor after the step is asked again.
		const left = folderReducer(step.state, {type: 'back'}, glance).state;
		expect(folderReducer(left, {type: 'prepared', ask: step.state.ask, preview}, glance).state.phase).toBe('glance');
		const again = folderReducer(folderReducer(left, {type: 'enter'}, glance).state, {type: 'enter'}, glance).state;
		expect(again.phase).toBe('rotate-making');
		expect(folderReducer(again, {type: 'prepared', ask: step.state.ask, preview}, glance).state.phase).toBe('rotate-making');
		expect(folderReducer(again, {type: 'failed', ask: step.state.ask, message: 'late'}, glance).state.phase).toBe('rotate-making');
		const review = folderReducer(step.state, {type: 'prepared', ask: step.state.ask, preview}, glance).state;
		expect(review.phase).toBe('rotate-review');
		const confirm = folderReducer(review, {type: 'enter'}, glance);
		expect([confirm.state.phase, confirm.effect]).toEqual(['rotate-confirm', undefined]);
		expect(folderReducer(confirm.state, {type: 'yes'}, glance).effect).toBe('write-rotation');
		// While writing, q does not leave (the write finishes first).
		expect(folderReducer({...confirm.state, phase: 'rotate-writing'}, {type: 'quit'}, glance).effect).toBeUndefined();
		expect(existsSync(path.join(dir, 'ca-next.pem'))).toBe(false);

		for (const state of [folderReducer({...initialFolderState, selected: rotate}, {type: 'enter'}, glance).state, step.state, review, confirm.state]) {
			const lines = folderScreenLines(glance, state, 80, 23, 'pki');
			expect(lines.length, state.phase).toBeLessThanOrEqual(23);
			// The head is the glance's, cut with … when drawn; every line of the rotation's screens is wrapped to the width.
			for (const line of lines.slice(1)) expect(line.text.length, line.text).toBeLessThanOrEqual(80);
		}

		expect(folderScreenLines(glance, confirm.state, 80, 23, 'pki').at(-1)!.text).toBe('Write rotate-ca start to pki? enter or y write · esc no');
	});
});
