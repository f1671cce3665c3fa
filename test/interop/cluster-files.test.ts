import type {ChildProcess} from 'node:child_process';
import {mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';
import {freePorts} from '../helpers/ports.js';
import {fakeVersion, kubectlVersion, runAsync, startClientCheckingEndpoint, type ClientCheckingEndpoint} from '../helpers/tls-endpoint.js';
import {spawnTied, stopProcess} from '../helpers/processes.js';
import {waitUntil} from '../helpers/until.js';

const haveKubectl = hasTool('kubectl');
const haveEtcd = hasTool('etcd') && hasTool('etcdctl');
const fixture = path.resolve(import.meta.dirname, '../../fixtures/cluster-3m.yaml');

// Who each kubeconfig must authenticate as (reference §1, §2), written out by hand: file -> CN, O.
const identities = (workers: string[]): Record<string, {cn: string; o: string[]}> => ({
	...Object.fromEntries(workers.map(w => [`${w}.kubeconfig`, {cn: `system:node:${w}`, o: ['system:nodes']}])),
	'kube-proxy.kubeconfig': {cn: 'system:kube-proxy', o: ['system:node-proxier']},
	'kube-controller-manager.kubeconfig': {cn: 'system:kube-controller-manager', o: ['system:kube-controller-manager']},
	'kube-scheduler.kubeconfig': {cn: 'system:kube-scheduler', o: ['system:kube-scheduler']},
	'admin.kubeconfig': {cn: 'admin', o: ['system:masters']},
});

const clusters = [
	{name: 'the built-in cluster', args: [] as string[], workers: ['node1', 'node2'], masters: ['master1', 'master2']},
	{name: 'the 3-master fixture', args: ['--config', fixture], workers: ['wk-1', 'wk-2', 'wk-3'], masters: ['cp-a', 'cp-b', 'cp-c']},
];

/** Generate each cluster once with the real CLI (ECDSA: RSA key generation is not the point here). */
const outDirs = new Map(clusters.map(cluster => [cluster.name, path.join(tempDir(), 'pki')]));
const generated = new Set<string>();
function outFor(name: string): string {
	const out = outDirs.get(name);
	if (!out || !generated.has(name)) throw new Error(`${name} was not generated`);
	return out;
}

beforeAll(() => {
	for (const cluster of clusters) {
		const result = kubepki(['generate', '--out', outDirs.get(cluster.name)!, '--algorithm', 'ecdsa-p256', '--quiet', ...cluster.args]);
		if (result.status !== 0) throw new Error(`generate for ${cluster.name} failed: ${result.stderr}`);
		generated.add(cluster.name);
	}
});

function filesUnder(dir: string): string[] {
	return readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(f => statSync(path.join(dir, f)).isFile());
}

describe.each(clusters)('files of $name', cluster => {
	it('holds exactly the expected files in every nodes/<host>/ bundle, keys and kubeconfigs 0600, same bytes as the originals', () => {
		const out = outFor(cluster.name);
		const master = ['admin.kubeconfig', 'ca-key.pem', 'ca.pem', 'encryption-config.yaml', 'etcd.service', 'kube-controller-manager.kubeconfig', 'kube-scheduler.kubeconfig', 'kubernetes-key.pem', 'kubernetes.pem', 'service-account-key.pem', 'service-account.pem'];
		// The units and configs of the services that read these files (units.ts): 0644, no secrets.
		const units = {
			master: ['kube-apiserver-to-kubelet.yaml', 'kube-apiserver.service', 'kube-controller-manager.service', 'kube-scheduler.service', 'kube-scheduler.yaml'],
			worker: ['kubelet.service', 'kubelet-config.yaml', 'kube-proxy.service', 'kube-proxy-config.yaml'],
		};
		const unitOriginal = (host: string, file: string) => (file === 'kube-apiserver-to-kubelet.yaml' ? path.join(out, file) : path.join(out, 'units', host, file));
		expect(readdirSync(path.join(out, 'nodes')).sort()).toEqual(['ansible', 'copy.sh', ...cluster.masters, ...cluster.workers].sort());
		for (const host of [...cluster.masters, ...cluster.workers]) {
			const dir = path.join(out, 'nodes', host);
			const role = cluster.masters.includes(host) ? 'master' : 'worker';
			const expected = [...(role === 'master' ? master : ['ca.pem', 'kube-proxy.kubeconfig', `${host}-key.pem`, `${host}.kubeconfig`, `${host}.pem`]), ...units[role]].sort();
			expect(readdirSync(dir).sort(), host).toEqual(expected);
			expect(statSync(dir).mode & 0o777).toBe(0o700);
			for (const file of expected) {
				const mode = statSync(path.join(dir, file)).mode & 0o777;
				const isUnit = units[role].includes(file);
				expect(mode, `${host}/${file}`).toBe(file.endsWith('.pem') && !file.endsWith('-key.pem') ? 0o644 : file === 'etcd.service' || isUnit ? 0o644 : 0o600);
				const original = file === 'etcd.service' ? path.join(out, 'etcd', `${host}.service`) : isUnit ? unitOriginal(host, file) : path.join(out, file);
				expect(readFileSync(path.join(dir, file), 'utf8'), `${host}/${file}`).toBe(readFileSync(original, 'utf8'));
			}
		}

		expect(statSync(path.join(out, 'nodes', 'copy.sh')).mode & 0o777).toBe(0o755);
		expect(runStatus('sh', ['-n', path.join(out, 'nodes', 'copy.sh')]).status).toBe(0);
	});

	it('writes an encryption key that decodes to 32 bytes, 0600', () => {
		const file = path.join(outFor(cluster.name), 'encryption-config.yaml');
		expect(statSync(file).mode & 0o777).toBe(0o600);
		const provider = parseYaml(readFileSync(file, 'utf8')).resources[0].providers[0];
		// secretbox by default: upstream calls aescbc not recommended.
		expect(Object.keys(provider)).toEqual(['secretbox']);
		expect(Buffer.from(provider.secretbox.keys[0].secret, 'base64')).toHaveLength(32);
	});

	it('lists every kubeconfig in the manifest with kind kubeconfig', () => {
		const manifest = JSON.parse(readFileSync(path.join(outFor(cluster.name), 'kubepki-manifest.json'), 'utf8'));
		const listed = manifest.files.filter((f: {kind: string}) => f.kind === 'kubeconfig').map((f: {path: string}) => f.path).sort();
		expect(listed).toEqual(Object.keys(identities(cluster.workers)).sort());
	});

	describe.skipIf(!haveKubectl)('with real kubectl', () => {
		it('kubectl config view --minify accepts every kubeconfig written, bundles included', () => {
			const out = outFor(cluster.name);
			const kubeconfigs = filesUnder(out).filter(f => f.endsWith('.kubeconfig'));
			// Top level, plus a copy in each worker's (2 each) and master's (3 each) bundle.
			expect(kubeconfigs).toHaveLength(cluster.workers.length + 4 + cluster.workers.length * 2 + cluster.masters.length * 3);
			for (const file of kubeconfigs) {
				const r = runStatus('kubectl', ['config', 'view', '--minify', '--kubeconfig', path.join(out, file), '-o', 'jsonpath={.clusters[0].cluster.server} {.contexts[0].context.user}']);
				expect(r.status, `${file}: ${r.stderr}`).toBe(0);
				expect(r.stdout, file).toMatch(/^https:\/\/[\d.]+:6443 \S+$/);
			}
		});

		describe('mutual TLS against a local endpoint presenting kubernetes.pem', () => {
			let endpoint: ClientCheckingEndpoint;
			const home = tempDir('kubepki-kubectl-home-');
			beforeAll(async () => {
				const out = outFor(cluster.name);
				// As kube-apiserver --client-ca-file: a client cert signed by ca.pem or no handshake.
				endpoint = await startClientCheckingEndpoint({
					cert: readFileSync(path.join(out, 'kubernetes.pem')),
					key: readFileSync(path.join(out, 'kubernetes-key.pem')),
					ca: readFileSync(path.join(out, 'ca.pem')),
				});
			});
			afterAll(async () => endpoint.close());

			const kubectl = async (kubeconfig: string) => kubectlVersion(kubeconfig, endpoint.port, home);

			it.each(Object.keys(identities(cluster.workers)))('%s: kubectl completes the handshake and the server sees the expected CN and O', async file => {
				endpoint.seen.length = 0;
				const r = await kubectl(path.join(outFor(cluster.name), file));
				expect(r.code, r.stderr).toBe(0);
				expect(JSON.parse(r.stdout).gitVersion).toBe(fakeVersion.gitVersion);
				// kubectl may ask /version?timeout=... first (its skew check): every request must carry the identity.
				expect(endpoint.seen.map(s => s.url)).toContain('/version');
				for (const request of endpoint.seen) expect({cn: request.cn, o: request.o}).toEqual(identities(cluster.workers)[file]);
			});

			it('rejects a kubeconfig of the other cluster (another CA): the endpoint really checks', async () => {
				const other = clusters.find(c => c !== cluster)!;
				endpoint.seen.length = 0;
				const r = await kubectl(path.join(outFor(other.name), 'admin.kubeconfig'));
				expect(r.code).not.toBe(0);
				expect(endpoint.seen).toEqual([]);
			});
		});
	});
});

describe.skipIf(!haveEtcd)('a real 2-member etcd cluster on loopback from the generated units', () => {
	const cluster = clusters[0]!;
	const members: Array<{name: string; client: number; peer: number; child?: ChildProcess; log: string[]}> = [];
	const data = tempDir('kubepki-etcd-');
	let out: string;

	const etcdctl = (endpoint: number, args: string[], withCert = true) =>
		runAsync(
			'etcdctl',
			[
				`--endpoints=https://127.0.0.1:${endpoint}`,
				`--cacert=${path.join(out, 'ca.pem')}`,
				...(withCert ? [`--cert=${path.join(out, 'kubernetes.pem')}`, `--key=${path.join(out, 'kubernetes-key.pem')}`] : []),
				'--command-timeout=5s',
				'--dial-timeout=3s',
				...args,
			],
			{...process.env, ETCDCTL_API: '3'},
		);

	beforeAll(async () => {
		out = outFor(cluster.name);
		const topology = parseYaml(readFileSync(path.join(out, 'kubepki-manifest.json'), 'utf8')).cluster as {masters: Array<{name: string; ip: string}>};
		const ports = await freePorts(topology.masters.length * 2);
		for (const [index, master] of topology.masters.entries()) {
			members.push({name: master.name, client: ports[2 * index]!, peer: ports[2 * index + 1]!, log: []});
		}

		expect(new Set(ports).size).toBe(ports.length);
		const ipOf = new Map(topology.masters.map(m => [m.name, m.ip]));

		// Only the URLs change (every master's IP and port -> a loopback port), plus where files live on this machine.
		const rewrite = (self: (typeof members)[number], value: string): string => {
			let result = value;
			for (const m of members) {
				const ip = ipOf.get(m.name)!;
				result = result.replaceAll(`https://${ip}:2380`, `https://127.0.0.1:${m.peer}`).replaceAll(`https://${ip}:2379`, `https://127.0.0.1:${m.client}`);
			}

			result = result.replaceAll('https://127.0.0.1:2379', `https://127.0.0.1:${self.client}`);
			// The unit listens on the master's IP and 127.0.0.1; here both are the same address: listen once.
			result = [...new Set(result.split(','))].join(',');
			return result.replaceAll('/etc/etcd/', `${out}/`).replace(/^\/var\/lib\/etcd$/, path.join(data, self.name));
		};

		// Member 1 from the systemd unit's ExecStart flags; member 2 from the .env file's ETCD_* variables.
		const [first, second] = members;
		const unit = readFileSync(path.join(out, 'etcd', `${first!.name}.service`), 'utf8');
		const exec = /^ExecStart=((?:.*\\\n)*.*)/m.exec(unit)?.[1] ?? '';
		const words = exec.replaceAll('\\\n', ' ').split(/\s+/).filter(Boolean);
		expect(words[0]).toBe('/usr/local/bin/etcd');
		const flags = words.slice(1).map(word => {
			const [flag, ...value] = word.split('=');
			return value.length > 0 ? `${flag}=${rewrite(first!, value.join('='))}` : word;
		});
		const env = Object.fromEntries(
			readFileSync(path.join(out, 'etcd', `${second!.name}.env`), 'utf8')
				.split('\n')
				.filter(line => /^ETCD_\w+=/.test(line))
				.map(line => [line.slice(0, line.indexOf('=')), rewrite(second!, line.slice(line.indexOf('=') + 1))]),
		);
		const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD')));

		for (const member of members) mkdirSync(path.join(data, member.name), {recursive: true, mode: 0o700});
		first!.child = spawnTied('etcd', flags, {env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe']});
		second!.child = spawnTied('etcd', [], {env: {...cleanEnv, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		for (const member of members) {
			const keep = (chunk: Buffer) => {
				member.log.push(chunk.toString());
				if (member.log.length > 200) member.log.shift();
			};
			member.child!.stdout!.on('data', keep);
			member.child!.stderr!.on('data', keep);
		}

		// Wait until both answer health checks: no clock of its own, the hook's timeout is the bound, and the
		// member's last words are reported with it.
		for (const member of members) {
			await waitUntil(
				`etcd ${member.name} to answer a health check`,
				async () => {
					const r = await etcdctl(member.client, ['endpoint', 'health']);
					if (r.code === 0) return {found: undefined};
					if (member.child!.exitCode !== null) throw new Error(`etcd ${member.name} did not become healthy: ${r.stderr}\n${member.log.join('').slice(-3000)}`);
					return {seen: `${r.stderr}\n${member.log.join('').slice(-3000)}`};
				},
				500,
			);
		}
	}, 60_000);

	afterAll(async () => {
		// Always stop both members, politely first, then for sure.
		await Promise.all(members.map(async member => member.child && stopProcess(member.child)));
	}, 15_000);

	it('reports both endpoints healthy with the API server\'s client certificate', async () => {
		for (const member of members) {
			const r = await etcdctl(member.client, ['endpoint', 'health']);
			expect(r.code, r.stderr).toBe(0);
			expect(r.stdout + r.stderr).toMatch(/is healthy/);
		}

		const list = await etcdctl(members[0]!.client, ['member', 'list']);
		expect(list.code, list.stderr).toBe(0);
		expect(list.stdout.trim().split('\n').map(line => line.split(', ')[2]).sort()).toEqual(cluster.masters);
	});

	it('stores a key through one member and reads it through the other', async () => {
		const put = await etcdctl(members[0]!.client, ['put', '/kubepki/test', 'hello from master1']);
		expect(put.code, put.stderr).toBe(0);
		const get = await etcdctl(members[1]!.client, ['get', '/kubepki/test', '--print-value-only']);
		expect(get.code, get.stderr).toBe(0);
		expect(get.stdout.trim()).toBe('hello from master1');
	});

	it('refuses a client without a certificate (--client-cert-auth)', async () => {
		const r = await etcdctl(members[1]!.client, ['get', '/kubepki/test'], false);
		expect(r.code).not.toBe(0);
	});
});

describe('--encryption-provider and re-runs, through the real CLI', () => {
	const out = path.join(tempDir(), 'pki');
	const key = () => {
		const provider = parseYaml(readFileSync(path.join(out, 'encryption-config.yaml'), 'utf8')).resources[0].providers[0];
		const [name] = Object.keys(provider);
		return {name, bytes: Buffer.from(provider[name!].keys[0].secret, 'base64')};
	};

	it('refuses an unknown provider with one line naming the flag, exit 2, nothing written', () => {
		const r = kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--encryption-provider', 'rot13']);
		expect(r.status).toBe(2);
		expect(r.stderr.trim().split('\n')).toHaveLength(1);
		expect(r.stderr).toMatch(/--encryption-provider.*rot13/);
		expect(() => statSync(out)).toThrow();
	});

	it('writes the guide\'s aescbc with a 32-byte key when asked, and keeps that provider and key on a re-run, --force included', () => {
		expect(kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--encryption-provider', 'aescbc', '-q']).status).toBe(0);
		const first = key();
		expect(first.name).toBe('aescbc');
		expect(first.bytes).toHaveLength(32);
		const again = kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256']);
		expect(again.status, again.stderr).toBe(0);
		expect(again.stdout).toContain('kept    encryption-config.yaml');
		const forced = kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--force', '-q']);
		expect(forced.status, forced.stderr).toBe(0);
		expect(key().bytes.equals(first.bytes)).toBe(true);
		expect(readFileSync(path.join(out, 'nodes', 'master1', 'encryption-config.yaml'), 'utf8')).toBe(readFileSync(path.join(out, 'encryption-config.yaml'), 'utf8'));
	});

	it('refuses to switch the provider of an existing file (exit 1) and leaves it as it was', () => {
		const before = readFileSync(path.join(out, 'encryption-config.yaml'), 'utf8');
		const r = kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--encryption-provider', 'secretbox']);
		expect(r.status).toBe(1);
		expect(r.stderr).toMatch(/already encrypts secrets with aescbc/);
		expect(r.stderr).not.toContain(key().bytes.toString('base64'));
		expect(readFileSync(path.join(out, 'encryption-config.yaml'), 'utf8')).toBe(before);
	});
});
