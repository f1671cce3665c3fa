// Starting and stopping the long-running programs tests need (etcd, API servers, haproxy, TLS servers).
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import {readdirSync, readFileSync, readlinkSync, realpathSync} from 'node:fs';
import path from 'node:path';

/** Whether the process has already ended (exited, or died of a signal). */
const ended = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * Stop a child: SIGTERM, SIGKILL if it has not exited `graceMs` later, and resolve once it has exited.
 * Resolves at once for a child that has already ended or never started.
 */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
	if (ended(child) || child.pid === undefined) return;
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => {
		if (!ended(child)) child.kill('SIGKILL');
	}, graceMs);
	await exited;
	clearTimeout(timer);
}

let reaper: ChildProcess | undefined;
/** Settles once the last line written to the reaper has reached its pipe. */
let informed: Promise<void> = Promise.resolve();

/**
 * The one reaper of this process (test/helpers/reaper.mjs): it reads process groups from a pipe and kills
 * those still listed when the pipe closes, which the kernel does when this process ends in any way, SIGKILL too.
 */
function theReaper(): ChildProcess {
	if (reaper) return reaper;
	reaper = spawn(process.execPath, [path.join(import.meta.dirname, 'reaper.mjs')], {stdio: ['pipe', 'ignore', 'ignore'], detached: true});
	// Neither the reaper nor its pipe keeps this process alive: the pipe closing is the signal.
	reaper.unref();
	(reaper.stdin as unknown as {unref(): void}).unref();
	reaper.stdin!.on('error', () => {});
	return reaper;
}

/**
 * Spawn a program that dies with this process: it leads a process group of its own, and the reaper kills that
 * group when this process ends (a test runner SIGKILLed mid-suite leaves no etcd or API server behind).
 * Stop it with stopProcess as usual; once it has exited its group is no longer the reaper's to kill.
 */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
	const child = spawn(command, [...args], {...options, detached: true});
	if (child.pid === undefined) return child;
	const pid = child.pid;
	const watcher = theReaper();
	informed = new Promise(resolve => watcher.stdin!.write(`+${pid}\n`, () => resolve()));
	child.once('exit', () => {
		if (watcher.stdin!.writable) watcher.stdin!.write(`-${pid}\n`);
	});
	return child;
}

/** Resolves once the reaper's pipe holds every group tied so far (for a test that kills this process next). */
export async function reaperInformed(): Promise<void> {
	await informed;
}

/** The environment of a live process as a map ({} once it has gone or cannot be read). */
function environOf(pid: number): Map<string, string> {
	try {
		const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
		return new Map(raw.split('\0').filter(Boolean).map(entry => {
			const at = entry.indexOf('=');
			return [entry.slice(0, at), entry.slice(at + 1)] as const;
		}));
	} catch {
		return new Map();
	}
}

/** The pids of the live processes whose working folder is `dir` (read from /proc; a process gone meanwhile is left out). */
export function processesIn(dir: string): number[] {
	const real = realpathSync(dir);
	return readdirSync('/proc')
		.filter(entry => /^\d+$/.test(entry))
		.map(Number)
		.filter(pid => {
			try {
				return readlinkSync(`/proc/${pid}/cwd`) === real;
			} catch {
				return false;
			}
		});
}

/** Whether `pid` runs the wizard's key process (KUBEPKI_KEY_PROCESS=1 in its environment). */
export const isKeyProcess = (pid: number) => environOf(pid).get('KUBEPKI_KEY_PROCESS') === '1';

/**
 * The pids of the wizard's key processes working in `dir`. A process that has just forked still has its parent's
 * environment, so it is listed only once it runs the key process.
 */
export function keyProcessesIn(dir: string): number[] {
	return processesIn(dir).filter(pid => isKeyProcess(pid));
}

/**
 * Freeze the wizard's key process in `dir` (SIGSTOP) as soon as it is running. A frozen key process makes no
 * key: the wizard stays "making keys" for as long as the test needs, on any machine, however fast. `resume` lets
 * it go on (SIGCONT); a process killed while frozen (SIGKILL, as the wizard does when it quits) dies at once.
 * Without a time bound of its own: the test's timeout is the only one.
 */
export async function freezeKeyProcess(dir: string): Promise<{readonly pid: number; readonly resume: () => void}> {
	for (;;) {
		const [pid] = keyProcessesIn(dir);
		if (pid !== undefined) {
			process.kill(pid, 'SIGSTOP');
			return {pid, resume: () => process.kill(pid, 'SIGCONT')};
		}

		await new Promise(resolve => setTimeout(resolve, 2));
	}
}

/** Whether `pid` is a live process: not gone, and not a zombie waiting to be reaped. */
export function processAlive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The state letter follows the command name in parentheses (which may itself hold spaces or parentheses).
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}
