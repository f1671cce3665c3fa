import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll} from 'vitest';

/** Debian package that brings each tool the interop tests call. */
export const debianPackage: Record<string, string> = {
	openssl: 'openssl',
	cfssl: 'golang-cfssl',
	cfssljson: 'golang-cfssl',
	kubectl: 'kubernetes-client',
	etcd: 'etcd-server',
	etcdctl: 'etcd-client',
	tmux: 'tmux',
	'ansible-playbook': 'ansible-core',
	haproxy: 'haproxy',
	ip: 'iproute2',
	unshare: 'util-linux',
	nsenter: 'util-linux',
	strace: 'strace',
};

function onPath(tool: string): boolean {
	return spawnSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'}).status === 0;
}

/**
 * True when the tool is installed. In CI (CI=true) a missing tool is a failure, not a skip:
 * the run must prove the interop, not quietly pass without it. On a person's machine it skips and says
 * which package to install.
 */
export function hasTool(tool: string): boolean {
	// `npm run test:unit` (KUBEPKI_UNIT=1): core and UI only, no external tools, so the parts that need one skip.
	if (process.env.KUBEPKI_UNIT === '1') return false;
	if (onPath(tool)) return true;
	const hint = `${tool} is missing: apt-get install ${debianPackage[tool] ?? tool}`;
	if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0') throw new Error(`CI: ${hint}`);
	console.warn(`skipping tests that need ${hint}`);
	return false;
}

// Every folder tempDir made in this test file. One hook, registered when the file imports this module (so on the
// file's root suite), removes them all: a hook registered inside a skipped describe, or inside a test, never ran,
// and 22 folders were left behind per run. The exit handler covers a file that ends early.
const madeDirs = new Set<string>();
function removeMadeDirs(): void {
	for (const dir of madeDirs) rmSync(dir, {recursive: true, force: true});
	madeDirs.clear();
}

afterAll(removeMadeDirs);
process.once('exit', removeMadeDirs);

/** A temp folder removed after the file's tests, wherever in the file it was asked for. */
export function tempDir(prefix = 'kubepki-test-'): string {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	madeDirs.add(dir);
	return dir;
}

/** Run a tool and return stdout; throws with stderr on a non-zero exit. */
export function run(tool: string, args: string[], options: {cwd?: string; input?: string} = {}): string {
	return execFileSync(tool, args, {cwd: options.cwd, input: options.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']});
}

/** Like run, but returns the exit status and both streams instead of throwing. */
export function runStatus(tool: string, args: string[], options: {cwd?: string; input?: string; env?: NodeJS.ProcessEnv} = {}) {
	// A report of a thousand certificates is megabytes: well above spawnSync's 1 MiB default.
	const result = spawnSync(tool, args, {cwd: options.cwd, input: options.input, env: options.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024});
	return {status: result.status, stdout: result.stdout, stderr: result.stderr};
}

/** The built CLI (npm test builds it first through the pretest script). */
export const cliPath = path.resolve(import.meta.dirname, '../../dist/cli.js');

/** Run the real CLI as a user would; returns status and output. */
export function kubepki(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}) {
	return runStatus(process.execPath, [cliPath, ...args], {cwd: options.cwd, input: options.input, env: {...process.env, ...options.env}});
}
