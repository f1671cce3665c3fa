// Moments inside a run named by the file calls it makes, exactly. strace delivers a signal at the N-th call of one
// syscall (inject=SYSCALL:signal=SIG:when=N; strace counts per syscall and per thread), so the signal lands at that
// call however fast or loaded the machine is. With one libuv worker (UV_THREADPOOL_SIZE=1) every fs/promises call
// of the run is made by that one thread, in the same order on every run. A signal sent by this process when it has
// seen the run's k-th inotify event (fs-events.ts) lands wherever the run has got to by then instead: late, or
// after the run's end, when this process is slow to see the event.
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';

/** The calls that change a folder (staging, commit, swap, backups, lock, clean-up); names differ by architecture. */
export const changingCalls = ['fsync', 'fdatasync', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'unlink', 'unlinkat', 'mkdir', 'mkdirat'] as const;

/** The N-th call of one syscall on a thread of the run. */
export type CallMoment = {readonly syscall: string; readonly nth: number};

export type Traced = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; trace: string};

/** `node ARGS` under strace (one libuv worker), tracing `changingCalls`; `inject` sends `signal` at one call. */
export async function traced(args: readonly string[], trace: string, inject?: {moment: CallMoment; signal: NodeJS.Signals}): Promise<Traced> {
	const injection = inject ? ['-e', `inject=${inject.moment.syscall}:signal=${inject.signal}:when=${inject.moment.nth}`] : [];
	const child = spawn('strace', ['-f', '-q', '-o', trace, '-e', `trace=${changingCalls.join(',')}`, ...injection, process.execPath, ...args], {
		env: {...process.env, UV_THREADPOOL_SIZE: '1'},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += chunk));
	child.stderr.on('data', chunk => (stderr += chunk));
	// strace ends as the traced program did: with its exit code, or killed by the same signal.
	const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (code, signal) => resolve([code, signal]));
	});
	return {code, signal, stdout, stderr, trace: readFileSync(trace, 'utf8')};
}

/**
 * The moments of a whole traced run: each changing call of its busiest thread (the libuv worker, which makes the
 * folder's calls), in order, as the N-th call of its syscall on that thread.
 */
export function callMoments(trace: string): CallMoment[] {
	const calls = [...trace.matchAll(/^(\d+) +(\w+)\(/gm)].map(match => ({thread: match[1]!, syscall: match[2]!}));
	const perThread = new Map<string, number>();
	for (const {thread} of calls) perThread.set(thread, (perThread.get(thread) ?? 0) + 1);
	const busiest = [...perThread].sort((a, b) => b[1] - a[1])[0]?.[0];
	const seen = new Map<string, number>();
	return calls
		.filter(call => call.thread === busiest)
		.map(({syscall}) => {
			const nth = (seen.get(syscall) ?? 0) + 1;
			seen.set(syscall, nth);
			return {syscall, nth};
		});
}
