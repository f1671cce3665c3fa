// The built wizard rotates a generated folder's CA (issue 16, item 3), in a real terminal (tmux on a private
// socket): start, then the wizard opened again says where the folder stands and offers reissue, then finish.
// After each step the folder is checked by the real CLI (rotate-ca status --json, lint) and by openssl (a leaf
// against the live trust bundle); at the end no live file holds the old CA. Every wait is for the screen.
import {X509Certificate} from 'node:crypto';
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';
import type {Term} from './tmux.js';
import {hangLimitMs, wizard as openWizard} from './wizard-term.js';

const haveTmux = hasTool('tmux');
const haveOpenssl = hasTool('openssl');

// The screen is waited for as long as it takes (keys on a loaded machine): no clock decides the outcome.
const untilShown = Number.POSITIVE_INFINITY;

const wizard = (dir: string): Term => openWizard(dir, ['--out', 'pki']);

/** Every certificate a file holds: its PEM blocks and those inside a kubeconfig's base64 `*-data` fields. */
function certificatesIn(text: string): X509Certificate[] {
	const decoded = [...text.matchAll(/-data: *(\S+)/g)].map(match => Buffer.from(match[1]!, 'base64').toString('utf8'));
	return [text, ...decoded].flatMap(part => [...part.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(block => new X509Certificate(block[0])));
}

/** The live set: every file of the folder but retired/ and .backup/. */
function liveFiles(out: string): string[] {
	return readdirSync(out, {recursive: true, encoding: 'utf8'}).filter(f => !/^(retired|\.backup)(\/|$)/.test(f) && statSync(path.join(out, f)).isFile());
}

type Status = {phase: string; next: string | null; cas: string[]; counts: {trust: Record<string, number>; leaves: Record<string, number>}};

/** What the real CLI says of the folder: rotate-ca status --json (exit 0) and lint (exit 0). */
function cliCheck(dir: string): Status {
	const status = kubepki(['rotate-ca', 'status', '--out', 'pki', '--json'], {cwd: dir});
	expect(status.status, status.stderr).toBe(0);
	const lint = kubepki(['lint', 'pki'], {cwd: dir});
	expect(lint.status, lint.stdout).toBe(0);
	return JSON.parse(status.stdout) as Status;
}

/** openssl verify of a leaf against a CA file (the live trust bundle holds one or two CAs). */
function verifies(out: string, leaf: string, caFile: string): boolean {
	return runStatus('openssl', ['verify', '-x509_strict', '-CAfile', caFile, leaf], {cwd: out}).status === 0;
}

/** Walk one step: the folder screen, Rotate the CA, what it changes, the cards, the confirm, the write; leave. */
async function step(term: Term, name: 'start' | 'reissue' | 'finish', choice: string, card: string | undefined, pick?: string): Promise<string> {
	await term.waitFor(`› ${choice}`, untilShown);
	term.keys('Enter');
	if (pick) {
		// kubeadm's start: which CA, as --ca; the first choice is all three.
		await term.waitFor(`› ${pick}`, untilShown);
		term.keys('Enter');
	}

	await term.waitFor(`Rotate the CA, ${name}: what it changes and why the order matters`, untilShown);
	term.keys('Enter');
	const review = await term.waitFor(`Rotate the CA, ${name}: what will be written`, untilShown);
	if (card) expect(review).toContain(card);
	term.keys('Enter');
	await term.waitFor(`Write rotate-ca ${name} to pki? enter or y write`, untilShown);
	term.keys('y');
	const done = await term.waitFor(`rotate-ca ${name} written`, untilShown);
	term.keys('q');
	await term.waitFor('EXIT=0', untilShown);
	return done;
}

describe.skipIf(!haveTmux)('the wizard rotates the CA, one step per visit', () => {
	test(
		'start → (reopen) → reissue → (reopen) → finish; the CLI and openssl agree after each; no live file holds the old CA',
		async () => {
			const dir = tempDir();
			const out = path.join(dir, 'pki');
			expect(kubepki(['generate', '--out', 'pki', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
			const oldCa = new X509Certificate(readFileSync(path.join(out, 'ca.pem'))).fingerprint256;
			const oldLeaf = readFileSync(path.join(out, 'kubernetes.pem'), 'utf8');
			// Kept outside the folder: the old CA alone, and a leaf it signed.
			const keep = path.join(tempDir(), 'kubernetes-old.pem');
			const oldCaFile = path.join(tempDir(), 'ca-old-alone.pem');
			writeFileSync(keep, oldLeaf);
			writeFileSync(oldCaFile, readFileSync(path.join(out, 'ca.pem')));
			expect(cliCheck(dir).phase).toBe('none');

			// Visit 1: start. Rotate the CA is the third choice before a rotation.
			let term = wizard(dir);
			await term.waitFor('3. Rotate the CA', untilShown);
			term.keys('Down', 'Down');
			const started = await step(term, 'start', '3. Rotate the CA', 'ca-next.pem · new');
			expect(started.replaceAll('\n', ' ')).toMatch(/a new CA key was made: +ca-next-key\.pem/);
			let status = cliCheck(dir);
			expect([status.phase, status.next]).toEqual(['started', 'kubepki rotate-ca reissue']);
			expect(status.counts.leaves).toMatchObject({old: 8, new: 0});
			if (haveOpenssl) {
				expect(runStatus('openssl', ['storeutl', '-noout', '-certs', 'ca.pem'], {cwd: out}).stdout).toContain('Total found: 2');
				expect(verifies(out, 'kubernetes.pem', 'ca.pem')).toBe(true);
				expect(verifies(out, 'kubernetes.pem', 'ca-next.pem')).toBe(false);
			}

			// Visit 2: the folder screen names where the folder stands and offers reissue, first.
			term = wizard(dir);
			const between = await term.waitFor('› 1. Rotate the CA: step 2 of 3, reissue', untilShown);
			expect(between.replaceAll('\n', ' ')).toMatch(/CA rotation in progress: phase started since \S+, of ca\. Next step: kubepki +rotate-ca reissue/);
			const reissued = await step(term, 'reissue', '1. Rotate the CA: step 2 of 3, reissue', '· new (a new key, signed by the new CA)');
			expect(reissued.replaceAll('\n', ' ')).toMatch(/7 new leaf keys were made/);
			status = cliCheck(dir);
			expect([status.phase, status.next]).toEqual(['reissued', 'kubepki rotate-ca finish']);
			expect(status.counts.leaves).toMatchObject({old: 0, new: 8});
			expect(readFileSync(path.join(out, 'kubernetes.pem'), 'utf8')).not.toBe(oldLeaf);
			if (haveOpenssl) {
				expect(verifies(out, 'kubernetes.pem', 'ca.pem')).toBe(true);
				expect(verifies(out, 'kubernetes.pem', 'ca-next.pem')).toBe(true);
				expect(verifies(out, 'kubernetes.pem', oldCaFile)).toBe(false);
			}

			// Before finish the old CA is still in the trust files (the check below can fail): ca.pem and every kubeconfig.
			const holdsOld = () => liveFiles(out).filter(f => certificatesIn(readFileSync(path.join(out, f), 'utf8')).some(cert => cert.fingerprint256 === oldCa));
			expect(holdsOld()).toEqual(expect.arrayContaining(['ca.pem', 'admin.kubeconfig', 'nodes/node1/node1.kubeconfig']));

			// Visit 3: finish.
			term = wizard(dir);
			await term.waitFor('› 1. Rotate the CA: step 3 of 3, finish', untilShown);
			const finished = await step(term, 'finish', '1. Rotate the CA: step 3 of 3, finish', undefined);
			expect(finished.replaceAll('\n', ' ')).toMatch(/the old CA's certificate and key moved to +pki\/retired\//);
			status = cliCheck(dir);
			expect([status.phase, status.next]).toEqual(['finished', null]);
			if (haveOpenssl) {
				expect(verifies(out, 'kubernetes.pem', 'ca.pem')).toBe(true);
				expect(verifies(out, keep, oldCaFile)).toBe(true);
				expect(verifies(out, keep, 'ca.pem')).toBe(false);
			}

			// No file of the live set holds the old CA, in a PEM block or inside a kubeconfig.
			expect(liveFiles(out)).toContain('ca.pem');
			expect(certificatesIn(readFileSync(path.join(out, 'admin.kubeconfig'), 'utf8'))).toHaveLength(2);
			expect(holdsOld()).toEqual([]);
			// It is where finish said: retired/.
			const retired = readdirSync(path.join(out, 'retired'), {recursive: true, encoding: 'utf8'}).filter(f => f.endsWith('ca.pem'));
			expect(retired.map(f => new X509Certificate(readFileSync(path.join(out, 'retired', f))).fingerprint256)).toContain(oldCa);

			// Opened again: the rotation is over, the choices are as before one began.
			term = wizard(dir);
			const after = await term.waitFor('› 1. Renew', untilShown);
			expect(after.replaceAll('\n', ' ')).toMatch(/The last CA rotation \(ca\) finished at/);
			term.keys('q');
			await term.waitFor('EXIT=0', untilShown);
		},
		hangLimitMs,
	);

	test(
		'kubeadm\'s layout, all three CAs: the same three visits; after finish no live file holds any old CA',
		async () => {
			const dir = tempDir();
			const out = path.join(dir, 'pki');
			expect(kubepki(['generate', '--out', 'pki', '--layout', 'kubeadm', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
			const cas = ['master1/pki/ca.crt', 'master1/pki/etcd/ca.crt', 'master1/pki/front-proxy-ca.crt'];
			const oldCas = cas.map(file => new X509Certificate(readFileSync(path.join(out, file))).fingerprint256);
			const holdsOld = () => liveFiles(out).filter(f => certificatesIn(readFileSync(path.join(out, f), 'utf8')).some(cert => oldCas.includes(cert.fingerprint256)));
			// Leaves of each CA, checked against the trust file the machine reads.
			const pairs: Array<[leaf: string, ca: string]> = [
				['master1/pki/apiserver.crt', 'master1/pki/ca.crt'],
				['master2/pki/etcd/server.crt', 'master2/pki/etcd/ca.crt'],
				['master1/pki/front-proxy-client.crt', 'master1/pki/front-proxy-ca.crt'],
			];
			const allVerify = () => pairs.every(([leaf, ca]) => verifies(out, leaf, ca));
			const total = cliCheck(dir).counts.leaves.old;

			let term = wizard(dir);
			await term.waitFor('3. Rotate the CA', untilShown);
			term.keys('Down', 'Down');
			const started = await step(term, 'start', '3. Rotate the CA', '· pki/ca-next.crt · new', '1. all three CAs');
			expect(started.replaceAll('\n', ' ')).toMatch(/a new CA key was made: +pki\/ca-next\.key/);
			let status = cliCheck(dir);
			expect([status.phase, [...status.cas].sort()]).toEqual(['started', ['ca', 'etcd-ca', 'front-proxy-ca']]);
			if (haveOpenssl) expect(allVerify()).toBe(true);

			term = wizard(dir);
			await step(term, 'reissue', '1. Rotate the CA: step 2 of 3, reissue', '· new (a new key, signed by the new CA)');
			status = cliCheck(dir);
			expect([status.phase, status.counts.leaves]).toEqual(['reissued', {old: 0, new: total, other: 0}]);
			if (haveOpenssl) expect(allVerify()).toBe(true);
			expect(holdsOld().length).toBeGreaterThan(0);

			term = wizard(dir);
			await step(term, 'finish', '1. Rotate the CA: step 3 of 3, finish', undefined);
			status = cliCheck(dir);
			expect(status.phase).toBe('finished');
			if (haveOpenssl) expect(allVerify()).toBe(true);
			expect(cas.map(file => new X509Certificate(readFileSync(path.join(out, file))).fingerprint256).filter(fp => oldCas.includes(fp))).toEqual([]);
			expect(holdsOld()).toEqual([]);
		},
		hangLimitMs,
	);
});
