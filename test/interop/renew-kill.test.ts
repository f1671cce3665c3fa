// Issue 13: "a kill at any moment leaves the old complete set or the new complete set, never a mix". Twenty
// SIGKILLs of the real `kubepki renew --all`, each at an exact moment: strace injects SIGKILL on the N-th
// fsync, rename or link the run makes (staging each file, the journal's commit point, the swap into the live
// folder, the backup links). With one libuv worker (UV_THREADPOOL_SIZE=1) every file call of the run is made by
// the same thread, so strace's per-thread count is the run's count and the moment is the same on every run: no
// sleep, no clock. After each kill the folder, as the next kubepki command finds it, is checked with openssl and
// against its manifest, and the next renew must succeed.
import {spawn} from 'node:child_process';
import {createHash, createPrivateKey, X509Certificate} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {writeClusterFile} from '../helpers/cluster-file.js';
import {cliPath, hasTool, tempDir} from '../helpers/tools.js';

const haveTools = hasTool('strace') && hasTool('openssl');

/** Live files of the folder (relative path → sha256): not the backups, the lock note or a killed run's staging. */
function liveFiles(dir: string): Map<string, string> {
	const result = new Map<string, string>();
	for (const rel of readdirSync(dir, {recursive: true, encoding: 'utf8'})) {
		if (rel.startsWith('.backup') || rel.startsWith('.kubepki-')) continue;
		const full = path.join(dir, rel);
		if (!statSync(full).isFile()) continue;
		result.set(rel, createHash('sha256').update(readFileSync(full)).digest('hex'));
	}

	return result;
}

const isCert = (rel: string) => rel.endsWith('.pem') && !rel.endsWith('-key.pem');
const fingerprint = (pem: string | Buffer) => new X509Certificate(pem).fingerprint256;

/** Every certificate of the folder, its own files and those embedded in kubeconfigs, by where it is. */
function certificates(dir: string, files: Map<string, string>): Map<string, {cert: string; key?: string}> {
	const result = new Map<string, {cert: string; key?: string}>();
	for (const rel of files.keys()) {
		const full = path.join(dir, rel);
		if (isCert(rel)) {
			const key = full.replace(/\.pem$/, '-key.pem');
			result.set(rel, {cert: readFileSync(full, 'utf8'), ...(existsSync(key) && {key: readFileSync(key, 'utf8')})});
		} else if (rel.endsWith('.kubeconfig')) {
			const text = readFileSync(full, 'utf8');
			const data = (field: string) => Buffer.from(new RegExp(`${field}: (\\S+)`).exec(text)![1]!, 'base64').toString('utf8');
			result.set(`${rel} (user)`, {cert: data('client-certificate-data'), key: data('client-key-data')});
		}
	}

	return result;
}

/**
 * What the folder is now: `old` when every live file is the one before the run, `new` when it is a whole new
 * set. For `new`: the manifest lists every file with its digest, every leaf (files and kubeconfigs) is new and
 * verifies with openssl against the unchanged CA, and every key matches its certificate.
 */
async function classify(dir: string, before: Map<string, string>, oldLeaves: Set<string>, label: string): Promise<'old' | 'new'> {
	const now = liveFiles(dir);
	const same = now.size === before.size && [...before].every(([rel, sum]) => now.get(rel) === sum);
	if (same) return 'old';
	expect(now.get('ca.pem'), `${label}: the CA`).toBe(before.get('ca.pem'));
	expect(now.get('ca-key.pem'), `${label}: the CA key`).toBe(before.get('ca-key.pem'));
	const manifest = JSON.parse(readFileSync(path.join(dir, 'kubepki-manifest.json'), 'utf8')) as {files: Array<{path: string; sha256: string}>};
	const disagree = manifest.files.filter(entry => now.get(entry.path) !== entry.sha256).map(entry => entry.path);
	expect(disagree, `${label}: files that disagree with the manifest`).toEqual([]);
	const listed = new Set(manifest.files.map(entry => entry.path));
	expect([...now.keys()].filter(rel => rel !== 'kubepki-manifest.json' && !listed.has(rel)), `${label}: files the manifest does not list`).toEqual([]);
	const certs = certificates(dir, now);
	const stale = [...certs].filter(([rel, {cert}]) => !/(^|\/)(ca|service-account)\.pem$/.test(rel) && oldLeaves.has(fingerprint(cert))).map(([rel]) => rel);
	expect(stale, `${label}: leaves still from before the run (a mix)`).toEqual([]);
	const mismatched = [...certs].filter(([, {cert, key}]) => key && !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))).map(([rel]) => rel);
	expect(mismatched, `${label}: keys that do not match their certificate`).toEqual([]);
	const files = [...now.keys()].filter(isCert);
	const verified = await runAsync('openssl', ['verify', '-x509_strict', '-CAfile', 'ca.pem', ...files], {cwd: dir});
	expect(verified.stdout.trim().split('\n').sort(), `${label}: ${verified.stderr}`).toEqual(files.map(f => `${f}: OK`).sort());
	return 'new';
}

/** The fingerprints of every leaf certificate in the folder (the CA and the service-account pair aside). */
function leafFingerprints(dir: string): Set<string> {
	const certs = certificates(dir, liveFiles(dir));
	return new Set([...certs].filter(([rel]) => !/(^|\/)(ca|service-account)\.pem$/.test(rel)).map(([, {cert}]) => fingerprint(cert)));
}

type Ran = {status: number | null; stdout: string; stderr: string};

/** Run a command without blocking the test's event loop (a blocked worker misses vitest's own messages). */
async function runAsync(command: string, args: readonly string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<Ran> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += chunk));
		child.stderr.on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', status => resolve({status, stdout, stderr}));
	});
}

const kubepki = async (args: readonly string[], options: {cwd?: string} = {}) => runAsync(process.execPath, [cliPath, ...args], options);

type Traced = {status: number | null; trace: string};

/** `kubepki renew --all` under strace, one libuv worker; `inject` kills it at a syscall's N-th call. */
async function tracedRenew(dir: string, trace: string, syscalls: readonly string[], inject?: {syscall: string; nth: number}): Promise<Traced> {
	const args = ['-f', '-o', trace, '-e', `trace=${syscalls.join(',')}`, ...(inject ? ['-e', `inject=${inject.syscall}:signal=SIGKILL:when=${inject.nth}`] : []), process.execPath, cliPath, 'renew', '--all', '--quiet', '--out', dir];
	const result = await runAsync('strace', args, {env: {...process.env, UV_THREADPOOL_SIZE: '1'}});
	return {status: result.status, trace: readFileSync(trace, 'utf8')};
}

// The file calls of a run, one family per kind of moment; the name the kernel uses differs by architecture.
const families = {fsync: ['fsync', 'fdatasync'], rename: ['rename', 'renameat', 'renameat2'], link: ['link', 'linkat']} as const;

describe.skipIf(!haveTools)('kubepki renew killed with SIGKILL at 20 moments', () => {
	const root = tempDir('kubepki-renew-kill-');
	const out = path.join(root, 'pki');
	const counts = new Map<string, {syscall: string; calls: number}>();
	beforeAll(async () => {
		writeClusterFile(root, {name: 'kill', masters: 2, workers: 2});
		const made = await kubepki(['generate', '--config', 'c.yaml', '--quiet'], {cwd: root});
		expect(made.status, made.stderr).toBe(0);
		// One whole run, traced, on a copy: how many of each call a renewal of this folder makes.
		const copy = path.join(root, 'count');
		expect((await runAsync('cp', ['-a', out, copy])).status).toBe(0);
		const all = Object.values(families).flat();
		const counted = await tracedRenew(copy, path.join(root, 'count.trace'), all);
		expect(counted.status, counted.trace.slice(-2000)).toBe(0);
		for (const [family, names] of Object.entries(families)) {
			const tally = names.map(syscall => ({syscall, calls: counted.trace.split('\n').filter(line => new RegExp(`^\\d+ +${syscall}\\(`).test(line)).length}));
			counts.set(family, tally.sort((a, b) => b.calls - a.calls)[0]!);
		}
	}, 600_000);

	it('leaves the old complete set or the new complete set every time, and the next renew succeeds', async () => {
		const fsync = counts.get('fsync')!;
		const rename = counts.get('rename')!;
		const link = counts.get('link')!;
		// Staging the files (fsync), the commit point (the journal's rename is the first), the swap (renames), the backups (links).
		expect(fsync.calls, 'fsyncs of one run').toBeGreaterThan(20);
		expect(rename.calls, 'renames of one run').toBeGreaterThan(20);
		expect(link.calls, 'links of one run').toBeGreaterThan(10);
		const spread = (calls: number, parts: number) => Array.from({length: parts}, (_, index) => Math.max(1, Math.round((calls * (index + 1)) / (parts + 1))));
		const moments = [
			...spread(fsync.calls, 7).map(nth => ({...fsync, nth})),
			{...rename, nth: 1},
			...spread(rename.calls, 6).map(nth => ({...rename, nth})),
			...spread(link.calls, 6).map(nth => ({...link, nth})),
		];
		expect(moments).toHaveLength(20);
		const outcomes: string[] = [];
		for (const [index, moment] of moments.entries()) {
			const label = `kill ${index + 1} at ${moment.syscall} #${moment.nth} of ${moment.calls}`;
			const before = liveFiles(out);
			const oldLeaves = leafFingerprints(out);
			const killed = await tracedRenew(out, path.join(root, `kill-${index}.trace`), [moment.syscall], {syscall: moment.syscall, nth: moment.nth});
			expect(killed.trace, label).toMatch(/\+\+\+ killed by SIGKILL \+\+\+/);
			expect(killed.status, label).not.toBe(0);
			// Where the kill landed: before the commit point (no journal) or after it (the next run rolls forward).
			const journal = existsSync(path.join(out, '.kubepki-staging', 'journal.json'));
			// The next kubepki command (lint here) finishes or drops what the killed run left, then finds no error.
			const lint = await kubepki(['lint', '--json', out]);
			const errors = (JSON.parse(lint.stdout) as {findings: Array<{severity: string; rule: string; path: string}>}).findings.filter(f => f.severity === 'error');
			expect(errors, label).toEqual([]);
			expect(lint.status, label).toBe(0);
			expect(readdirSync(out).filter(name => name.startsWith('.kubepki-staging')), label).toEqual([]);
			const state = await classify(out, before, oldLeaves, label);
			// Past the commit point the new set is the folder's; a kill while staging leaves the old set untouched.
			if (journal) expect(state, `${label}: committed, so rolled forward`).toBe('new');
			outcomes.push(`${moment.syscall}#${moment.nth}:${journal ? 'committed' : 'staging'}:${state}`);
			const next = await kubepki(['renew', '--all', '--quiet', '--out', out]);
			expect(next.status, `${label}: the next renew: ${next.stderr}`).toBe(0);
			expect(next.stderr, label).toBe('');
		}

		console.log(`renew kills: ${outcomes.join(' ')}`);
		// Both outcomes were met: kills before the commit point and after it.
		expect(outcomes.filter(o => o.endsWith(':old')).length, outcomes.join(' ')).toBeGreaterThan(0);
		expect(outcomes.filter(o => o.includes(':committed:')).length, outcomes.join(' ')).toBeGreaterThan(0);
	}, 1_800_000);
});
