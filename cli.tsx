#!/usr/bin/env node
// Argument parsing and dispatch only. Headless commands never load Ink or React (half a second saved).
import {parseArgs} from 'node:util';
import {UsageError, type CommandIo} from './source/commands/io.js';

const version = '0.1.0';

const help = `kubepki ${version}: the certificates of a multi-master Kubernetes the Hard Way cluster

Usage
  kubepki [--config FILE] [--out DIR] [--algorithm A]   the wizard (in a terminal)
  kubepki generate [--config FILE] [--out DIR] [--layout L] [--algorithm A] [--encryption-provider P] [--force]
  kubepki inspect [PATH...] [--json]   read certs, keys, CSRs, kubeconfigs (files or folders;
                                       default ./pki); the viewer in a terminal
  kubepki lint [PATH...] [--json]      find the known mistakes; exit 1 when any is an error
  kubepki doctor [--json]
  kubepki expiry [PATH...] [--within D] [--json]
                                       every certificate, soonest end first; exit 1 when one has
                                       ended or ends within D (default 30d): for cron
  kubepki script --flavor cfssl|openssl [--config FILE] [--layout L] [--algorithm A] [--encryption-provider P]

Options
  --config FILE     cluster file (YAML, or the guide's node.cfg); default: the built-in example cluster
  --out DIR         output folder (default ./pki)
  --algorithm A     rsa-2048 (default), rsa-4096 or ecdsa-p256
  --layout L        hardway (default: the guide's file names) or kubeadm (one /etc/kubernetes folder per machine);
                    generate and script
  --flavor F        script: cfssl or openssl, the tools the printed bash uses
  --encryption-provider P
                    aescbc (default), secretbox or aesgcm: the first provider of encryption-config.yaml
  --within D        expiry: the warning window, in days or hours (30d, 720h)
  --force           replace an existing CA and every certificate
  --json            machine-readable output
  -h, --help        this text
  -v, --version     the version

Exit codes: 0 success, 1 errors found or action refused, 2 bad usage or bad input.
`;

type Flags = {
	config?: string;
	out?: string;
	algorithm?: string;
	force?: boolean;
	json?: boolean;
	flavor?: string;
	layout?: string;
	quiet?: boolean;
	help?: boolean;
	version?: boolean;
	'encryption-provider'?: string;
	within?: string;
};

const options = {
	config: {type: 'string'},
	out: {type: 'string'},
	algorithm: {type: 'string'},
	force: {type: 'boolean'},
	json: {type: 'boolean'},
	flavor: {type: 'string'},
	layout: {type: 'string'},
	'encryption-provider': {type: 'string'},
	within: {type: 'string'},
	quiet: {type: 'boolean', short: 'q'},
	help: {type: 'boolean', short: 'h'},
	version: {type: 'boolean', short: 'v'},
} as const;

// Which flags each command takes: a flag meant for another command is a mistake worth saying, not ignoring.
const commandFlags: Record<string, string[]> = {
	'': ['config', 'out', 'algorithm'],
	generate: ['config', 'out', 'algorithm', 'force', 'layout', 'encryption-provider', 'quiet'],
	inspect: ['json'],
	lint: ['json'],
	doctor: ['json'],
	expiry: ['json', 'within'],
	script: ['config', 'flavor', 'algorithm', 'layout', 'encryption-provider'],
};

async function main(argv: string[], io: CommandIo): Promise<number> {
	let parsed;
	try {
		parsed = parseArgs({args: argv, options, allowPositionals: true, strict: true});
	} catch (error) {
		throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
	}

	const flags = parsed.values as Flags;
	const [command, ...rest] = parsed.positionals;
	const allowed = commandFlags[command ?? ''];
	if (allowed) {
		const stray = Object.keys(flags).find(name => !allowed.includes(name) && !['help', 'version'].includes(name));
		if (stray) throw new UsageError(`--${stray} is not an option of ${command ? `kubepki ${command}` : 'the wizard'}; see kubepki --help`);
	}

	if (flags.help) {
		io.stdout.write(help);
		return 0;
	}

	if (flags.version) {
		io.stdout.write(`${version}\n`);
		return 0;
	}

	switch (command) {
		case 'generate': {
			if (rest.length > 0) throw new UsageError(`generate: unexpected argument ${JSON.stringify(rest[0])}`);
			const {runGenerate} = await import('./source/commands/generate.js');
			return runGenerate(flags, io);
		}

		case 'inspect': {
			const {runInspect} = await import('./source/commands/inspect.js');
			return runInspect(rest, flags, io);
		}

		case 'lint': {
			const {runLint} = await import('./source/commands/lint.js');
			return runLint(rest, flags, io);
		}

		case 'expiry': {
			const {runExpiry} = await import('./source/commands/expiry.js');
			return runExpiry(rest, flags, io);
		}

		case 'doctor': {
			if (rest.length > 0) throw new UsageError(`doctor: unexpected argument ${JSON.stringify(rest[0])}`);
			const {runDoctor} = await import('./source/commands/doctor.js');
			return runDoctor(flags, io);
		}

		case 'script': {
			if (rest.length > 0) throw new UsageError(`script: unexpected argument ${JSON.stringify(rest[0])}`);
			const {runScript} = await import('./source/commands/script.js');
			return runScript(flags, io);
		}

		case undefined: {
			if (!process.stdin.isTTY || !process.stdout.isTTY) {
				io.stderr.write('kubepki: the wizard needs a terminal; for scripts use `kubepki generate --out DIR` (see kubepki --help)\n');
				return 2;
			}

			const {runWizard} = await import('./source/commands/wizard.js');
			return runWizard(flags, io);
		}

		default: {
			throw new UsageError(`unknown command ${JSON.stringify(command)}; see kubepki --help`);
		}
	}
}

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

try {
	process.exitCode = await main(process.argv.slice(2), io);
} catch (error) {
	if (error instanceof UsageError) {
		io.stderr.write(`kubepki: ${error.message}\n`);
		process.exitCode = 2;
	} else if (error && typeof error === 'object' && 'code' in error && typeof (error as NodeJS.ErrnoException).syscall === 'string') {
		// A file-system refusal (permissions, a file where a folder should be): one line, not a stack.
		const e = error as NodeJS.ErrnoException;
		io.stderr.write(`kubepki: ${e.code ?? 'error'}: cannot ${e.syscall} ${e.path ?? ''}\n`);
		process.exitCode = 1;
	} else {
		io.stderr.write(`kubepki: internal error (please report): ${(error as Error)?.stack ?? String(error)}\n`);
		process.exitCode = 70;
	}
}
