// The copy scripts rotate-ca writes, run for real. kubeadm's layout: `DEST=dir sh copy.sh` writes each machine's
// files under dir/<host>/ at their full install paths (a stand-in for the machine's root), so pki/ca.crt and
// pki/etcd/ca.crt land in their own folders, with the folder's modes (keys 0600). The hard way: copy.sh's scp
// replaced by one on PATH that copies into a local folder per address, so each machine's home gets exactly its
// nodes/<host>/ files, modes kept. What each machine should get is read from the folder, not from the script.
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {writeClusterFile} from '../helpers/cluster-file.js';
import {kubepki, tempDir} from '../helpers/tools.js';

/** Every file under dir (relative path → sha256 and mode). */
function tree(dir: string): Map<string, string> {
	const result = new Map<string, string>();
	if (!existsSync(dir)) return result;
	for (const rel of readdirSync(dir, {recursive: true, encoding: 'utf8'})) {
		const stats = statSync(path.join(dir, rel));
		if (stats.isFile()) result.set(rel, `${createHash('sha256').update(readFileSync(path.join(dir, rel))).digest('hex')} ${(stats.mode & 0o777).toString(8)}`);
	}

	return result;
}

const sorted = (map: Map<string, string>) => [...map].sort(([a], [b]) => a.localeCompare(b));

function sh(script: string, args: string[], env: NodeJS.ProcessEnv) {
	const ran = spawnSync('sh', [script, ...args], {encoding: 'utf8', env: {...process.env, ...env}});
	expect(ran.status, `sh ${script} ${args.join(' ')}: ${ran.stderr}`).toBe(0);
	return ran;
}

const phases = ['start', 'reissue', 'finish'] as const;
const hosts = ['m1', 'm2', 'w1'];

describe('kubeadm layout: generate writes copy.sh, and each rotate-ca phase copy.sh and copy-all.sh, which put every file at its full path', () => {
	const root = tempDir('kubepki-rotate-copy-kubeadm-');
	const dir = path.join(root, 'pki');
	writeClusterFile(root, {name: 'copyk', masters: 2, workers: 1});

	/** What a machine holds once every file of its <host>/ folder is installed: /etc/kubernetes/..., units in /etc/systemd/system/. */
	function expectedRoot(host: string, only?: readonly string[]): Map<string, string> {
		const result = new Map<string, string>();
		for (const [rel, sum] of tree(path.join(dir, host))) {
			if (only && !only.includes(rel)) continue;
			result.set(rel.startsWith('systemd/') ? `etc/systemd/system/${rel.slice('systemd/'.length)}` : `etc/kubernetes/${rel}`, sum);
		}

		return result;
	}

	it('generate, then per phase: copy.sh adds exactly what the phase changed, copy-all.sh the whole tree; sh copy.sh HOST copies one machine', () => {
		const made = kubepki(['generate', '--config', path.join(root, 'c.yaml'), '--layout', 'kubeadm', '--quiet', '--out', dir]);
		expect(made.status, made.stderr).toBe(0);
		const machines = path.join(root, 'machines');
		for (const host of hosts) expect(expectedRoot(host).size, host).toBeGreaterThan(3);
		// generate writes copy.sh too: every file of each machine, at its full path, keys 0600.
		expect((statSync(path.join(dir, 'copy.sh')).mode & 0o777).toString(8)).toBe('755');
		const first = path.join(machines, 'generate');
		sh(path.join(dir, 'copy.sh'), [], {DEST: first});
		for (const host of hosts) expect(sorted(tree(path.join(first, host))), `generate: ${host}`).toEqual(sorted(expectedRoot(host)));
		expect(tree(path.join(first, 'm1')).get('etc/kubernetes/pki/ca.key')).toMatch(/ 600$/);
		const justW1 = path.join(machines, 'generate-w1');
		sh(path.join(dir, 'copy.sh'), ['w1'], {DEST: justW1});
		expect(readdirSync(justW1)).toEqual(['w1']);
		for (const phase of phases) {
			const ran = kubepki(['rotate-ca', phase, '--out', dir]);
			expect(ran.status, ran.stderr).toBe(0);
			expect(ran.stdout, phase).toContain(`sh ${dir}/copy.sh copies only these`);
			const status = JSON.parse(kubepki(['rotate-ca', 'status', '--json', '--out', dir]).stdout) as {copyNext: Array<{host: string; files: string[]}>};
			for (const script of ['copy.sh', 'copy-all.sh']) expect((statSync(path.join(dir, script)).mode & 0o777).toString(8), script).toBe('755');
			// copy.sh into empty roots: exactly the files the phase changed (status's list), the folder's bytes and modes.
			const dest = path.join(machines, phase);
			sh(path.join(dir, 'copy.sh'), [], {DEST: dest});
			const changed = new Map(status.copyNext.map(c => [c.host, c.files]));
			expect([...changed.keys()].sort(), phase).toEqual(hosts);
			for (const host of hosts) {
				const want = expectedRoot(host, changed.get(host));
				expect(want.size, `${phase}: ${host}`).toBe(changed.get(host)!.length);
				expect(sorted(tree(path.join(dest, host))), `${phase}: ${host}`).toEqual(sorted(want));
			}

			// copy-all.sh into empty roots: each machine's whole folder, nothing more.
			const fresh = path.join(machines, `${phase}-all`);
			sh(path.join(dir, 'copy-all.sh'), [], {DEST: fresh});
			for (const host of hosts) expect(sorted(tree(path.join(fresh, host))), `${phase}: copy-all ${host}`).toEqual(sorted(expectedRoot(host)));
			// The two CA files of the same name stay apart, and the keys arrive 0600.
			const m1 = tree(path.join(fresh, 'm1'));
			expect(m1.get('etc/kubernetes/pki/ca.crt')?.split(' ')[0], phase).not.toBe(m1.get('etc/kubernetes/pki/etcd/ca.crt')?.split(' ')[0]);
			const keys = [...m1].filter(([rel]) => rel.endsWith('.key') || rel.endsWith('.conf'));
			expect(keys.length, phase).toBeGreaterThan(5);
			expect(keys.filter(([, sum]) => !sum.endsWith(' 600')).map(([rel]) => rel), `${phase}: keys not 0600`).toEqual([]);

			// One machine named: only it.
			const one = path.join(machines, `${phase}-one`);
			sh(path.join(dir, 'copy-all.sh'), ['w1'], {DEST: one});
			expect(readdirSync(one), phase).toEqual(['w1']);
		}
	}, 600_000);
});

describe('the hard way: each rotate-ca phase\'s copy.sh and copy-all.sh, run with an scp that copies locally', () => {
	const root = tempDir('kubepki-rotate-copy-hardway-');
	const dir = path.join(root, 'pki');
	writeClusterFile(root, {name: 'copyh', masters: 2, workers: 1});
	const address: Record<string, string> = {m1: '10.0.0.11', m2: '10.0.0.12', w1: '10.0.0.21'};
	// scp -p FILE... [user@]ADDRESS:~/ becomes cp -p FILE... $HOMES/ADDRESS/: each machine's home folder, here.
	const bin = path.join(root, 'bin');
	mkdirSync(bin);
	writeFileSync(
		path.join(bin, 'scp'),
		['#!/bin/sh', 'set -eu', '[ "$1" = -p ] || { echo "scp without -p" >&2; exit 1; }', 'shift', 'for last; do :; done', 'host=${last%%:*}', 'host=${host#*@}', 'mkdir -p "$HOMES/$host"', 'while [ $# -gt 1 ]; do cp -p "$1" "$HOMES/$host/"; shift; done', ''].join('\n'),
		{mode: 0o755},
	);

	it('copy.sh puts exactly what the phase changed in each home, copy-all.sh every nodes/<host>/ file, modes kept', () => {
		const made = kubepki(['generate', '--config', path.join(root, 'c.yaml'), '--quiet', '--out', dir]);
		expect(made.status, made.stderr).toBe(0);
		for (const phase of phases) {
			const ran = kubepki(['rotate-ca', phase, '--out', dir]);
			expect(ran.status, ran.stderr).toBe(0);
			const status = JSON.parse(kubepki(['rotate-ca', 'status', '--json', '--out', dir]).stdout) as {copyNext: Array<{host: string; files: string[]}>};
			const changed = new Map(status.copyNext.map(c => [c.host, c.files]));
			expect([...changed.keys()].sort(), phase).toEqual(hosts);
			const homes = path.join(root, `${phase}-homes`);
			sh(path.join(dir, 'nodes', 'copy.sh'), [], {HOMES: homes, PATH: `${bin}:${process.env.PATH}`});
			const all = path.join(root, `${phase}-all`);
			sh(path.join(dir, 'nodes', 'copy-all.sh'), [], {HOMES: all, PATH: `${bin}:${process.env.PATH}`});
			for (const host of hosts) {
				const bundle = tree(path.join(dir, 'nodes', host));
				expect(bundle.size, host).toBeGreaterThan(3);
				const want = new Map([...bundle].filter(([rel]) => changed.get(host)!.includes(rel)));
				expect(want.size, `${phase}: ${host}`).toBe(changed.get(host)!.length);
				expect(sorted(tree(path.join(homes, address[host]!))), `${phase}: copy.sh to ${host}`).toEqual(sorted(want));
				const home = tree(path.join(all, address[host]!));
				expect(sorted(home), `${phase}: copy-all.sh to ${host}`).toEqual(sorted(bundle));
				const keys = [...home].filter(([rel]) => rel.endsWith('-key.pem') || rel.endsWith('.kubeconfig'));
				expect(keys.length, `${phase}: ${host}`).toBeGreaterThan(1);
				expect(keys.filter(([, sum]) => !sum.endsWith(' 600')).map(([rel]) => rel), `${phase}: ${host}: keys not 0600`).toEqual([]);
			}
		}
	}, 600_000);
});
