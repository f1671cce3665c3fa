// Issue 13: a real 2-member etcd runs on the certificates kubepki generated, `kubepki renew --all` re-issues
// them, and the members are restarted one at a time on the renewed files, as renew's restart order says. Each
// member reads its own copy of the files (its machine's /etc/etcd, here a folder per member), filled from
// nodes/<host>/ the way renew's per-machine list says. Between the two restarts one member serves the old
// certificate and the other the new: etcdctl with the renewed client certificate must see a healthy cluster at
// every step, and what was written before is still there after.
import {spawn, type ChildProcess} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {copyFileSync, mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeClusterFile} from '../helpers/cluster-file.js';
import {freePorts} from '../helpers/ports.js';
import {cliPath, hasTool, tempDir} from '../helpers/tools.js';
import {spawnTied, stopProcess} from '../helpers/processes.js';

const haveEtcd = hasTool('etcd') && hasTool('etcdctl');

type Member = {name: string; ip: string; client: number; peer: number; root: string; env: Record<string, string>; child?: ChildProcess; log: string[]};

async function runAsync(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		const child = spawn(command, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += chunk));
		child.stderr.on('data', chunk => (stderr += chunk));
		child.on('close', code => resolve({code, stdout, stderr}));
	});
}

/** The CLI, without blocking the event loop that drains the members' logs. */
const kubepki = async (args: readonly string[], cwd?: string) => {
	const r = await new Promise<{code: number | null; stdout: string; stderr: string}>(resolve => {
		const child = spawn(process.execPath, [cliPath, ...args], {cwd, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += chunk));
		child.stderr.on('data', chunk => (stderr += chunk));
		child.on('close', code => resolve({code, stdout, stderr}));
	});
	return {status: r.code, stdout: r.stdout, stderr: r.stderr};
};

/** The certificate a member serves on its client port, as a TLS client with the given client pair sees it. */
async function servedFingerprint(port: number, ca: string, cert: string, key: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = tls.connect({host: '127.0.0.1', port, ca: readFileSync(ca), cert: readFileSync(cert), key: readFileSync(key), servername: undefined, checkServerIdentity: () => undefined}, () => {
			const served = socket.getPeerX509Certificate();
			socket.end();
			if (!served) reject(new Error('no certificate served'));
			else resolve(served.fingerprint256);
		});
		socket.on('error', reject);
	});
}

describe.skipIf(!haveEtcd)('etcd restarted one member at a time on renewed certificates', () => {
	const root = tempDir('kubepki-renew-etcd-');
	const out = path.join(root, 'pki');
	const members: Member[] = [];
	const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD')));
	let renewOutput = '';

	/** etcdctl against both members with the folder's current API server certificate (etcd's client in the hard way). */
	const etcdctl = async (args: string[]) =>
		runAsync(
			'etcdctl',
			[
				`--endpoints=${members.map(m => `https://127.0.0.1:${m.client}`).join(',')}`,
				`--cacert=${path.join(out, 'ca.pem')}`,
				`--cert=${path.join(out, 'kubernetes.pem')}`,
				`--key=${path.join(out, 'kubernetes-key.pem')}`,
				'--command-timeout=5s',
				'--dial-timeout=3s',
				...args,
			],
			{...cleanEnv, ETCDCTL_API: '3'},
		);

	const start = (member: Member) => {
		member.child = spawnTied('etcd', [], {env: {...cleanEnv, ...member.env}, stdio: ['ignore', 'pipe', 'pipe']});
		const keep = (chunk: Buffer) => {
			member.log.push(chunk.toString());
			if (member.log.length > 200) member.log.shift();
		};
		member.child.stdout!.on('data', keep);
		member.child.stderr!.on('data', keep);
	};

	const stop = async (member: Member) => member.child && stopProcess(member.child);

	/** Until every member answers a health check (a read through the quorum); fails when a member has died. */
	const healthy = async () => {
		for (;;) {
			const r = await etcdctl(['endpoint', 'health']);
			if (r.code === 0) return r.stdout + r.stderr;
			const dead = members.find(m => m.child!.exitCode !== null || m.child!.signalCode !== null);
			if (dead) throw new Error(`etcd ${dead.name} ended: ${dead.log.join('').slice(-3000)}`);
			await new Promise(resolve => setTimeout(resolve, 200));
		}
	};

	/** Copy to a member's machine what renew's per-machine list says goes under /etc/etcd. */
	const install = (member: Member, lines: ReadonlyArray<{target: string; installTo: string[]}>) => {
		for (const {target, installTo} of lines) {
			for (const place of installTo.filter(p => p.startsWith('/etc/etcd/'))) copyFileSync(path.join(out, 'nodes', member.name, target), path.join(member.root, place));
		}
	};

	const served = async (member: Member) => servedFingerprint(member.client, path.join(out, 'ca.pem'), path.join(out, 'kubernetes.pem'), path.join(out, 'kubernetes-key.pem'));
	const fingerprintOf = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

	beforeAll(async () => {
		writeClusterFile(root, {name: 'etcdroll', masters: 2, workers: 1});
		const made = await kubepki(['generate', '--config', 'c.yaml', '--quiet'], root);
		expect(made.status, made.stderr).toBe(0);
		const ports = await freePorts(4);
		const ips = ['10.0.0.11', '10.0.0.12'];
		for (const [index, name] of ['m1', 'm2'].entries()) {
			members.push({name, ip: ips[index]!, client: ports[2 * index]!, peer: ports[2 * index + 1]!, root: path.join(root, 'machines', name), env: {}, log: []});
		}

		for (const member of members) {
			// The member's settings from its generated .env file; only addresses, ports and the machine's root change.
			const rewrite = (value: string) => {
				let result = value;
				for (const m of members) result = result.replaceAll(`https://${m.ip}:2380`, `https://127.0.0.1:${m.peer}`).replaceAll(`https://${m.ip}:2379`, `https://127.0.0.1:${m.client}`);
				result = result.replaceAll('https://127.0.0.1:2379', `https://127.0.0.1:${member.client}`);
				result = [...new Set(result.split(','))].join(',');
				return result.replace(/^\/(etc|var)\//, `${member.root}/$1/`);
			};

			const lines = readFileSync(path.join(out, 'etcd', `${member.name}.env`), 'utf8').split('\n').filter(line => /^ETCD_\w+=/.test(line));
			member.env = Object.fromEntries(lines.map(line => [line.slice(0, line.indexOf('=')), rewrite(line.slice(line.indexOf('=') + 1))]));
			mkdirSync(path.join(member.root, 'etc/etcd'), {recursive: true});
			mkdirSync(member.env.ETCD_DATA_DIR!, {recursive: true, mode: 0o700});
			// The first install: the files the member's settings name, from its bundle.
			for (const key of ['ETCD_CERT_FILE', 'ETCD_KEY_FILE', 'ETCD_PEER_CERT_FILE', 'ETCD_PEER_KEY_FILE', 'ETCD_TRUSTED_CA_FILE']) {
				copyFileSync(path.join(out, 'nodes', member.name, path.basename(member.env[key]!)), member.env[key]!);
			}
		}

		for (const member of members) start(member);
		await healthy();
	}, 600_000);

	afterAll(async () => {
		await Promise.all(members.map(stop));
	}, 60_000);

	it('is healthy on the generated certificates and keeps a key written before the renewal', async () => {
		const put = await etcdctl(['put', '/kubepki/day2', 'written before renew']);
		expect(put.code, put.stderr).toBe(0);
		const original = fingerprintOf(path.join(out, 'kubernetes.pem'));
		for (const member of members) expect(await served(member)).toBe(original);
	});

	it('renews etcd\'s certificate and lists, per master, the files to copy and etcd first in the restart order', async () => {
		const renewed = await kubepki(['renew', '--all', '--out', out]);
		expect(renewed.status, renewed.stderr).toBe(0);
		renewOutput = renewed.stdout;
		const steps = renewOutput.split('\n').filter(l => /^ {2}\d+\. /.test(l));
		expect(steps.slice(0, 2).map(l => l.replace(/ {3}#.*/, ''))).toEqual(['  1. m1: systemctl restart etcd', '  2. m2: systemctl restart etcd']);
	});

	it('stays healthy with the renewed client certificate while both members still serve the old one', async () => {
		expect(await healthy()).toMatch(/is healthy/);
		const renewed = fingerprintOf(path.join(out, 'kubernetes.pem'));
		for (const member of members) expect(await served(member)).not.toBe(renewed);
	});

	it('restarts m1 on the renewed files: a mixed cluster, old and new, is healthy and takes writes', async () => {
		const renewed = fingerprintOf(path.join(out, 'kubernetes.pem'));
		const m1 = members[0]!;
		install(m1, deliveries(renewOutput, 'm1'));
		await stop(m1);
		start(m1);
		expect(await healthy()).toMatch(/is healthy/);
		expect(await served(m1)).toBe(renewed);
		expect(await served(members[1]!)).not.toBe(renewed);
		const put = await etcdctl(['put', '/kubepki/mixed', 'written with one member renewed']);
		expect(put.code, put.stderr).toBe(0);
	});

	it('restarts m2: both serve the renewed certificate, every key is still there', async () => {
		const renewed = fingerprintOf(path.join(out, 'kubernetes.pem'));
		const m2 = members[1]!;
		install(m2, deliveries(renewOutput, 'm2'));
		await stop(m2);
		start(m2);
		expect(await healthy()).toMatch(/is healthy/);
		for (const member of members) expect(await served(member)).toBe(renewed);
		const list = await etcdctl(['member', 'list']);
		expect(list.code, list.stderr).toBe(0);
		expect(list.stdout.trim().split('\n').map(line => line.split(', ')[2]).sort()).toEqual(['m1', 'm2']);
		for (const [key, value] of [['/kubepki/day2', 'written before renew'], ['/kubepki/mixed', 'written with one member renewed']]) {
			const get = await etcdctl(['get', key!, '--print-value-only', '--consistency=l']);
			expect(get.code, get.stderr).toBe(0);
			expect(get.stdout.trim()).toBe(value);
		}
	});
});

/** The files renew lists for one machine: `    kubernetes.pem -> /etc/etcd/kubernetes.pem /var/lib/...`. */
function deliveries(output: string, host: string): Array<{target: string; installTo: string[]}> {
	const lines = output.split('\n');
	const at = lines.findIndex(line => new RegExp(`^ {2}${host} \\(`).test(line));
	expect(at, `${host} in renew's per-machine list`).toBeGreaterThan(-1);
	const result: Array<{target: string; installTo: string[]}> = [];
	for (const line of lines.slice(at + 1)) {
		const match = /^ {4}(\S+) -> (.+)$/.exec(line);
		if (!match) break;
		result.push({target: match[1]!, installTo: match[2]!.split(' ')});
	}

	expect(result.length, `${host}: files to copy`).toBeGreaterThan(0);
	return result;
}
