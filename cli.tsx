#!/usr/bin/env node
// Argument parsing and dispatch only. Headless commands never load Ink or React (half a second saved).
import {oneLine, UsageError, type CommandIo} from './source/commands/io.js';
import {parseInvocation, runInvocation} from './source/commands/commands.js';
import {startEarlyKeysFor} from './source/commands/early-keys.js';
import {discardEarlyKeys} from './source/core/pki/keys.js';
import {isKeyProcess, serveKeys} from './source/core/pki/key-process.js';

// The wizard's key process (source/core/pki/key-process.ts) is this same entry: it only makes keys.
if (isKeyProcess(process.env)) serveKeys();
else await main();

async function main(): Promise<void> {
	const io: CommandIo = {stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd()};

	process.on('SIGINT', () => {
		// Remove temp files that were not renamed into place yet: an interrupt never leaves a half-written file.
		void import('./source/core/write.js')
			.then(async ({removePendingTemps}) => removePendingTemps())
			.finally(dieBySigint);
	});

	/*
	 * Leave the way an interrupted program should: killed by SIGINT itself (the shell sees 130). process.exit
	 * would wait for key generation still running in libuv's thread pool (seconds, for RSA-4096).
	 */
	function dieBySigint() {
		process.removeAllListeners('SIGINT');
		process.kill(process.pid, 'SIGINT');
		setTimeout(() => process.exit(130), 2000).unref();
	}

	/*
	 * A reader that stops early (`kubepki inspect | head -1`) closes the pipe: that is the reader's choice, not an
	 * error. End at once, quietly, with 0, as Unix tools do; nothing more this process could print would be read.
	 */
	function quietOnClosedPipe(stream: NodeJS.WriteStream) {
		stream.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code === 'EPIPE') process.exit(0);
			throw error;
		});
	}

	quietOnClosedPipe(process.stdout);
	quietOnClosedPipe(process.stderr);

	try {
		const invocation = parseInvocation(process.argv.slice(2));
		// `generate` into an empty folder: its first keys start now, while the rest of the program loads.
		startEarlyKeysFor(invocation, io.cwd);
		process.exitCode = await runInvocation(invocation, io);
	} catch (error) {
		// Bad input found before the plan took the early keys: those not yet begun are never made.
		discardEarlyKeys();
		if (error instanceof UsageError) {
			// Every line escaped: a value from a file or an argument never reaches the terminal as control characters.
			for (const line of error.message.split('\n')) io.stderr.write(`kubepki: ${oneLine(line)}\n`);
			process.exitCode = 2;
		} else if (error && typeof error === 'object' && 'code' in error && typeof (error as NodeJS.ErrnoException).syscall === 'string') {
			// A file-system refusal (permissions, a file where a folder should be): one line, not a stack.
			const e = error as NodeJS.ErrnoException;
			io.stderr.write(`kubepki: ${oneLine(`${e.code ?? 'error'}: cannot ${e.syscall} ${e.path ?? ''}`)}\n`);
			process.exitCode = 1;
		} else {
				// The stack at source/ lines (the source maps are read only now), unless KUBEPKI_SOURCE_MAPS=0.
			const stack = (error as Error)?.stack;
			const shown = stack === undefined ? String(error) : io.env.KUBEPKI_SOURCE_MAPS === '0' ? stack : (await import('./source/commands/stack.js')).mappedStack(stack);
			io.stderr.write(`kubepki: internal error (please report): ${shown}\n`);
			process.exitCode = 70;
		}
	}
}
