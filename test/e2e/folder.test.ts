// The built CLI opened on a folder kubepki made (issue 13, item 5), in a real terminal (tmux on a private
// socket): the folder at a glance, a renewal walked and written, and "Change the cluster" starting from the
// cluster the folder's manifest records, not the built-in example.
import {X509Certificate} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, realpathSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {generate} from '../../source/core/generate.js';
import {exampleTopology} from '../../source/core/topology.js';
import {writeClusterFile} from '../helpers/cluster-file.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';
import type {Term} from './tmux.js';
import {hangLimitMs, resumed, wizard, wizardProcessIn} from './wizard-term.js';

const haveTmux = hasTool('tmux');
const haveOpenssl = hasTool('openssl');
// The rotation's screens are waited for as long as they take (a loaded machine): no clock decides the outcome.
const untilShown = Number.POSITIVE_INFINITY;

/** The lines of the card of `file` on the screen, from its head to its foot; undefined while it is not wholly shown. */
function cardOn(screen: string, file: string): string[] | undefined {
	const lines = screen.split('\n');
	const head = lines.findIndex(line => line.startsWith('┌') && line.includes(`· ${file} · new (`));
	const foot = lines.findIndex((line, index) => index > head && line.startsWith('└'));
	return head >= 0 && foot > head ? lines.slice(head, foot + 1) : undefined;
}

const cardShown = (screen: string, file: string) => cardOn(screen, file) !== undefined;

/** The SHA-256 a card shows, its wrapped lines joined. */
function cardFingerprint(screen: string, file: string): string {
	const card = cardOn(screen, file)!;
	const start = card.findIndex(line => line.startsWith('│ SHA-256'));
	const rows = [card[start]!.slice('│ SHA-256'.length), ...card.slice(start + 1).filter((line, index, rest) => rest.slice(0, index + 1).every(l => /^│ {6,}[0-9A-F:]/.test(l)))];
	return rows.map(row => row.replace(/[│\s]/g, '')).join('');
}

/**
 * The wizard on `dir/pki` under strace, which stops it (SIGSTOP) at its first open of the manifest: reading the
 * folder starts there. One libuv worker makes every file call, so "first" is the run's first (strace counts per
 * thread). Resolves once the wizard is stopped there (strace reports its main thread stopped by the signal: a
 * tracer's stop at every system call looks the same in /proc), with its pid.
 */
async function wizardFrozenAtManifest(dir: string): Promise<{term: Term; pid: number}> {
	const manifest = path.join(realpathSync(dir), 'pki', 'kubepki-manifest.json');
	const trace = path.join(dir, 'strace.out');
	const term = wizard(dir, ['--out', 'pki'], {UV_THREADPOOL_SIZE: '1'}, undefined, ['strace', '-f', '-o', trace, '-P', manifest, '-e', 'trace=openat', '-e', 'inject=openat:signal=SIGSTOP:when=1']);
	for (;;) {
		const pid = wizardProcessIn(dir);
		const traced = existsSync(trace) ? readFileSync(trace, 'utf8') : '';
		if (pid !== undefined && new RegExp(`^${pid} +--- stopped by SIGSTOP ---$`, 'm').test(traced)) return {term, pid};
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

describe.skipIf(!haveTmux || !hasTool('strace'))('the wizard on a folder: the first frame first', () => {
	test('the first frame says the folder is being read, before the folder is opened: the wizard is frozen at its first read of the manifest, and the glance follows once it goes on', async () => {
		const dir = tempDir();
		expect(kubepki(['generate', '--out', 'pki', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
		const {term, pid} = await wizardFrozenAtManifest(dir);

		// Frozen where reading the folder starts: what is on the screen was drawn before it. (Before the fix the last
		// thing written was the line "kubepki: reading the folder…", with no frame.)
		const first = await term.waitFor(screen => screen.includes('kubepki · pki: reading the folder…') || screen.includes('kubepki: reading the folder…'));
		expect(first).toContain('kubepki · pki: reading the folder…');
		expect(first).toContain('its manifest, every certificate and its end date');
		expect(first).not.toContain('certificate(s):');
		const glance = await term.waitFor(resumed(pid, '› 1. Renew'));
		expect(glance).toContain('cluster kubernetes-the-hard-way, 2 master(s), 2 worker(s), ecdsa-p256');
		expect(glance).not.toContain('reading the folder');
		term.keys('q');
		expect(await term.waitFor('EXIT=')).toContain('EXIT=0');
	});

	test('q pressed while the folder is read leaves (exit 0), nothing written', async () => {
		const dir = tempDir();
		expect(kubepki(['generate', '--out', 'pki', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
		const manifestPath = path.join(dir, 'pki', 'kubepki-manifest.json');
		const before = readFileSync(manifestPath, 'utf8');
		const {term, pid} = await wizardFrozenAtManifest(dir);

		await term.waitFor('kubepki · pki: reading the folder…');
		// The key waits in the terminal while the wizard is frozen; it goes on and reads it as it reads the folder.
		term.keys('q');
		expect(await term.waitFor(resumed(pid, 'EXIT='))).toContain('EXIT=0');
		expect(readFileSync(manifestPath, 'utf8')).toBe(before);
	});
});

describe.skipIf(!haveTmux)('the wizard on a folder kubepki made', () => {
	test('shows what ends soon, renews it after showing the restart order, and expiry is clean afterwards', async () => {
		const dir = tempDir();
		const out = path.join(dir, 'pki');
		// One-year leaves issued 360 days ago (the library backdates; the product's clock is the real one).
		await generate({...exampleTopology(), algorithm: 'ecdsa-p256'}, {outDir: out, now: new Date(Date.now() - 360 * 86_400_000)});
		expect(kubepki(['expiry', 'pki'], {cwd: dir}).status).toBe(1);
		const term = wizard(dir, ['--out', 'pki']);
		const glance = await term.waitFor('› 1. Renew 7 certificate(s)');
		expect(glance).toMatch(/7 ending within 30d, 1 fine · 0 lint error\(s\)/);
		expect(glance).toMatch(/^! +kubernetes\.pem +apiserver +[45]d$/m);
		term.keys('Enter');
		const review = await term.waitFor('7 certificate(s) would be renewed in pki');
		expect(review).toContain('7 certificate(s) would be renewed in pki');
		// Nothing on disk changed yet.
		expect(kubepki(['expiry', 'pki'], {cwd: dir}).status).toBe(1);
		// The cards follow the words: the API server's, whole on the screen, names its file and its fingerprint.
		let screen = review;
		while (!cardShown(screen, 'kubernetes.pem')) {
			const last = screen;
			term.keys('PageDown');
			screen = await term.waitFor(now => now !== last);
		}

		const shown = cardFingerprint(screen, 'kubernetes.pem');
		expect(shown).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
		expect(shown).not.toBe(new X509Certificate(readFileSync(path.join(out, 'kubernetes.pem'))).fingerprint256);
		term.keys('Enter');
		await term.waitFor(/Write the renewal \(\d+ files\) to pki\? enter or y write · esc no/);
		// Not at the confirm either.
		expect(kubepki(['expiry', 'pki'], {cwd: dir}).status).toBe(1);
		term.keys('Enter');
		await term.waitFor('Renewed and written');
		term.keys('q');
		await term.waitFor('EXIT=0');
		const after = kubepki(['expiry', 'pki'], {cwd: dir});
		expect(after.status, after.stdout).toBe(0);
		expect(readdirSync(path.join(out, '.backup'))).toHaveLength(1);
		// What the card showed is what was written.
		expect(new X509Certificate(readFileSync(path.join(out, 'kubernetes.pem'))).fingerprint256).toBe(shown);
		if (!haveOpenssl) return;
		const leaves = readdirSync(out).filter(f => f.endsWith('.pem') && !f.endsWith('-key.pem') && f !== 'ca.pem');
		const verified = runStatus('openssl', ['verify', '-x509_strict', '-CAfile', 'ca.pem', ...leaves], {cwd: out});
		expect(verified.stdout.trim().split('\n').sort(), verified.stderr).toEqual(leaves.map(f => `${f}: OK`).sort());
		const lint = kubepki(['lint', 'pki'], {cwd: dir});
		expect(lint.status, lint.stdout).toBe(0);
	}, hangLimitMs);

	test('mid-rotation the wizard opens on where the folder stands and offers the next rotate-ca step, not the stages; nothing changes', async () => {
		const dir = tempDir();
		expect(kubepki(['generate', '--out', 'pki', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
		expect(kubepki(['rotate-ca', 'start', '--out', 'pki'], {cwd: dir}).status).toBe(0);
		const before = readFileSync(path.join(dir, 'pki', 'kubepki-manifest.json'), 'utf8');
		const term = wizard(dir, ['--out', 'pki']);
		const screen = await term.waitFor('› 1. Rotate the CA: step 2 of 3, reissue', untilShown);
		// The folder's state is named: the phase and the next step.
		expect(screen.replaceAll('\n', ' ')).toMatch(/CA rotation in progress: phase started since \S+, of ca\. Next step: kubepki +rotate-ca reissue/);
		expect(screen).not.toContain('step 1 of 10');
		// Change the cluster would write over the rotation: enter on it opens nothing.
		term.keys('Down', 'Down');
		await term.waitFor('› 3. Change the cluster', untilShown);
		await term.waitFor('would write this folder over the CA rotation', untilShown);
		term.keys('Enter', 'q');
		const left = await term.waitFor('EXIT=', untilShown);
		expect(left).toContain('EXIT=0');
		expect(left).not.toContain('step 1 of 10');
		expect(readFileSync(path.join(dir, 'pki', 'kubepki-manifest.json'), 'utf8')).toBe(before);
	}, hangLimitMs);

	test('mid-rotation, a folder the screen cannot read (its manifest\'s cluster broken): one line naming the next rotate-ca step, exit 1, never the stages', async () => {
		const dir = tempDir();
		expect(kubepki(['generate', '--out', 'pki', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
		expect(kubepki(['rotate-ca', 'start', '--out', 'pki'], {cwd: dir}).status).toBe(0);
		const manifestPath = path.join(dir, 'pki', 'kubepki-manifest.json');
		const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {cluster: {masters: unknown[]}};
		manifest.cluster.masters = [];
		writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
		const before = readFileSync(manifestPath, 'utf8');
		const term = wizard(dir, ['--out', 'pki']);
		const screen = await term.waitFor('EXIT=', untilShown);
		expect(screen).toContain('EXIT=1');
		expect(screen.replaceAll('\n', '')).toContain('run kubepki rotate-ca reissue first');
		expect(screen).not.toContain('step 1 of 10');
		expect(readFileSync(manifestPath, 'utf8')).toBe(before);
	}, hangLimitMs);

	test('Change the cluster opens the stages on the cluster the manifest records', async () => {
		const dir = tempDir();
		writeClusterFile(dir, {name: 'recorded', masters: 1, workers: 3});
		expect(kubepki(['generate', '--config', 'c.yaml', '--quiet'], {cwd: dir}).status).toBe(0);
		const term = wizard(dir, ['--out', 'pki']);
		const glance = await term.waitFor('2. Change the cluster');
		expect(glance).toContain('cluster recorded, 1 master(s), 3 worker(s), ecdsa-p256');
		term.keys('Down');
		await term.waitFor('› 2. Change the cluster');
		term.keys('Enter');
		await term.waitFor('step 1 of 10: Tools');
		term.keys('Enter');
		const cluster = await term.waitFor('step 2 of 10: Cluster');
		expect(cluster).toContain('w3');
		expect(cluster).not.toContain('node1');
		term.keys('C-c');
		await term.waitFor('EXIT=130');
	});

	test('on kubeadm\'s layout Change the cluster says why the stages cannot (they build the hard way\'s files) and how instead; enter opens nothing, nothing changes', async () => {
		const dir = tempDir();
		expect(kubepki(['generate', '--out', 'pki', '--layout', 'kubeadm', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
		const manifestPath = path.join(dir, 'pki', 'kubepki-manifest.json');
		const before = readFileSync(manifestPath, 'utf8');
		const listed = readdirSync(path.join(dir, 'pki'), {recursive: true, encoding: 'utf8'}).sort();
		const term = wizard(dir, ['--out', 'pki']);
		await term.waitFor('2. Change the cluster', untilShown);
		term.keys('Down');
		// Its explanation, whichever it is (the stages' own explanation says "The Cluster stage").
		const told = await term.waitFor(screen => screen.includes('› 2. Change the cluster') && /this folder is kubeadm's|The Cluster stage/.test(screen), untilShown);
		expect(told).toContain('this folder is kubeadm\'s');
		expect(told.replaceAll('\n', ' ')).toMatch(/kubepki generate +--layout +kubeadm +--config +FILE +--out +FOLDER/);
		// Keys are read in order: once c's commands show, the Enter before them was handled, and opened nothing.
		term.keys('Enter', 'c');
		const commands = await term.waitFor(screen => screen.includes('--config cluster.yaml') || screen.includes('step 1 of 10'), untilShown);
		expect(commands).not.toContain('step 1 of 10');
		term.keys('q');
		const left = await term.waitFor('EXIT=', untilShown);
		expect(left).toContain('EXIT=0');
		expect(left).not.toContain('step 1 of 10');
		expect(readFileSync(manifestPath, 'utf8')).toBe(before);
		expect(readdirSync(path.join(dir, 'pki'), {recursive: true, encoding: 'utf8'}).sort()).toEqual(listed);
	}, hangLimitMs);

	test('Change the cluster removes a worker: Review & write says it retires, and its files end up only under retired/', async () => {
		const dir = tempDir();
		writeClusterFile(dir, {name: 'shrink', masters: 1, workers: 3});
		expect(kubepki(['generate', '--config', 'c.yaml', '--quiet'], {cwd: dir}).status).toBe(0);
		const out = path.join(dir, 'pki');
		const term = wizard(dir, ['--out', 'pki']);
		await term.waitFor('2. Change the cluster');
		term.keys('Down');
		await term.waitFor('› 2. Change the cluster');
		term.keys('Enter');
		await term.waitFor('step 1 of 10: Tools');
		term.keys('Enter');
		await term.waitFor('step 2 of 10: Cluster');
		term.keys('Home');
		for (let i = 0; i < 5; i++) term.keys('Down');
		await term.waitFor(/› Workers/);
		term.keys('Enter');
		await term.waitFor('enter save');
		term.keys('C-u');
		term.type('w1:10.0.0.21, w2:10.0.0.22');
		term.keys('Enter');
		await term.waitFor('2 kubelet(s)');
		term.keys('End');
		await term.waitFor('› [ Continue ]');
		term.keys('Enter');
		await term.waitFor('step 3 of 10');
		for (let step = 4; step <= 10; step++) {
			term.keys('Enter');
			await term.waitFor(`step ${step} of 10`);
		}

		// The Review page says what retires before anything is confirmed; Enter then opens the confirm, which
		// covers that text (waiting for it after the Enter raced with the confirm being drawn).
		await term.waitFor(/Write \d+ files to pki/);
		const ready = await term.waitFor('! retired:');
		expect(ready).toMatch(/! retired: \d+ file\(s\) of machines no longer in the cluster move to/);
		expect(ready).toContain('w3.pem, w3-key.pem');
		expect(ready).toContain('holds an earlier run');
		expect(ready).not.toContain('Nothing is on disk yet');
		// Not moved before the confirm.
		expect(existsSync(path.join(out, 'w3.pem'))).toBe(true);
		term.keys('Enter');
		await term.waitFor(/Write \d+ files to pki\?/);
		expect(existsSync(path.join(out, 'w3.pem'))).toBe(true);
		term.keys('Enter');
		await term.waitFor('✓ Wrote');
		term.keys('q');
		await term.waitFor('EXIT=0');
		expect(existsSync(path.join(out, 'w3.pem'))).toBe(false);
		expect(existsSync(path.join(out, 'nodes', 'w3'))).toBe(false);
		const [stamp] = readdirSync(path.join(out, 'retired'));
		expect(existsSync(path.join(out, 'retired', stamp!, 'w3.pem'))).toBe(true);
		const live = readdirSync(out, {recursive: true, encoding: 'utf8'}).filter(f => !f.startsWith('retired') && !f.startsWith('.backup'));
		expect(live.filter(f => f.includes('w3'))).toEqual([]);
		expect(readFileSync(path.join(out, 'nodes', 'copy.sh'), 'utf8')).not.toContain('w3');
		const lint = kubepki(['lint', 'pki'], {cwd: dir});
		expect(lint.status, lint.stdout).toBe(0);
	});
});
