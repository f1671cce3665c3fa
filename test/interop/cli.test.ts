import {readFileSync} from 'node:fs';
import path from 'node:path';
import {execa} from 'execa';
import {beforeAll, describe, expect, it} from 'vitest';
import {commands, globalFlags} from '../../source/commands/commands.js';
import {cliPath, kubepki, tempDir} from '../helpers/tools.js';

const named = commands.filter(c => c.name !== '');

describe('every command has its own help', () => {
	it.each(named.map(c => [c.name, c] as const))('kubepki %s --help names its own flags and no other command\'s', (name, command) => {
		const r = kubepki([name, '--help']);
		expect(r.status).toBe(0);
		expect(r.stderr).toBe('');
		expect(r.stdout.split('\n')[0]).toBe(`kubepki ${name}: ${command.summary}`);
		const shown = new Set([...r.stdout.matchAll(/--([a-z][a-z-]+)/g)].map(m => m[1]));
		for (const flag of [...Object.keys(command.flags), ...Object.keys(globalFlags)]) expect(r.stdout, flag).toContain(`--${flag}`);
		// A flag of another command is not shown as if this one took it.
		const others = new Set(named.filter(c => c !== command).flatMap(c => Object.keys(c.flags)));
		for (const flag of others) {
			if (!(flag in command.flags)) expect(shown.has(flag), `${name} --help shows --${flag}`).toBe(false);
		}

		expect(r.stdout).toMatch(/^Examples\n {2}kubepki /m);
	});

	it.each(named.map(c => [c.name] as const))('kubepki help %s prints the same as --help', name => {
		expect(kubepki(['help', name]).stdout).toBe(kubepki([name, '--help']).stdout);
	});

	it('kubepki help and --help list every command', () => {
		const overview = kubepki(['help']);
		expect(overview.status).toBe(0);
		expect(kubepki(['--help']).stdout).toBe(overview.stdout);
		for (const c of named) expect(overview.stdout).toMatch(new RegExp(`^ {2}${c.name} +\\S`, 'm'));
	});

	it('--version prints the package version', () => {
		const own = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {version: string};
		for (const args of [['--version'], ['-v'], ['generate', '--version']]) {
			const r = kubepki(args);
			expect(r.status).toBe(0);
			expect(r.stdout).toBe(`${own.version}\n`);
		}
	});

	it('--quiet is in generate\'s help', () => {
		expect(kubepki(['generate', '--help']).stdout).toMatch(/-q, --quiet {2,}\S/);
	});
});

describe('unknown flags and commands: one line, exit 2', () => {
	const dir = tempDir();
	it.each([
		[['generate', '--outdir', 'x'], /^kubepki: unknown option --outdir for kubepki generate \(did you mean --out\?\); it takes --config, --out, .*--quiet, --help, --version$/],
		[['inspect', '--bogus'], /^kubepki: unknown option --bogus for kubepki inspect; it takes --json, --servername, --ca, --kubeconfig, --cert, --key, --timeout, --help, --version$/],
		[['lint', '--force'], /^kubepki: --force is not an option of kubepki lint \(it is one of kubepki generate\); kubepki lint takes --json, --help, --version$/],
		[['generate', '--out'], /^kubepki: --out: needs a value \(--out DIR\)$/],
		[['generate', '--out', '--force'], /^kubepki: --out: needs a value \(--out DIR\), got the flag "--force"/],
		[['generate', '--force=yes'], /^kubepki: --force: takes no value \(got "yes"\)$/],
		[['help', 'frobnicate'], /^kubepki: unknown command "frobnicate"; the commands are generate, inspect, lint, doctor, script/],
		[['frobnicate', '--help'], /^kubepki: unknown command "frobnicate"/],
		[['\u001B[31mred'], /^kubepki: unknown command "\\u001b\[31mred"/],
	])('%j', (args, message) => {
		const r = kubepki(args, {cwd: dir});
		expect(r.status).toBe(2);
		expect(r.stdout).toBe('');
		expect(r.stderr.split('\n')).toEqual([expect.stringMatching(message), '']);
		// No escape byte reaches the terminal, whatever was typed.
		expect(r.stderr).not.toContain('\u001B');
	});
});

describe('a reader that stops early ends kubepki quietly', () => {
	const dir = tempDir();
	beforeAll(() => {
		expect(kubepki(['generate', '--out', 'pki', '--quiet'], {cwd: dir}).status).toBe(0);
	});

	// The report is far larger than a pipe's buffer: kubepki is still writing when head has gone.
	it.each([
		['inspect pki | head -1', `node ${JSON.stringify(cliPath)} inspect pki 2>err | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`],
		['inspect --json pki | head -c 10', `node ${JSON.stringify(cliPath)} inspect --json pki 2>err | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`],
	])('%s: exit 0 and nothing on stderr, 20 times in a row', async (_name, pipeline) => {
		expect(kubepki(['inspect', '--json', 'pki'], {cwd: dir}).stdout.length).toBeGreaterThan(65_536);
		for (let i = 0; i < 20; i++) {
			// Async: a blocking loop of this length would starve the test runner's own messages.
			// eslint-disable-next-line no-await-in-loop
			const r = await execa('bash', ['-c', pipeline], {cwd: dir, reject: false});
			expect(r.stdout.trim(), `run ${i}`).toBe('0');
			expect(readFileSync(path.join(dir, 'err'), 'utf8'), `run ${i}`).toBe('');
		}
	}, 300_000);
});
