// Issue 16: each phase of `kubepki rotate-ca` is one transaction with a backup, like renew. The real CLI (both layouts) is
// SIGKILLed at the k-th call that changes the folder, delivered by strace at that call (test/helpers/syscall-moments.ts),
// k spread over a whole run of the phase, for start, reissue and finish. After each kill the folder, as the next kubepki command finds
// it, is either the old complete set (the same bytes, so the same phase in the manifest) or the new one (the next
// phase in the manifest, every file as the manifest lists it, the replaced files in the phase's backup);
// `rotate-ca status` names that phase and its files agree with it; lint finds no error; and the next command
// (the same phase again, or the next one) completes.
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {cpSync, existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {writeClusterFile} from '../helpers/cluster-file.js';
import {callMoments, traced, type CallMoment} from '../helpers/syscall-moments.js';
import {cliPath, hasTool, tempDir} from '../helpers/tools.js';

const haveStrace = hasTool('strace');

type Ran = {status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

/** Start the CLI without blocking the test's event loop; `exited` settles when it ends. */
function start(args: readonly string[], options: {cwd?: string} = {}) {
	const child = spawn(process.execPath, [cliPath, ...args], {cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += chunk));
	child.stderr.on('data', chunk => (stderr += chunk));
	const exited = new Promise<Ran>((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (status, signal) => resolve({status, signal, stdout, stderr}));
	});
	return {child, exited};
}

const kubepki = async (args: readonly string[], options: {cwd?: string} = {}) => start(args, options).exited;

/** Live files of the folder (relative path → sha256 and mode): not the backups, the lock note or a killed run's staging. */
function liveFiles(dir: string): Map<string, string> {
	const result = new Map<string, string>();
	for (const rel of readdirSync(dir, {recursive: true, encoding: 'utf8'})) {
		if (rel.startsWith('.backup') || rel.startsWith('.kubepki-')) continue;
		const full = path.join(dir, rel);
		const stats = statSync(full);
		if (!stats.isFile()) continue;
		result.set(rel, `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${(stats.mode & 0o777).toString(8)}`);
	}

	return result;
}

const digest = (entry: string | undefined) => entry?.split(' ')[0];

type Manifest = {files: Array<{path: string; sha256: string}>; rotation?: {phase: string}};
const manifestOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'kubepki-manifest.json'), 'utf8')) as Manifest;
const phaseOf = (dir: string) => manifestOf(dir).rotation?.phase ?? 'none';

type Status = {
	phase: string;
	next: string | null;
	trust: Array<{path: string; trusts: string}>;
	leaves: Array<{path: string; id: string; signedBy: string}>;
};

/** What trust files and leaves hold in each phase (`rotate-ca status`'s words). */
const expected: Record<string, {trusts: string; signedBy: string; next: string | null}> = {
	none: {trusts: 'old', signedBy: 'old', next: null},
	started: {trusts: 'both', signedBy: 'old', next: 'kubepki rotate-ca reissue'},
	reissued: {trusts: 'both', signedBy: 'new', next: 'kubepki rotate-ca finish'},
	finished: {trusts: 'new', signedBy: 'new', next: null},
};

/** The two layouts, with where each keeps the cluster CA (the hard way at the top, kubeadm in each master's pki/). */
const layouts = [
	{name: 'hardway', args: [] as string[], ca: {cert: 'ca.pem', key: 'ca-key.pem'}},
	{name: 'kubeadm', args: ['--layout', 'kubeadm'], ca: {cert: 'm1/pki/ca.crt', key: 'm1/pki/ca.key'}},
] as const;
type LayoutCase = (typeof layouts)[number];

/** The step that takes a folder out of a phase, and the phase it leaves. */
const steps = [
	{step: 'start', from: 'none', to: 'started'},
	{step: 'reissue', from: 'started', to: 'reissued'},
	{step: 'finish', from: 'reissued', to: 'finished'},
] as const;

/** `rotate-ca status --json`: it names one phase, and every trust file and leaf of the folder is as that phase has it. */
async function expectStatus(dir: string, label: string): Promise<string> {
	const ran = await kubepki(['rotate-ca', 'status', '--json', '--out', dir]);
	expect(ran.status, `${label}: status: ${ran.stderr}`).toBe(0);
	const status = JSON.parse(ran.stdout) as Status;
	const want = expected[status.phase];
	expect(want, `${label}: status names phase ${status.phase}`).toBeDefined();
	expect(status.trust.length, label).toBeGreaterThan(0);
	expect(status.leaves.length, label).toBeGreaterThan(0);
	expect(status.trust.filter(t => t.trusts !== want!.trusts), `${label}: trust files not as phase ${status.phase} has them`).toEqual([]);
	expect(status.leaves.filter(l => l.signedBy !== want!.signedBy), `${label}: leaves not as phase ${status.phase} has them`).toEqual([]);
	expect(status.next, label).toBe(want!.next);
	return status.phase;
}

/**
 * What the folder is now: `old` when every live file is the one before the run (bytes and mode), `new` when the
 * manifest is the next phase's, lists every live file with its digest, and every file the run replaced or
 * removed is in the phase's backup with its old bytes.
 */
function classify(dir: string, layout: LayoutCase, before: Map<string, string>, caBefore: string, step: (typeof steps)[number], label: string): 'old' | 'new' {
	const now = liveFiles(dir);
	const same = now.size === before.size && [...before].every(([rel, sum]) => now.get(rel) === sum);
	if (same) return 'old';
	const manifest = manifestOf(dir);
	expect(manifest.rotation?.phase, `${label}: the folder changed, so the manifest is the next phase's`).toBe(step.to);
	const listed = new Map(manifest.files.map(entry => [entry.path, entry.sha256]));
	expect([...listed].filter(([rel, sha]) => digest(now.get(rel)) !== sha).map(([rel]) => rel), `${label}: files that disagree with the manifest`).toEqual([]);
	// finish moves the old CA out of the live set, into retired/<UTC time>/ (named in the manifest, listed nowhere else).
	const retired = manifest.rotation?.retiredTo;
	const isRetired = (rel: string) => retired !== undefined && rel.startsWith(`${retired}/`);
	expect([...now.keys()].filter(rel => rel !== 'kubepki-manifest.json' && !listed.has(rel) && !isRetired(rel)), `${label}: files the manifest does not list`).toEqual([]);
	if (step.step === 'finish') {
		expect(retired, label).toBeDefined();
		expect(digest(now.get(`${retired}/${layout.ca.key}`)), `${label}: the old CA key, retired`).toBe(digest(before.get(layout.ca.key)));
		// The bundle's first certificate is the old CA.
		const oldCa = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/.exec(caBefore)![0];
		expect(readFileSync(path.join(dir, retired!, layout.ca.cert), 'utf8'), `${label}: the old CA certificate, retired`).toBe(oldCa);
	}

	const backups = readdirSync(path.join(dir, '.backup')).filter(name => name.endsWith(`-rotate-ca-${step.step}`));
	expect(backups, `${label}: one backup of the phase`).toHaveLength(1);
	const backup = path.join(dir, '.backup', backups[0]!);
	const replaced = [...before].filter(([rel, sum]) => now.get(rel) !== sum).map(([rel]) => rel);
	expect(replaced.length, label).toBeGreaterThan(0);
	const lost = replaced.filter(rel => !existsSync(path.join(backup, rel)) || digest(liveFiles(backup).get(rel)) !== digest(before.get(rel)));
	expect(lost, `${label}: replaced files not kept in ${backups[0]}`).toEqual([]);
	return 'new';
}

describe.skipIf(!haveStrace).each(layouts)('kubepki rotate-ca ($name layout) killed with SIGKILL at 18 moments (6 in each phase)', layout => {
	const root = tempDir(`kubepki-rotate-kill-${layout.name}-`);
	/** The folder before each step, complete: each kill starts from a copy of it. */
	const templates = new Map<string, string>();
	/** The calls that change the folder, of a whole run of each step. */
	const calls = new Map<string, CallMoment[]>();
	let traces = 0;
	const trace = () => path.join(root, `trace-${traces++}`);

	beforeAll(async () => {
		writeClusterFile(root, {name: 'rotkill', masters: 2, workers: 1});
		const made = await kubepki(['generate', '--config', 'c.yaml', ...layout.args, '--quiet', '--out', 'none'], {cwd: root});
		expect(made.status, made.stderr).toBe(0);
		let previous = path.join(root, 'none');
		templates.set('start', previous);
		for (const {step, to} of steps) {
			// One whole run of the step on a copy, traced for its calls: the copy is the next step's template.
			const folder = path.join(root, to);
			cpSync(previous, folder, {recursive: true, preserveTimestamps: true});
			const ran = await traced([cliPath, 'rotate-ca', step, '--out', folder], trace());
			expect(ran.code, ran.stderr).toBe(0);
			calls.set(step, callMoments(ran.trace));
			expect(phaseOf(folder), step).toBe(to);
			const index = steps.findIndex(s => s.step === step);
			if (steps[index + 1]) templates.set(steps[index + 1]!.step, folder);
			previous = folder;
		}
	}, 600_000);

	for (const step of steps) {
		it(`rotate-ca ${step.step}: the old complete set or the new one after each kill; status, lint and the next command agree`, async () => {
			const all = calls.get(step.step)!;
			const total = all.length;
			expect(total, `calls of one ${step.step}`).toBeGreaterThan(20);
			const moments = Array.from({length: 6}, (_, index) => Math.max(1, Math.round((total * (index + 1)) / 7)));
			const outcomes: string[] = [];
			for (const [index, moment] of moments.entries()) {
				const call = all[moment - 1]!;
				const label = `${step.step}, kill ${index + 1} at call ${moment} of ${total} (${call.syscall} #${call.nth})`;
				const dir = path.join(root, `${step.step}-kill-${index}`);
				cpSync(templates.get(step.step)!, dir, {recursive: true, preserveTimestamps: true});
				expect(phaseOf(dir), label).toBe(step.from);
				const before = liveFiles(dir);
				const caBefore = readFileSync(path.join(dir, layout.ca.cert), 'utf8');
				const killed = await traced([cliPath, 'rotate-ca', step.step, '--out', dir], trace(), {moment: call, signal: 'SIGKILL'});
				expect(killed.trace, label).toMatch(/\+\+\+ killed by SIGKILL \+\+\+/);
				const committed = existsSync(path.join(dir, '.kubepki-staging', 'journal.json'));
				// The next kubepki command, a reader: it finishes or drops what the killed run left, then names one phase.
				const phase = await expectStatus(dir, label);
				expect(readdirSync(dir).filter(name => name.startsWith('.kubepki-staging')), `${label}: staging left after status`).toEqual([]);
				const state = classify(dir, layout, before, caBefore, step, label);
				expect(phase, `${label}: status names the phase of the ${state} set`).toBe(state === 'old' ? step.from : step.to);
				if (committed) expect(state, `${label}: committed, so rolled forward`).toBe('new');
				const lint = await kubepki(['lint', '--json', dir]);
				const errors = (JSON.parse(lint.stdout) as {findings: Array<{severity: string; rule: string; path: string}>}).findings.filter(f => f.severity === 'error');
				expect(errors, label).toEqual([]);
				expect(lint.status, label).toBe(0);
				// The next command: the same step again on the old set, the next one on the new set.
				const next = state === 'old' ? step.step : (steps[steps.findIndex(s => s.step === step.step) + 1]?.step ?? 'start');
				const again = await kubepki(['rotate-ca', next, '--out', dir]);
				expect(again.status, `${label}: rotate-ca ${next}: ${again.stderr}`).toBe(0);
				expect(await expectStatus(dir, `${label}, after rotate-ca ${next}`)).toBe(steps.find(s => s.step === next)!.to);
				outcomes.push(`#${moment}:${killed.signal ?? killed.code}:${committed ? 'journal' : 'no-journal'}:${state}`);
			}

			console.log(`rotate-ca ${step.step} kills (${layout.name}): ${outcomes.join(' ')}`);
			// The kills landed inside the run (it died of the signal), and both outcomes were met.
			expect(outcomes.filter(o => o.includes(':SIGKILL:')).length, outcomes.join(' ')).toBeGreaterThan(3);
			expect(outcomes.filter(o => o.endsWith(':old')).length, outcomes.join(' ')).toBeGreaterThan(0);
			expect(outcomes.filter(o => o.endsWith(':new')).length, outcomes.join(' ')).toBeGreaterThan(0);
		}, 1_200_000);
	}
});
