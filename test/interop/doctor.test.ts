import {symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseToolVersion, probeTools, toolProbes} from '../../source/core/tools.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';

// How each tool states its own version, asked here independently of the probes under test.
const selfReport: Array<[tool: string, args: string[]]> = [
	['openssl', ['version']],
	['cfssl', ['version']],
	['kubectl', ['version', '--client']],
	['etcd', ['--version']],
	['etcdctl', ['version']],
	['tmux', ['-V']],
];
const everyTool = ['openssl', 'cfssl', 'cfssljson', 'kubectl', 'etcd', 'etcdctl', 'tmux'];

/** What each tool prints for its version, in its own words, with version 9.8.7 (the probes' patterns accept these). */
function versionLine(tool: string): string {
	const lines: Record<string, string> = {
		openssl: 'OpenSSL 9.8.7 1 Jan 2030',
		cfssl: 'Version: 9.8.7',
		cfssljson: 'Version: 9.8.7',
		kubectl: 'Client Version: v9.8.7',
		etcd: 'etcd Version: 9.8.7',
		etcdctl: 'etcdctl version: 9.8.7',
		tmux: 'tmux 9.8.7',
	};
	return lines[tool] ?? `${tool} 9.8.7`;
}

type Reported = {name: string; found: boolean; version?: string; neededFor?: string; install?: string[]};

describe('kubepki doctor with the real PATH', () => {
	const present = everyTool.filter(tool => hasTool(tool));

	it('finds every installed tool and reports the version the tool itself prints', () => {
		const r = kubepki(['doctor', '--json']);
		expect(r.status, r.stderr).toBe(0);
		const tools: Reported[] = JSON.parse(r.stdout).tools;
		expect(tools.map(t => t.name).sort()).toEqual([...everyTool].sort());
		for (const tool of tools) expect(tool.found, tool.name).toBe(present.includes(tool.name));
		for (const [name, args] of selfReport.filter(([name]) => present.includes(name))) {
			const reported = tools.find(t => t.name === name)!;
			expect(reported.version, name).toMatch(/^\d+\.\d+/);
			const own = runStatus(name, args);
			expect(own.stdout + own.stderr, name).toContain(reported.version!);
		}
	});

	it('prints one ✓ line per found tool with its version, and no install lines', () => {
		const r = kubepki(['doctor']);
		expect(r.status).toBe(0);
		expect(r.stdout).toContain(`${present.length} of ${everyTool.length} tools found`);
		const openssl = runStatus('openssl', ['version']).stdout.split(/\s+/)[1]!;
		if (present.includes('openssl')) expect(r.stdout).toMatch(new RegExp(`^✓ openssl +${openssl.replaceAll('.', '\\.')} +for reading any certificate`, 'm'));
		expect(r.stdout.match(/^✓ /gm) ?? []).toHaveLength(present.length);
		if (present.length === everyTool.length) expect(r.stdout).not.toContain('apt-get');
	});

	it('probes all tools in parallel: stand-ins that each wait until every one of them has started all answer', async () => {
		// Each stand-in marks that it started, then waits for the marks of all the others before printing a version.
		// Probed one after another, the first would wait for the rest for ever (the probes' own 3 s limit is off
		// here, so a loaded machine that starts the last stand-in late is not taken for one-by-one probing, and the
		// test's timeout ends the wait); probed together, they meet. No clock is read: the rendezvous proves the overlap.
		const bin = tempDir();
		const marks = tempDir();
		for (const probe of toolProbes) {
			const script = [
				'#!/bin/sh',
				`touch '${marks}/${probe.name}'`,
				`while [ "$(ls '${marks}' | wc -l)" -lt ${toolProbes.length} ]; do sleep 0.01; done`,
				// A line every probe's pattern accepts as a version (each tool words it its own way).
				`echo '${versionLine(probe.name)}'`,
			].join('\n');
			writeFileSync(path.join(bin, probe.name), script + '\n', {mode: 0o755});
		}

		const tools = await probeTools({PATH: `${bin}:/usr/bin:/bin`}, {timeoutMs: 0});
		expect(tools).toHaveLength(everyTool.length);
		for (const tool of tools) expect(tool.version, tool.name).toBe('9.8.7');
	});
});

describe('kubepki doctor with a PATH that holds only node', () => {
	const bin = tempDir();
	symlinkSync(process.execPath, path.join(bin, 'node'));
	const env = {PATH: bin};

	it('reports every tool missing, with the Debian/Ubuntu and macOS install commands, and still exits 0', () => {
		const r = kubepki(['doctor'], {env});
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toContain(`0 of ${everyTool.length} tools found`);
		expect(r.stdout.match(/^✗ /gm) ?? []).toHaveLength(everyTool.length);
		for (const line of [
			'Debian/Ubuntu: sudo apt-get install golang-cfssl',
			'macOS: brew install cfssl',
			'Debian/Ubuntu: sudo apt-get install etcd-server',
			'Debian/Ubuntu: sudo apt-get install etcd-client',
			'macOS: brew install kubernetes-cli',
			'pkgs.k8s.io',
		]) {
			expect(r.stdout).toContain(line);
		}

		// The dead sources the seed guide still points at.
		expect(r.stdout).not.toMatch(/apt\.kubernetes\.io|pkg\.cfssl\.org/);
	});

	it('says the same in --json: found false, no version, two install lines each', () => {
		const r = kubepki(['doctor', '--json'], {env});
		expect(r.status).toBe(0);
		const tools: Reported[] = JSON.parse(r.stdout).tools;
		expect(tools).toHaveLength(everyTool.length);
		for (const tool of tools) {
			expect(tool.found, tool.name).toBe(false);
			expect(tool.version, tool.name).toBeUndefined();
			expect(tool.neededFor, tool.name).toBeTruthy();
			expect(tool.install, tool.name).toEqual([expect.stringMatching(/^Debian\/Ubuntu: /), expect.stringMatching(/^macOS: brew install /)]);
		}
	});

	it('refuses a stray argument with exit 2', () => {
		const r = kubepki(['doctor', 'openssl']);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/^kubepki: doctor: unexpected argument "openssl"\n$/);
	});
});

describe('kubepki doctor with stand-in tools on PATH', () => {
	const bin = tempDir();
	symlinkSync(process.execPath, path.join(bin, 'node'));
	writeFileSync(path.join(bin, 'openssl'), '#!/bin/sh\necho "OpenSSL 9.8.7-test  1 Jan 2030 (Library: OpenSSL 9.8.7-test)"\n', {mode: 0o755});
	// Debian's cfssljson has no version flag: it complains and exits 2, yet it is there and works.
	writeFileSync(path.join(bin, 'cfssljson'), '#!/bin/sh\necho "flag provided but not defined: -version" >&2\nexit 2\n', {mode: 0o755});
	writeFileSync(path.join(bin, 'kubectl'), 'not a program\n', {mode: 0o644});

	it('takes the version from what the tool prints, counts a tool that rejects the flag as found, and a file that cannot run as missing', () => {
		const r = kubepki(['doctor', '--json'], {env: {PATH: bin}});
		expect(r.status, r.stderr).toBe(0);
		const tools: Reported[] = JSON.parse(r.stdout).tools;
		const byName = new Map(tools.map(t => [t.name, t]));
		expect(byName.get('openssl')).toMatchObject({found: true, version: '9.8.7-test'});
		expect(byName.get('cfssljson')?.found).toBe(true);
		expect(byName.get('cfssljson')?.version).toBeUndefined();
		expect(byName.get('kubectl')?.found).toBe(false);
		expect(byName.get('cfssl')?.found).toBe(false);
	});
});

describe('reading versions as other releases print them', () => {
	const probe = (name: string) => toolProbes.find(p => p.name === name)!;
	it.each([
		['openssl', 'OpenSSL 1.1.1w  11 Sep 2023', '1.1.1w'],
		['openssl', 'OpenSSL 3.5.0 8 Apr 2025 (Library: OpenSSL 3.5.0 8 Apr 2025)', '3.5.0'],
		['cfssl', 'Version: 1.6.5\nRuntime: go1.22.0', '1.6.5'],
		['cfssljson', 'Version: 1.6.5\nRuntime: go1.22.0', '1.6.5'],
		['kubectl', 'Client Version: v1.33.1\nKustomize Version: v5.6.0', '1.33.1'],
		['kubectl', 'Client Version: version.Info{Major:"1", Minor:"26", GitVersion:"v1.26.3", GitCommit:"9e64"}', '1.26.3'],
		['etcd', 'etcd Version: 3.6.1\nGit SHA: 1a2b\nGo Version: go1.23.9', '3.6.1'],
		['etcdctl', 'etcdctl version: 3.5.21\nAPI version: 3.5', '3.5.21'],
		['tmux', 'tmux next-3.6', '3.6'],
	])('%s: %j gives %s', (name, output, version) => {
		expect(parseToolVersion(probe(name), output)).toBe(version);
	});

	it('gives no version for output without one (Debian\'s cfssljson usage text)', () => {
		expect(parseToolVersion(probe('cfssljson'), 'flag provided but not defined: -version\nUsage of cfssljson:')).toBeUndefined();
	});
});
