// The helpers that start and stop long-running programs: stopProcess, and spawnTied whose children die with
// the process that started them, even when it is SIGKILLed (the control-plane suite's etcd, API servers, haproxy).
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {spawnTied, stopProcess} from './processes.js';

const here = import.meta.dirname;

/** Gone, or a zombie waiting for its new parent to reap it: either way no longer running. */
function running(pid: number): boolean {
	const stat = `/proc/${pid}/stat`;
	if (!existsSync(stat)) return false;
	try {
		// The state follows the command name in parentheses: `1234 (sleep) S ...`.
		return !/\) [ZX] /.test(readFileSync(stat, 'utf8'));
	} catch {
		return false;
	}
}

/** A node program that ignores SIGTERM and says so on stdout once it does. */
function stubborn(spawner: (command: string, args: string[]) => ChildProcess): Promise<ChildProcess> {
	const child = spawner(process.execPath, ['-e', "process.on('SIGTERM', () => {}); process.stdout.write('ready\\n'); setInterval(() => {}, 1 << 30);"]);
	return new Promise((resolve, reject) => {
		child.stdout!.once('data', () => resolve(child));
		child.once('exit', code => reject(new Error(`exited early: ${code}`)));
	});
}

describe('stopProcess', () => {
	it('stops a program with SIGTERM and resolves once it has exited', async () => {
		const child = spawn('sleep', ['100000'], {stdio: 'ignore'});
		await stopProcess(child);
		expect(child.signalCode).toBe('SIGTERM');
		expect(running(child.pid!)).toBe(false);
	});

	it('sends SIGKILL to a program that ignores SIGTERM', async () => {
		const child = await stubborn((command, args) => spawn(command, args, {stdio: ['ignore', 'pipe', 'ignore']}));
		await stopProcess(child, 200);
		expect(child.signalCode).toBe('SIGKILL');
	});

	it('resolves at once for a program that has already exited', async () => {
		const child = spawn('true', [], {stdio: 'ignore'});
		await new Promise(resolve => child.once('exit', resolve));
		await stopProcess(child);
		expect(child.exitCode).toBe(0);
	});
});

describe('spawnTied', () => {
	it('its program leads a process group of its own and stops with stopProcess', async () => {
		const child = await stubborn((command, args) => spawnTied(command, args, {stdio: ['ignore', 'pipe', 'ignore']}));
		// Field 5 of /proc/PID/stat is the process group.
		const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
		expect(Number(fields[2])).toBe(child.pid);
		await stopProcess(child, 200);
		expect(child.signalCode).toBe('SIGKILL');
	});

	it('a SIGKILLed parent takes its tied child with it; an untied child outlives it', async () => {
		const parent = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'tied-parent.ts')], {stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(here, '../..')});
		let out = '';
		let err = '';
		parent.stderr!.on('data', (chunk: Buffer) => {
			err += chunk.toString();
		});
		const line = await new Promise<string>((resolve, reject) => {
			parent.stdout!.on('data', (chunk: Buffer) => {
				out += chunk.toString();
				if (out.includes('\n')) resolve(out.split('\n')[0]!);
			});
			parent.once('exit', code => reject(new Error(`the parent exited (${code}): ${err}`)));
		});
		const [tied, loose] = line.split(' ').map(Number) as [number, number];
		expect(running(tied)).toBe(true);
		expect(running(loose)).toBe(true);
		const parentGone = new Promise(resolve => parent.once('exit', resolve));
		parent.kill('SIGKILL');
		await parentGone;
		try {
			// The check: the tied child ends. No bound but the test's timeout (under load the reaper's node starts slowly).
			while (running(tied)) await new Promise(resolve => setTimeout(resolve, 20));
			// The control: a plain spawn of the same parent is still there, so it was the tie that ended the other.
			expect(running(loose)).toBe(true);
		} finally {
			process.kill(loose, 'SIGKILL');
		}
	});
});
