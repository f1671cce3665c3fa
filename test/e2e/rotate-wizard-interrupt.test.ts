// Ctrl-C and a kill during the wizard's write of a CA rotation step, in a real terminal (tmux on a private socket).
// strace stops the built wizard at the write's first fsync (its staging: nothing fsyncs before the write), so the
// moment is the same however fast the machine is. Ctrl-C then waits for the write: the whole new set, exit 130.
// A SIGKILL at that moment leaves the old complete set or the new one, as the next kubepki command finds it. Each
// outcome is checked as test/interop/rotate-kill.test.ts checks a killed rotate-ca: the live files against the
// manifest, the backup of what was replaced, rotate-ca status --json and lint.
import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, realpathSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {hasTool, kubepki, tempDir} from '../helpers/tools.js';
import type {Term} from './tmux.js';
import {hangLimitMs, resumed, wizard, wizardProcessIn} from './wizard-term.js';

const haveTools = hasTool('tmux') && hasTool('strace');
const untilShown = Number.POSITIVE_INFINITY;

/** Live files (relative path → sha256): not the backups, the lock note or a run's staging. */
function liveFiles(dir: string): Map<string, string> {
	const result = new Map<string, string>();
	for (const rel of readdirSync(dir, {recursive: true, encoding: 'utf8'})) {
		if (rel.startsWith('.backup') || rel.startsWith('.kubepki-')) continue;
		const full = path.join(dir, rel);
		if (statSync(full).isFile()) result.set(rel, createHash('sha256').update(readFileSync(full)).digest('hex'));
	}

	return result;
}

type Manifest = {files: Array<{path: string; sha256: string}>; rotation?: {phase: string}};
type Status = {phase: string; next: string | null; trust: Array<{path: string; trusts: string}>; leaves: Array<{path: string; signedBy: string}>};

/** As rotate-ca status says: trust and signers as the phase has them, every leaf and trust file; lint clean. */
function expectPhase(dir: string, phase: 'none' | 'started'): void {
	const ran = kubepki(['rotate-ca', 'status', '--json', '--out', 'pki'], {cwd: dir});
	expect(ran.status, ran.stderr).toBe(0);
	const status = JSON.parse(ran.stdout) as Status;
	expect(status.phase).toBe(phase);
	expect(status.trust.length).toBeGreaterThan(0);
	expect(status.trust.filter(t => t.trusts !== (phase === 'none' ? 'old' : 'both'))).toEqual([]);
	expect(status.leaves.filter(l => l.signedBy !== 'old')).toEqual([]);
	expect(status.next).toBe(phase === 'none' ? null : 'kubepki rotate-ca reissue');
	const lint = kubepki(['lint', 'pki'], {cwd: dir});
	expect(lint.status, lint.stdout).toBe(0);
}

/**
 * What the folder is: `old` when every live file is as before, `new` when the manifest is start's, names every live
 * file with its digest, and each file replaced is in start's backup with its old bytes.
 */
function classify(out: string, before: Map<string, string>): 'old' | 'new' {
	const now = liveFiles(out);
	if (now.size === before.size && [...before].every(([rel, sum]) => now.get(rel) === sum)) return 'old';
	const manifest = JSON.parse(readFileSync(path.join(out, 'kubepki-manifest.json'), 'utf8')) as Manifest;
	expect(manifest.rotation?.phase).toBe('started');
	const listed = new Map(manifest.files.map(entry => [entry.path, entry.sha256]));
	expect([...listed].filter(([rel, sha]) => now.get(rel) !== sha).map(([rel]) => rel)).toEqual([]);
	expect([...now.keys()].filter(rel => rel !== 'kubepki-manifest.json' && !listed.has(rel))).toEqual([]);
	const backups = readdirSync(path.join(out, '.backup')).filter(name => name.endsWith('-rotate-ca-start'));
	expect(backups).toHaveLength(1);
	const backup = path.join(out, '.backup', backups[0]!);
	const replaced = [...before].filter(([rel, sum]) => now.get(rel) !== sum).map(([rel]) => rel);
	expect(replaced.length).toBeGreaterThan(0);
	expect(replaced.filter(rel => !existsSync(path.join(backup, rel)) || liveFiles(backup).get(rel) !== before.get(rel))).toEqual([]);
	return 'new';
}

/**
 * The wizard on `dir/pki` under strace, which sends `signal` at the first fsync of the run (one libuv worker makes
 * every file call: strace counts per thread). Walked to Rotate the CA's confirm for start; `y` writes.
 */
async function toTheWrite(dir: string, signal: 'SIGSTOP' | 'SIGKILL'): Promise<{term: Term; trace: string}> {
	const trace = path.join(dir, 'strace.out');
	const term = wizard(dir, ['--out', 'pki'], {UV_THREADPOOL_SIZE: '1'}, undefined, ['strace', '-f', '-q', '-o', trace, '-e', 'trace=fsync,fdatasync', '-e', `inject=fsync:signal=${signal}:when=1`]);
	await term.waitFor('3. Rotate the CA', untilShown);
	term.keys('Down', 'Down');
	await term.waitFor('› 3. Rotate the CA', untilShown);
	term.keys('Enter');
	await term.waitFor('Rotate the CA, start: what it changes and why the order matters', untilShown);
	term.keys('Enter');
	await term.waitFor('Rotate the CA, start: what will be written', untilShown);
	term.keys('Enter');
	await term.waitFor('Write rotate-ca start to pki? enter or y write', untilShown);
	expect(existsSync(trace) ? readFileSync(trace, 'utf8') : '').not.toMatch(/fsync\(/);
	term.keys('y');
	return {term, trace};
}

describe.skipIf(!haveTools)('the wizard interrupted while it writes a CA rotation step', () => {
	test('Ctrl-C while the write is stopped at its first fsync: the write finishes (the whole new set), then exit 130', async () => {
		const dir = tempDir();
		const out = path.join(dir, 'pki');
		expect(kubepki(['generate', '--out', 'pki', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
		const before = liveFiles(out);
		const {term, trace} = await toTheWrite(dir, 'SIGSTOP');
		let pid: number | undefined;
		for (;;) {
			pid = wizardProcessIn(dir);
			if (pid !== undefined && new RegExp(`^${pid} +--- stopped by SIGSTOP ---$`, 'm').test(readFileSync(trace, 'utf8'))) break;
			await new Promise(resolve => setTimeout(resolve, 20));
		}

		// Stopped inside the write: staging has begun, nothing is in place yet.
		expect(classify(out, before)).toBe('old');
		// The key waits in the terminal; the wizard reads it once it goes on, while the write is still under way.
		term.keys('C-c');
		const left = await term.waitFor(resumed(pid, 'EXIT='), untilShown);
		expect(left).toContain('EXIT=130');
		expect(classify(out, before)).toBe('new');
		expectPhase(dir, 'started');
		expect(readdirSync(out).filter(name => name.startsWith('.kubepki-staging'))).toEqual([]);
	}, hangLimitMs);

	test('a SIGKILL at the write\'s first fsync: the old complete set or the new one, and the next step runs', async () => {
		const dir = tempDir();
		const out = path.join(dir, 'pki');
		expect(kubepki(['generate', '--out', 'pki', '--algorithm', 'ecdsa-p256', '--quiet'], {cwd: dir}).status).toBe(0);
		const before = liveFiles(out);
		const {term} = await toTheWrite(dir, 'SIGKILL');
		const left = await term.waitFor('EXIT=', untilShown);
		expect(left).toContain('EXIT=137');
		// rotate-ca status finishes a committed write or drops an uncommitted one before it reads.
		const ran = kubepki(['rotate-ca', 'status', '--json', '--out', 'pki'], {cwd: dir});
		expect(ran.status, ran.stderr).toBe(0);
		const outcome = classify(out, before);
		expectPhase(dir, outcome === 'old' ? 'none' : 'started');
		const next = kubepki(['rotate-ca', outcome === 'old' ? 'start' : 'reissue', '--out', 'pki'], {cwd: dir});
		expect(next.status, next.stderr).toBe(0);
	}, hangLimitMs);
});
