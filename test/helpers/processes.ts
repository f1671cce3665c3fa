// Starting and stopping the long-running programs tests need (etcd, API servers, haproxy, TLS servers).
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
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
