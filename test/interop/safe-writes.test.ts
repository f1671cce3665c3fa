// Issue 18 through the real CLI: one transaction per run under a lock, trust only what the caller made,
// keep the keys that outlive certificates, and never leave a mix behind (kill -9, Ctrl-C, two runs at once).
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {callMoments, traced, type CallMoment} from '../helpers/syscall-moments.js';
import {cliPath, hasTool, kubepki, tempDir} from '../helpers/tools.js';

type Exit = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

/** Start the CLI; `exited` settles when it ends. */
function start(args: string[], options: {cwd?: string} = {}) {
	const child = spawn(process.execPath, [cliPath, ...args], {cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += chunk));
	child.stderr.on('data', chunk => (stderr += chunk));
	const exited = new Promise<Exit>(resolve => child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})));
	return {child, exited};
}

/** Wait until a condition holds (checked on every event-loop turn with a short pause): no wall-clock bound. */
async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise(resolve => setTimeout(resolve, 5));
}

/** A fixed-seed generator (mulberry32): the same "random" moments on every run. */
function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** Every file under dir (relative path → sha256 and mode), the transaction's own lock file aside. */
function snapshot(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	if (!existsSync(dir)) return out;
	for (const rel of readdirSync(dir, {recursive: true, encoding: 'utf8'})) {
		const full = path.join(dir, rel);
		const stats = statSync(full, {throwIfNoEntry: false});
		if (!stats?.isFile() || rel === '.kubepki-lock') continue;
		out[rel] = `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${(stats.mode & 0o777).toString(8)}`;
	}

	return out;
}

const haveStrace = hasTool('strace');

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const fast = ['--algorithm', 'ecdsa-p256'];

// The loops run many times: a small ECDSA cluster (one master, one worker) keeps them short on 2 cores.
const smallCluster = path.join(tempDir('kubepki-small-'), 'small.yaml');
writeFileSync(
	smallCluster,
	['cluster: small', 'serviceCIDR: 10.32.0.0/24', 'loadBalancer: {name: lb, ip: 10.0.0.100}', 'masters:', '  - {name: m1, ip: 10.0.0.11}', 'workers:', '  - {name: w1, ip: 10.0.0.21}', 'algorithm: ecdsa-p256', ''].join('\n'),
);
const small = ['--config', smallCluster];

/**
 * The folder is one complete set: after lint (which finishes or drops a killed run's staging) there is no
 * staging and no temp file; when there is a manifest, every file it lists is there with its digest, and lint
 * finds no error. A folder with no manifest holds no PKI file at all (a first run killed before its commit).
 */
function expectConsistent(dir: string, label: string): 'complete' | 'empty' {
	const lint = kubepki(['lint', '--json', dir]);
	const names = existsSync(dir) ? readdirSync(dir, {recursive: true, encoding: 'utf8'}) : [];
	expect(names.filter(name => path.basename(name).startsWith('.kubepki-tmp-')), label).toEqual([]);
	expect(names.filter(name => name.startsWith('.kubepki-staging')), label).toEqual([]);
	const manifestFile = path.join(dir, 'kubepki-manifest.json');
	if (!existsSync(manifestFile)) {
		expect(names.filter(name => !name.startsWith('.kubepki-lock') && !name.startsWith('.backup')), label).toEqual([]);
		return 'empty';
	}

	const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {files: Array<{path: string; sha256: string}>};
	const wrong = manifest.files.filter(entry => !existsSync(path.join(dir, entry.path)) || sha(path.join(dir, entry.path)) !== entry.sha256).map(entry => entry.path);
	expect(wrong, `${label}: files that disagree with the manifest`).toEqual([]);
	const findings = (JSON.parse(lint.stdout) as {findings: Array<{severity: string; rule: string; path: string}>}).findings;
	expect(findings.filter(f => f.severity === 'error'), label).toEqual([]);
	expect(lint.status, label).toBe(0);
	return 'complete';
}

describe('one run at a time: the folder lock', () => {
	const base = tempDir('kubepki-lock-');

	it('a second run while one holds the folder fails at once (exit 1) naming the other process; a killed holder\'s lock is taken over', async () => {
		const out = path.join(base, 'pki');
		const first = start(['generate', '--algorithm', 'rsa-4096', '--out', out]);
		await until(() => existsSync(path.join(out, '.kubepki-lock')) && readFileSync(path.join(out, '.kubepki-lock'), 'utf8').includes(`"pid":${first.child.pid}`));
		// Frozen (SIGSTOP), the first run holds the lock for as long as this test needs, on a machine of any speed.
		first.child.kill('SIGSTOP');
		const second = kubepki(['generate', ...fast, '--out', out]);
		expect(second.status).toBe(1);
		expect(second.stderr.trim().split('\n')).toHaveLength(1);
		expect(second.stderr).toContain(`being written by another kubepki run (pid ${first.child.pid}, \`kubepki generate\``);
		first.child.kill('SIGKILL');
		await first.exited;
		// The dead run's lock file is still there; its lock is not.
		expect(existsSync(path.join(out, '.kubepki-lock'))).toBe(true);
		const third = kubepki(['generate', ...fast, '--out', out]);
		expect(third.stderr).toBe('');
		expect(third.status).toBe(0);
		expect(expectConsistent(out, 'after the take-over')).toBe('complete');
	}, 120_000);

	it.runIf(hasTool('strace'))('a run that finds the lock busy and its holder gone before it is named takes the folder instead of refusing', async () => {
		const out = path.join(base, 'gone');
		const lockFile = path.join(out, '.kubepki-lock');
		// The holder: frozen (SIGSTOP) once it has taken the lock and named itself.
		const holder = start(['generate', '--algorithm', 'rsa-4096', '--out', out]);
		await until(() => existsSync(lockFile) && readFileSync(lockFile, 'utf8').includes(`"pid":${holder.child.pid}`));
		holder.child.kill('SIGSTOP');
		// The second run, under strace, stopped at its first look at the lock file: it has found the lock busy.
		const trace = path.join(base, 'gone.strace');
		const second = spawn('strace', ['-f', '-q', '-o', trace, '-P', lockFile, '-e', 'trace=openat', '-e', 'inject=openat:signal=SIGSTOP:when=1', process.execPath, cliPath, 'generate', ...fast, '--out', out], {
			env: {...process.env, UV_THREADPOOL_SIZE: '1'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stderr = '';
		second.stderr.on('data', chunk => (stderr += chunk));
		const ended = new Promise<number | null>(resolve => second.on('close', code => resolve(code)));
		const stopped = () => /^(\d+) +--- stopped by SIGSTOP/m.exec(existsSync(trace) ? readFileSync(trace, 'utf8') : '');
		await until(() => stopped() !== null);
		// The holder goes while the second run looks: the kernel frees its lock; its lock file, with its pid, stays.
		holder.child.kill('SIGKILL');
		await holder.exited;
		let code: number | null | undefined;
		void ended.then(c => (code = c));
		// Resumed (again, should strace report another stop) until it ends.
		const pid = Number(stopped()![1]);
		while (code === undefined) {
			try {
				process.kill(pid, 'SIGCONT');
			} catch {
				// Ended between the look and the signal.
			}

			await new Promise(resolve => setTimeout(resolve, 20));
		}

		// Not refused in the name of a run that has gone: it took the folder and wrote the whole set.
		expect(stderr).not.toContain('being written by another kubepki run');
		expect(code, stderr).toBe(0);
		expect(expectConsistent(out, 'after the holder went')).toBe('complete');
	}, 120_000);

	it('20 pairs started at once: each run completes or is refused, never a mix, and every folder lints clean', async () => {
		let refused = 0;
		for (let pair = 0; pair < 20; pair++) {
			const out = path.join(base, `pair-${pair}`);
			// Odd pairs race on a folder that already holds a PKI, both replacing everything (--force).
			if (pair % 2 === 1) expect(kubepki(['generate', ...small, '--out', out, '--quiet']).status).toBe(0);
			const extra = pair % 2 === 1 ? ['--force'] : [];
			const runs = [start(['generate', ...small, ...extra, '--out', out]), start(['generate', ...small, ...extra, '--out', out])];
			const results = await Promise.all(runs.map(async run => run.exited));
			for (const result of results) {
				expect(result.code, result.stderr).not.toBe(null);
				expect([0, 1], result.stderr).toContain(result.code);
				if (result.code === 1) {
					refused++;
					expect(result.stderr).toMatch(/^kubepki generate: refused: .* is being written by another kubepki run \(pid \d+, `kubepki generate`, since /);
				}
			}

			expect(results.some(result => result.code === 0), `pair ${pair}`).toBe(true);
			expect(expectConsistent(out, `pair ${pair}`)).toBe('complete');
		}

		// Started together, the two runs of a pair overlap: the lock must have turned some second run away.
		expect(refused).toBeGreaterThan(0);
	}, 1_800_000);
});

describe.skipIf(!haveStrace)('kill -9 and Ctrl-C at random moments (fixed seed)', () => {
	const base = tempDir('kubepki-kill-');
	let traces = 0;

	/** Run to the end under strace: the moments a run has (each call of it that changes the folder). */
	async function momentsOfRun(args: string[]): Promise<CallMoment[]> {
		const result = await traced([cliPath, ...args], path.join(base, `trace-${traces++}`));
		expect(result.code, result.stderr).toBe(0);
		return callMoments(result.trace);
	}

	/** Run, with `signal` delivered by strace at `moment`: at that call, on a machine of any speed. */
	async function signalAt(moment: CallMoment, args: string[], signal: NodeJS.Signals): Promise<Exit> {
		const result = await traced([cliPath, ...args], path.join(base, `trace-${traces++}`), {moment, signal});
		// The signal was sent: the trace shows it delivered to the run.
		expect(result.trace, `${moment.syscall} #${moment.nth}`).toMatch(new RegExp(`--- ${signal} |\\+\\+\\+ killed by ${signal}`));
		return result;
	}

	it('30 SIGKILLs among the writes of first runs and --force re-runs leave the old complete set or the new one; the next run completes', async () => {
		const random = seeded(18);
		const reference = path.join(base, 'reference');
		mkdirSync(reference);
		// The moments: a kill lands at the k-th call that changes the folder, k spread over all of a run's calls.
		const firstMoments = await momentsOfRun(['generate', ...small, '--out', path.join(reference, 'pki')]);
		const again = path.join(base, 'again');
		expect(kubepki(['generate', ...small, '--out', again, '--quiet']).status).toBe(0);
		const forceMoments = await momentsOfRun(['generate', ...small, '--force', '--out', again]);
		expect(firstMoments.length).toBeGreaterThan(10);
		expect(forceMoments.length).toBeGreaterThan(10);
		const outcomes: string[] = [];
		for (let kill = 0; kill < 30; kill++) {
			// Every third kill hits a first run in an empty folder; the others a --force run replacing every file.
			const firstRun = kill % 3 === 0;
			const watched = firstRun ? path.join(base, `first-${kill}`) : again;
			if (firstRun) mkdirSync(watched);
			const out = firstRun ? path.join(watched, 'pki') : again;
			const moments = firstRun ? firstMoments : forceMoments;
			const moment = moments[Math.floor(random() * moments.length)]!;
			const label = `kill ${kill} at ${moment.syscall} #${moment.nth}`;
			const result = await signalAt(moment, ['generate', ...small, ...(firstRun ? [] : ['--force']), '--out', out], 'SIGKILL');
			const state = expectConsistent(out, label);
			outcomes.push(`${result.signal ?? result.code}:${state}`);
			if (firstRun) {
				// What a killed first run left is never taken for "the old CA": the next run just completes.
				const next = kubepki(['generate', ...small, '--out', out]);
				expect(next.status, next.stderr).toBe(0);
				expect(expectConsistent(out, `after ${label}`)).toBe('complete');
			}
		}

		// The kills landed mid-run, among the writes: most runs died by the signal.
		expect(outcomes.filter(o => o.startsWith('SIGKILL')).length).toBeGreaterThan(20);
		const last = kubepki(['generate', ...small, '--out', again]);
		expect(last.status, last.stderr).toBe(0);
		expect(expectConsistent(again, 'the last run')).toBe('complete');
	}, 1_800_000);

	it('10 Ctrl-Cs among the writes leave no .kubepki-tmp-* file, no staging and a consistent folder', async () => {
		const random = seeded(1218);
		const out = path.join(base, 'interrupted');
		expect(kubepki(['generate', ...small, '--out', out, '--quiet']).status).toBe(0);
		const moments = await momentsOfRun(['generate', ...small, '--force', '--out', out]);
		let interrupted = 0;
		for (let n = 0; n < 10; n++) {
			const moment = moments[Math.floor(random() * moments.length)]!;
			const label = `interrupt ${n} at ${moment.syscall} #${moment.nth}`;
			const result = await signalAt(moment, ['generate', ...small, '--force', '--out', out], 'SIGINT');
			expect([0, 130, null], result.stderr).toContain(result.code);
			if (result.code !== 0) interrupted++;
			// Checked before lint could tidy anything: the interrupted run itself left nothing behind.
			const names = readdirSync(out, {recursive: true, encoding: 'utf8'});
			expect(names.filter(name => path.basename(name).startsWith('.kubepki-tmp-') || name.startsWith('.kubepki-staging')), label).toEqual([]);
			expect(expectConsistent(out, label)).toBe('complete');
		}

		expect(interrupted).toBeGreaterThan(5);
	}, 600_000);
});

describe('keys that outlive certificates are kept', () => {
	const base = tempDir('kubepki-keep-');

	it('the hard way keeps service-account-key.pem on a re-run, --force, an algorithm change and a lost certificate, and says so', () => {
		const out = path.join(base, 'hardway');
		const fresh = kubepki(['generate', ...fast, '--out', out]);
		expect(fresh.status).toBe(0);
		// Every key and CA made anew is said in words.
		expect(fresh.stdout).toMatch(/new +CA ca\.pem: there was none/);
		expect(fresh.stdout).toMatch(/new +service-account key service-account-key\.pem/);
		expect(fresh.stdout).toMatch(/new +encryption key in encryption-config\.yaml/);
		const key = sha(path.join(out, 'service-account-key.pem'));
		const encryption = sha(path.join(out, 'encryption-config.yaml'));
		for (const args of [[...fast], [...fast, '--force'], ['--algorithm', 'rsa-2048']]) {
			const result = kubepki(['generate', ...args, '--out', out]);
			expect(result.status, result.stderr).toBe(0);
			expect(sha(path.join(out, 'service-account-key.pem')), args.join(' ')).toBe(key);
			expect(sha(path.join(out, 'nodes/master1/service-account-key.pem')), args.join(' ')).toBe(key);
			expect(sha(path.join(out, 'encryption-config.yaml')), args.join(' ')).toBe(encryption);
			expect(result.stdout, args.join(' ')).not.toMatch(/new +service-account key/);
		}

		rmSync(path.join(out, 'service-account.pem'));
		const renewed = kubepki(['generate', ...fast, '--out', out]);
		expect(renewed.status).toBe(0);
		expect(renewed.stdout).toMatch(/service-account: .*the key is kept, so ServiceAccount tokens stay valid/);
		expect(sha(path.join(out, 'service-account-key.pem'))).toBe(key);
		expect(expectConsistent(out, 'after the renewal')).toBe('complete');
	}, 120_000);

	it('the last copies are never overwritten: a deleted encryption config, CA or SA key is refused while nodes/ holds the old one', () => {
		const out = path.join(base, 'copies');
		expect(kubepki(['generate', ...fast, '--out', out, '--quiet']).status).toBe(0);
		for (const [gone, copy] of [
			[['encryption-config.yaml'], 'nodes/master1/encryption-config.yaml'],
			[['ca.pem', 'ca-key.pem'], 'nodes/master1/ca.pem'],
			[['service-account-key.pem'], 'nodes/master1/service-account-key.pem'],
		] as const) {
			const kept = Object.fromEntries(gone.map(file => [file, readFileSync(path.join(out, file))]));
			for (const file of gone) rmSync(path.join(out, file));
			const before = snapshot(out);
			const result = kubepki(['generate', ...fast, '--out', out]);
			expect(result.status, gone.join(' ')).toBe(1);
			expect(result.stderr.trim().split('\n')).toHaveLength(1);
			expect(result.stderr).toContain(copy);
			expect(snapshot(out), gone.join(' ')).toEqual(before);
			for (const file of gone) writeFileSync(path.join(out, file), kept[file]!, {mode: file.endsWith('.pem') && !file.includes('key') ? 0o644 : 0o600});
		}

		// Every copy of the SA key gone: the manifest still remembers it, so only --force makes a new one, and says what that costs.
		for (const host of ['master1', 'master2']) rmSync(path.join(out, 'nodes', host, 'service-account-key.pem'));
		rmSync(path.join(out, 'service-account-key.pem'));
		const refused = kubepki(['generate', ...fast, '--out', out]);
		expect(refused.status).toBe(1);
		expect(refused.stderr).toMatch(/records the service-account key .* but no copy of it is left/);
		const forced = kubepki(['generate', ...fast, '--force', '--out', out]);
		expect(forced.status, forced.stderr).toBe(0);
		expect(forced.stdout).toMatch(/new +service-account key service-account-key\.pem \(the old one was deleted\): every ServiceAccount token signed by the old key stops working/);
	}, 120_000);

	it('kubeadm: sa.key is kept on every re-run and --force, and a master listed first finds the CAs in the others\' folders', () => {
		const out = path.join(base, 'kubeadm');
		const cluster = (masters: string[]) =>
			[
				'cluster: keep',
				'serviceCIDR: 10.32.0.0/24',
				'loadBalancer: {name: lb, ip: 10.0.0.100}',
				'masters:',
				...masters.map(name => `  - {name: ${name}, ip: 10.0.0.${10 + Number(name.slice(1))}}`),
				'workers:',
				'  - {name: w1, ip: 10.0.0.51}',
				'algorithm: ecdsa-p256',
			].join('\n') + '\n';
		const two = path.join(base, 'two.yaml');
		const three = path.join(base, 'three.yaml');
		writeFileSync(two, cluster(['m1', 'm2']));
		writeFileSync(three, cluster(['m0', 'm1', 'm2']));
		expect(kubepki(['generate', '--layout', 'kubeadm', '--config', two, '--out', out, '--quiet']).status).toBe(0);
		const sa = sha(path.join(out, 'm1/pki/sa.key'));
		const cas = ['ca.crt', 'etcd/ca.crt', 'front-proxy-ca.crt'].map(file => sha(path.join(out, 'm1/pki', file)));
		for (const args of [[], ['--force']]) {
			const result = kubepki(['generate', '--layout', 'kubeadm', '--config', two, '--out', out, ...args]);
			expect(result.status, result.stderr).toBe(0);
			for (const host of ['m1', 'm2']) expect(sha(path.join(out, host, 'pki/sa.key')), `${host} ${args.join(' ')}`).toBe(sa);
		}

		const cas2 = ['ca.crt', 'etcd/ca.crt', 'front-proxy-ca.crt'].map(file => sha(path.join(out, 'm1/pki', file)));
		const grown = kubepki(['generate', '--layout', 'kubeadm', '--config', three, '--out', out]);
		expect(grown.status, grown.stderr).toBe(0);
		expect(grown.stdout).not.toMatch(/new +CA/);
		for (const host of ['m0', 'm1', 'm2']) {
			expect(['ca.crt', 'etcd/ca.crt', 'front-proxy-ca.crt'].map(file => sha(path.join(out, host, 'pki', file))), host).toEqual(cas2);
			expect(sha(path.join(out, host, 'pki/sa.key')), host).toBe(sa);
		}

		expect(cas2).not.toEqual(cas); // --force made new CAs (and kept sa.key), as asked
		expect(expectConsistent(out, 'kubeadm, grown')).toBe('complete');
	}, 180_000);
});

describe('hostile files and bad paths', () => {
	const base = tempDir('kubepki-hostile-');

	it('a FIFO or a link to /dev/zero named ca.pem is refused with one line, never read', async () => {
		for (const [name, plant] of [
			['fifo', (file: string) => spawnSync('mkfifo', [file])],
			['zero', (file: string) => symlinkSync('/dev/zero', file)],
		] as const) {
			const out = path.join(base, name);
			expect(kubepki(['generate', ...fast, '--out', out, '--quiet']).status).toBe(0);
			rmSync(path.join(out, 'ca.pem'));
			plant(path.join(out, 'ca.pem'));
			// Asynchronous: a run that blocks on the FIFO would hang the test, not pass it.
			const result = await start(['generate', ...fast, '--out', out]).exited;
			expect(result.code, name).toBe(1);
			expect(result.stderr.trim().split('\n'), name).toHaveLength(1);
			expect(result.stderr, name).toMatch(name === 'fifo' ? /ca\.pem is a FIFO, not a file kubepki wrote/ : /ca\.pem is a symbolic link/);
		}
	}, 120_000);

	it('lint and inspect stay inside the named tree, and note a FIFO or device in one line without reading it', () => {
		const out = path.join(base, 'walk');
		expect(kubepki(['generate', ...fast, '--out', out, '--quiet']).status).toBe(0);
		// Elsewhere: a loose folder holding a second CA with the same subject, which lint would report if it walked there.
		const elsewhere = path.join(base, 'elsewhere');
		expect(kubepki(['generate', ...fast, '--out', elsewhere, '--quiet']).status).toBe(0);
		chmodSync(elsewhere, 0o755);
		symlinkSync(elsewhere, path.join(out, 'linked'));
		spawnSync('mkfifo', [path.join(out, 'pipe.pem')]);
		symlinkSync('/dev/zero', path.join(out, 'zero.pem'));
		const lint = kubepki(['lint', '--json', out]);
		expect(lint.status, lint.stderr).toBe(0);
		const findings = (JSON.parse(lint.stdout) as {findings: Array<{path: string; rule: string}>}).findings;
		expect(findings.filter(finding => finding.path.includes(`${path.sep}linked`))).toEqual([]);
		const inspect = kubepki(['inspect', out]);
		expect(inspect.status, inspect.stderr).toBe(0);
		const notes = inspect.stdout.split('\n').filter(line => line.includes('skipped:'));
		expect(notes).toEqual([
			expect.stringContaining(`skipped: a symbolic link to a folder outside ${out} (${elsewhere}); name it to read it`),
			expect.stringContaining('skipped: a FIFO, not a regular file'),
			expect.stringContaining('skipped: a device, not a regular file'),
		]);
		// Named, the link is the user's choice and is read.
		const named = kubepki(['inspect', '--json', path.join(out, 'linked')]);
		expect(named.status, named.stderr).toBe(0);
		expect(named.stdout).toContain('ca-key.pem');
	});

	it('--out \'\' is refused (exit 2) and nothing is written into the working folder', () => {
		const cwd = path.join(base, 'cwd');
		mkdirSync(cwd);
		const result = kubepki(['generate', ...fast, '--out', ''], {cwd});
		expect(result.status).toBe(2);
		expect(result.stderr).toMatch(/--out: "" names no folder/);
		expect(readdirSync(cwd)).toEqual([]);
	});

	it('a file-system error names the path: EFBIG under ulimit -f', () => {
		const out = path.join(base, 'efbig');
		// SIGXFSZ ignored, so a write past the limit fails with EFBIG instead of killing the process.
		const result = spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f 2; exec "$0" "$@"`, process.execPath, cliPath, 'generate', ...fast, '--out', out], {encoding: 'utf8'});
		expect(result.status, result.stderr).toBe(1);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toMatch(new RegExp(`^kubepki generate: cannot write ${out.replaceAll('/', '\\/')}\\/\\S+: file too large for this file system \\(EFBIG\\)`));
		expect(existsSync(path.join(out, 'kubepki-manifest.json'))).toBe(false);
		expect(readdirSync(out).filter(name => !name.startsWith('.kubepki-lock'))).toEqual([]);
	});
});

// Ownership matters only between users: as root (CI), run as two unprivileged users with setpriv.
const asRoot = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

describe.runIf(asRoot)('trust nothing kubepki did not make (as unprivileged users, with setpriv)', () => {
	const base = tempDir('kubepki-trust-');
	chmodSync(base, 0o755);
	const shared = path.join(base, 'shared');
	mkdirSync(shared);
	chmodSync(shared, 0o1777);
	const intruder = 65_534;
	const victim = 4242;
	const as = (uid: number, args: string[]) => {
		const result = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, cliPath, ...args], {encoding: 'utf8', cwd: shared, env: {...process.env, HOME: shared}});
		return {status: result.status, stdout: result.stdout, stderr: result.stderr};
	};

	it('a folder another user made (0777, their CA and encryption key) is refused, with and without --force, and left as it was', () => {
		const out = path.join(shared, 'planted');
		expect(as(intruder, ['generate', ...fast, '--out', out, '--quiet']).status).toBe(0);
		chmodSync(out, 0o777);
		chmodSync(path.join(out, 'ca-key.pem'), 0o644);
		chmodSync(path.join(out, 'encryption-config.yaml'), 0o644);
		const before = snapshot(out);
		for (const extra of [[], ['--force']]) {
			const result = as(victim, ['generate', ...fast, ...extra, '--out', out]);
			expect(result.status, extra.join(' ')).toBe(1);
			expect(result.stderr.trim().split('\n')).toHaveLength(1);
			expect(result.stderr).toContain(`${out} belongs to nobody (uid ${intruder}), not to you (mode 0777)`);
			expect(snapshot(out)).toEqual(before);
			expect(statSync(out).mode & 0o777).toBe(0o777);
		}
	}, 240_000);

	it('in the caller\'s own loose folder: a CA key or encryption config open to others, or planted by another user, is refused even with --force', () => {
		const cases: Array<[string, (out: string) => void, RegExp]> = [
			['ca-key.pem 0644', out => chmodSync(path.join(out, 'ca-key.pem'), 0o644), new RegExp(`will not reuse .*/ca-key\\.pem \\(owner uid ${victim}, mode 0644\\): others could read it, so the key must be treated as exposed`)],
			['encryption-config.yaml 0644', out => chmodSync(path.join(out, 'encryption-config.yaml'), 0o644), new RegExp(`will not reuse .*/encryption-config\\.yaml \\(owner uid ${victim}, mode 0644\\): others could read it, so the key must be treated as exposed`)],
			['service-account-key.pem 0640', out => chmodSync(path.join(out, 'service-account-key.pem'), 0o640), /will not reuse .*\/service-account-key\.pem \(owner uid 4242, mode 0640\)/],
			[
				'ca.pem and ca-key.pem swapped in by another user',
				out => {
					const other = path.join(shared, 'other');
					expect(as(intruder, ['generate', ...fast, '--out', other, '--quiet']).status).toBe(0);
					for (const file of ['ca.pem', 'ca-key.pem']) {
						rmSync(path.join(out, file));
						expect(spawnSync('setpriv', [`--reuid=${intruder}`, `--regid=${intruder}`, '--clear-groups', 'cp', path.join(other, file), path.join(out, file)]).status).toBe(0);
					}
				},
				new RegExp(`will not reuse .*/ca-key\\.pem \\(owner nobody \\(uid ${intruder}\\), mode 0600\\): it is not yours, so the key must be treated as exposed`),
			],
		];
		for (const [label, spoil, message] of cases) {
			const out = path.join(shared, label.replaceAll(/\W+/g, '-'));
			expect(as(victim, ['generate', ...fast, '--out', out, '--quiet']).status, label).toBe(0);
			chmodSync(out, 0o777);
			spoil(out);
			const before = snapshot(out);
			for (const extra of [[], ['--force']]) {
				const result = as(victim, ['generate', ...fast, ...extra, '--out', out]);
				expect(result.status, `${label} ${extra.join(' ')}`).toBe(1);
				expect(result.stderr, label).toMatch(message);
				expect(snapshot(out), label).toEqual(before);
			}

			// The folder itself is the caller's: tightened to 0700, as the warning on a successful run says.
			expect(statSync(out).mode & 0o777, label).toBe(0o700);
		}
	}, 240_000);

	it('a loose folder of the caller\'s own is tightened to 0700 with a warning, then used', () => {
		const out = path.join(shared, 'loose');
		mkdirSync(out, {mode: 0o755});
		chownSync(out, victim, victim);
		chmodSync(out, 0o755);
		const result = as(victim, ['generate', ...fast, '--out', out, '--quiet']);
		expect(result.status, result.stderr).toBe(0);
		expect(result.stderr).toContain(`warning: tightened ${out} from 0755 to 0700`);
		expect(statSync(out).mode & 0o777).toBe(0o700);
	}, 240_000);

	it('an unreadable ca-key.pem is not called missing, --force is not offered, and --force does not replace it', () => {
		const out = path.join(shared, 'unreadable');
		expect(as(victim, ['generate', ...fast, '--out', out, '--quiet']).status).toBe(0);
		chmodSync(path.join(out, 'ca-key.pem'), 0o000);
		const before = snapshot(out);
		for (const extra of [[], ['--force']]) {
			const result = as(victim, ['generate', ...fast, ...extra, '--out', out]);
			expect(result.status, extra.join(' ')).toBe(1);
			expect(result.stderr).toMatch(/ca-key\.pem is there but cannot be read \(permission denied\)/);
			expect(result.stderr).not.toMatch(/missing|--force/);
			expect(snapshot(out)).toEqual(before);
		}
	}, 240_000);

	it('a folder the caller may not write: the error names the path', () => {
		const locked = path.join(base, 'root-only');
		mkdirSync(locked, {mode: 0o755});
		const result = as(victim, ['generate', ...fast, '--out', path.join(locked, 'pki')]);
		expect(result.status).toBe(1);
		expect(result.stderr.trim()).toBe(`kubepki generate: cannot write ${path.join(locked, 'pki')}: permission denied (EACCES)`);
	}, 240_000);
});
