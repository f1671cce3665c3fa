import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createServer as createHttpsServer, type Server} from 'node:https';
import {createServer as createNetServer, type AddressInfo} from 'node:net';
import path from 'node:path';
import type {TLSSocket} from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {certInfo} from '../../source/core/pki/cert-info.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';
import {stopProcess} from '../helpers/processes.js';
import {waitUntil} from '../helpers/until.js';

const haveOpenssl = hasTool('openssl');
const haveKubectl = hasTool('kubectl');
const haveEtcd = hasTool('etcd') && hasTool('etcdctl');
const fixture = path.resolve(import.meta.dirname, '../../fixtures/cluster-3m.yaml');

// kubeadm's files under /etc/kubernetes/pki of a control-plane node (reference §7), and the CA that signs each.
const masterPki: Record<string, string | undefined> = {
	ca: undefined,
	'front-proxy-ca': undefined,
	'etcd/ca': undefined,
	apiserver: 'ca',
	'apiserver-kubelet-client': 'ca',
	'front-proxy-client': 'front-proxy-ca',
	'etcd/server': 'etcd/ca',
	'etcd/peer': 'etcd/ca',
	'etcd/healthcheck-client': 'etcd/ca',
	'apiserver-etcd-client': 'etcd/ca',
};
const servers = new Set(['apiserver', 'etcd/server', 'etcd/peer']);
const clients = new Set(['apiserver-kubelet-client', 'front-proxy-client', 'etcd/server', 'etcd/peer', 'etcd/healthcheck-client', 'apiserver-etcd-client']);

type Cluster = {masters: Array<{name: string; ip: string}>; workers: string[]; lb: string};
const builtIn: Cluster = {
	masters: [
		{name: 'master1', ip: '10.128.15.221'},
		{name: 'master2', ip: '10.128.15.222'},
	],
	workers: ['node1', 'node2'],
	lb: '10.128.15.226',
};
const threeMasters: Cluster = {
	masters: [
		{name: 'cp-a', ip: '192.168.50.11'},
		{name: 'cp-b', ip: '192.168.50.12'},
		{name: 'cp-c', ip: '192.168.50.13'},
	],
	workers: ['wk-1', 'wk-2', 'wk-3'],
	lb: '192.168.50.10',
};

const lintIsPlaceholder = /not built yet/.test(kubepki(['lint', '.']).stderr);

describe.skipIf(!haveOpenssl).each([
	['the built-in cluster (RSA-2048)', [] as string[], builtIn],
	['the 3-master fixture (ECDSA P-256)', ['--config', fixture, '--algorithm', 'ecdsa-p256'], threeMasters],
])('kubepki generate --layout kubeadm for %s', (_name, args, cluster) => {
	const out = path.join(tempDir(), 'kubernetes');
	const first = cluster.masters[0]!.name;
	let generated: ReturnType<typeof kubepki>;
	const pki = (host: string, name: string) => path.join(out, host, 'pki', name);
	const subjectOf = (file: string) => certInfo(readFileSync(file, 'utf8'));

	beforeAll(() => {
		generated = kubepki(['generate', '--layout', 'kubeadm', '--out', out, ...args]);
	}, 60_000);

	it('writes each master\'s /etc/kubernetes under kubeadm\'s names, and each worker only kubelet.conf and ca.crt', () => {
		expect(generated.status, generated.stderr).toBe(0);
		for (const {name} of cluster.masters) {
			for (const base of Object.keys(masterPki)) {
				expect(existsSync(pki(name, `${base}.crt`)), `${name} ${base}.crt`).toBe(true);
				expect(existsSync(pki(name, `${base}.key`)), `${name} ${base}.key`).toBe(true);
			}

			for (const file of ['pki/sa.key', 'pki/sa.pub', 'admin.conf', 'controller-manager.conf', 'scheduler.conf', 'kubelet.conf']) {
				expect(existsSync(path.join(out, name, file)), `${name} ${file}`).toBe(true);
			}

			// kubeadm init leaves super-admin.conf on the first control-plane node only.
			expect(existsSync(path.join(out, name, 'super-admin.conf')), `${name} super-admin.conf`).toBe(name === first);
		}

		for (const worker of cluster.workers) {
			const files = readdirSync(path.join(out, worker), {recursive: true, withFileTypes: true}).filter(e => e.isFile()).map(e => path.relative(path.join(out, worker), path.join(e.parentPath, e.name)));
			// The kubelet's unit and configuration (kubeadm-units.ts) beside what kubeadm join would leave.
			expect(files.sort()).toEqual(['kubelet-config.yaml', 'kubelet.conf', 'pki/ca.crt', 'systemd/kubelet.service']);
		}
	});

	it('passes openssl verify -x509_strict for every leaf against its own CA (ca, etcd/ca, front-proxy-ca), with the right purpose', () => {
		for (const {name} of cluster.masters) {
			for (const [base, ca] of Object.entries(masterPki)) {
				if (!ca) continue;
				const purposes = ['any', ...(servers.has(base) ? ['sslserver'] : []), ...(clients.has(base) ? ['sslclient'] : [])];
				for (const purpose of purposes) {
					const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', `pki/${ca}.crt`, `pki/${base}.crt`], {cwd: path.join(out, name)});
					expect(`${name} ${base} ${purpose}: ${r.stdout.trim()}`).toBe(`${name} ${base} ${purpose}: pki/${base}.crt: OK`);
				}
			}
		}
	});

	it('keeps the three trust domains apart: an etcd certificate does not verify against the cluster CA, nor the front proxy client', () => {
		const cwd = path.join(out, first);
		for (const base of ['etcd/server', 'apiserver-etcd-client', 'front-proxy-client']) {
			const r = runStatus('openssl', ['verify', '-CAfile', 'pki/ca.crt', `pki/${base}.crt`], {cwd});
			expect(r.status, base).not.toBe(0);
		}
	});

	it('uses kubeadm\'s subjects and usages', () => {
		const api = subjectOf(pki(first, 'apiserver.crt'));
		expect(api.commonName).toBe('kube-apiserver');
		expect(api.extKeyUsage).toEqual(['serverAuth']);
		expect(api.dnsNames).toEqual(expect.arrayContaining(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc']));
		expect(api.ipAddresses).toEqual(expect.arrayContaining([cluster.lb, ...cluster.masters.map(m => m.ip)]));
		const kubeletClient = subjectOf(pki(first, 'apiserver-kubelet-client.crt'));
		expect([kubeletClient.commonName, kubeletClient.organizations]).toEqual(['kube-apiserver-kubelet-client', ['kubeadm:cluster-admins']]);
		expect(subjectOf(pki(first, 'front-proxy-client.crt')).commonName).toBe('front-proxy-client');
		expect(subjectOf(pki(first, 'etcd/healthcheck-client.crt')).commonName).toBe('kube-etcd-healthcheck-client');
		expect(subjectOf(pki(first, 'apiserver-etcd-client.crt')).commonName).toBe('kube-apiserver-etcd-client');
		expect([subjectOf(pki(first, 'ca.crt')).commonName, subjectOf(pki(first, 'etcd/ca.crt')).commonName, subjectOf(pki(first, 'front-proxy-ca.crt')).commonName]).toEqual([
			'kubernetes',
			'etcd-ca',
			'front-proxy-ca',
		]);
		for (const {name, ip} of cluster.masters) {
			for (const base of ['etcd/server', 'etcd/peer']) {
				const info = subjectOf(pki(name, `${base}.crt`));
				expect(info.commonName, `${name} ${base}`).toBe(name);
				expect(info.extKeyUsage.sort(), `${name} ${base}`).toEqual(['clientAuth', 'serverAuth']);
				expect(info.dnsNames.sort(), `${name} ${base}`).toEqual(['localhost', name].sort());
				const r = runStatus('openssl', ['x509', '-noout', '-checkip', '::1', '-in', `pki/${base}.crt`], {cwd: path.join(out, name)});
				expect(r.stdout.trim()).toBe('IP ::1 does match certificate');
				expect(info.ipAddresses, `${name} ${base}`).toEqual(expect.arrayContaining([ip, '127.0.0.1']));
			}
		}
	});

	it('writes sa.key and the sa.pub that belongs to it', () => {
		const cwd = path.join(out, first, 'pki');
		const pub = runStatus('openssl', ['pkey', '-in', 'sa.key', '-pubout'], {cwd});
		expect(pub.status).toBe(0);
		expect(pub.stdout).toBe(readFileSync(path.join(cwd, 'sa.pub'), 'utf8'));
	});

	it('writes, beside super-admin.conf only, the ClusterRoleBinding that gives admin.conf\'s group cluster-admin', () => {
		const hosts = [...cluster.masters.map(m => m.name), ...cluster.workers];
		expect(hosts.filter(host => existsSync(path.join(out, host, 'cluster-admins-binding.yaml')))).toEqual([first]);
		const binding = parseYaml(readFileSync(path.join(out, first, 'cluster-admins-binding.yaml'), 'utf8')) as {
			kind: string;
			roleRef: {kind: string; name: string};
			subjects: Array<{kind: string; name: string}>;
		};
		// The group bound is the one in the certificate admin.conf actually carries.
		const admin = parseYaml(readFileSync(path.join(out, first, 'admin.conf'), 'utf8')) as {users: Array<{user: Record<string, string>}>};
		const cert = certInfo(Buffer.from(admin.users[0]!.user['client-certificate-data']!, 'base64').toString());
		expect(binding.kind).toBe('ClusterRoleBinding');
		expect(binding.roleRef).toMatchObject({kind: 'ClusterRole', name: 'cluster-admin'});
		expect(binding.subjects).toEqual([expect.objectContaining({kind: 'Group', name: cert.organizations[0]})]);
		expect(cert.organizations).not.toContain('system:masters');
	});

	it.skipIf(!haveKubectl)('writes .conf files kubectl reads, with kubeadm\'s identities, servers and user@cluster contexts', () => {
		const expected = (host: string, ip: string | undefined) => [
			...(ip
				? [
						['admin.conf', 'kubernetes-admin', ['kubeadm:cluster-admins'], cluster.lb],
						['controller-manager.conf', 'system:kube-controller-manager', [], ip],
						['scheduler.conf', 'system:kube-scheduler', [], ip],
						...(host === first ? [['super-admin.conf', 'kubernetes-super-admin', ['system:masters'], cluster.lb]] : []),
					]
				: []),
			['kubelet.conf', `system:node:${host}`, ['system:nodes'], cluster.lb],
		] as Array<[string, string, string[], string]>;
		const hosts = [...cluster.masters.map(m => [m.name, m.ip] as const), ...cluster.workers.map(w => [w, undefined] as const)];
		for (const [host, ip] of hosts) {
			for (const [file, user, groups, serverIp] of expected(host, ip)) {
				const r = runStatus('kubectl', ['config', 'view', '--minify', '--raw', '-o', 'json', '--kubeconfig', path.join(out, host, file)]);
				expect(r.status, `${host}/${file}: ${r.stderr}`).toBe(0);
				const config = JSON.parse(r.stdout);
				expect(config['current-context'], `${host}/${file}`).toMatch(new RegExp(`^${user}@`));
				expect(config.clusters[0].cluster.server, `${host}/${file}`).toBe(`https://${serverIp}:6443`);
				const cert = certInfo(Buffer.from(config.users[0].user['client-certificate-data'], 'base64').toString());
				expect([cert.commonName, cert.organizations], `${host}/${file}`).toEqual([user, groups]);
				expect(cert.extKeyUsage, `${host}/${file}`).toEqual(['clientAuth']);
				expect(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), `${host}/${file}`).toBe(
					readFileSync(pki(host, 'ca.crt'), 'utf8'),
				);
			}
		}
	});

	it('writes keys and .conf files 0600', () => {
		const files = readdirSync(out, {recursive: true, withFileTypes: true}).filter(e => e.isFile() && /\.(key|conf)$/.test(e.name));
		expect(files.length).toBeGreaterThan(20);
		for (const entry of files) expect(statSync(path.join(entry.parentPath, entry.name)).mode & 0o777, entry.name).toBe(0o600);
	});

	it.skipIf(lintIsPlaceholder)('passes kubepki lint with no findings', () => {
		const r = kubepki(['lint', '--json', out]);
		expect(r.status, r.stderr).toBe(0);
		expect(JSON.parse(r.stdout).findings).toEqual([]);
	});
});

describe.skipIf(!haveOpenssl)('kubepki generate --layout kubeadm on an earlier run', () => {
	const out = path.join(tempDir(), 'kubernetes');
	const read = (file: string) => readFileSync(path.join(out, file), 'utf8');
	const cas = ['master1/pki/ca.crt', 'master1/pki/etcd/ca.crt', 'master1/pki/front-proxy-ca.crt'];
	const run = (...extra: string[]) => kubepki(['generate', '--layout', 'kubeadm', '--algorithm', 'ecdsa-p256', '--out', out, ...extra]);

	it('reuses the three CAs and signs fresh leaves with them', () => {
		expect(run('--quiet').status).toBe(0);
		const before = cas.map(read);
		const apiserver = read('master1/pki/apiserver.crt');
		const again = run();
		expect(again.status, again.stderr).toBe(0);
		expect(again.stdout).toMatch(/3 kept/);
		expect(cas.map(read)).toEqual(before);
		expect(read('master1/pki/apiserver.crt')).not.toBe(apiserver);
		const cwd = path.join(out, 'master1');
		for (const [leaf, ca] of [['apiserver', 'ca'], ['etcd/server', 'etcd/ca'], ['front-proxy-client', 'front-proxy-ca']]) {
			expect(runStatus('openssl', ['verify', '-CAfile', `pki/${ca}.crt`, `pki/${leaf}.crt`], {cwd}).stdout.trim()).toBe(`pki/${leaf}.crt: OK`);
		}
	});

	it('refuses (exit 1) when a CA key is gone, and changes nothing', () => {
		const before = readdirSync(out, {recursive: true}).map(f => `${f}:${statSync(path.join(out, String(f))).mtimeMs}`);
		const removed = path.join(out, 'master1/pki/etcd/ca.key');
		const key = readFileSync(removed);
		rmSync(removed);
		const r = run();
		expect(r.status).toBe(1);
		expect(r.stderr.trim().split('\n')).toHaveLength(1);
		expect(r.stderr).toContain('etcd/ca.key is missing but master1/pki/etcd/ca.crt exists');
		writeFileSync(removed, key, {mode: 0o600});
		expect(readdirSync(out, {recursive: true}).map(f => `${f}:${statSync(path.join(out, String(f))).mtimeMs}`).filter(e => !e.startsWith('master1/pki/etcd'))).toEqual(
			before.filter(e => !e.startsWith('master1/pki/etcd')),
		);
	});

	it('replaces every CA only with --force', () => {
		const before = cas.map(read);
		expect(run('--force', '--quiet').status).toBe(0);
		const after = cas.map(read);
		for (const [index, ca] of after.entries()) expect(ca, cas[index]).not.toBe(before[index]);
	});
});

describe('kubepki generate --layout: bad usage', () => {
	const dir = tempDir();
	it.each([
		[['generate', '--layout', 'kops'], /^kubepki: --layout: must be one of hardway, kubeadm \(got "kops"\)\n$/],
		[['generate', '--layout', 'kubeadm', '--encryption-provider', 'secretbox'], /^kubepki: --encryption-provider: only with --layout hardway/],
	])('%j exits 2 with one line and writes nothing', (args, message) => {
		const r = kubepki([...args, '--out', path.join(dir, 'out')]);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(message);
		expect(existsSync(path.join(dir, 'out'))).toBe(false);
	});
});

/** A TCP port nobody listens on right now (the kernel picks it). */
async function unusedPort(): Promise<number> {
	const server = createNetServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}

/** Run a tool without blocking the event loop (the servers under test live in this process). */
async function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{code: number; output: string}> {
	return new Promise(resolve => {
		execFile(tool, args, {env, timeout: 20_000}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}`});
		});
	});
}

describe.skipIf(!haveOpenssl)('the kubeadm layout with real servers', () => {
	const out = path.join(tempDir(), 'kubernetes');
	const master = (file: string) => path.join(out, 'master1', file);

	beforeAll(() => {
		const r = kubepki(['generate', '--layout', 'kubeadm', '--algorithm', 'ecdsa-p256', '--quiet', '--out', out]);
		expect(r.status, r.stderr).toBe(0);
	});

	describe.skipIf(!haveEtcd)('etcd serving with etcd/server.crt and trusting only etcd/ca.crt', () => {
		let etcd: ChildProcess | undefined;
		let client = 0;
		const log: string[] = [];
		const etcdctl = async (endpoint: string, cert: string, args: string[]) =>
			runTool(
				'etcdctl',
				[`--endpoints=${endpoint}`, `--cacert=${master('pki/etcd/ca.crt')}`, `--cert=${master(`pki/${cert}.crt`)}`, `--key=${master(`pki/${cert}.key`)}`, '--dial-timeout=3s', '--command-timeout=5s', ...args],
				{...process.env, ETCDCTL_API: '3'},
			);

		beforeAll(async () => {
			client = await unusedPort();
			const peer = await unusedPort();
			const data = path.join(tempDir('kubepki-etcd-'), 'master1');
			mkdirSync(data, {mode: 0o700});
			const pki = (file: string) => master(`pki/etcd/${file}`);
			// The flags kubeadm's etcd static pod uses, on loopback ports.
			etcd = spawn('etcd', [
				'--name=master1',
				`--data-dir=${data}`,
				`--listen-client-urls=https://127.0.0.1:${client}`,
				`--advertise-client-urls=https://127.0.0.1:${client}`,
				`--listen-peer-urls=https://127.0.0.1:${peer}`,
				`--initial-advertise-peer-urls=https://127.0.0.1:${peer}`,
				`--initial-cluster=master1=https://127.0.0.1:${peer}`,
				`--cert-file=${pki('server.crt')}`,
				`--key-file=${pki('server.key')}`,
				`--peer-cert-file=${pki('peer.crt')}`,
				`--peer-key-file=${pki('peer.key')}`,
				`--trusted-ca-file=${pki('ca.crt')}`,
				`--peer-trusted-ca-file=${pki('ca.crt')}`,
				'--client-cert-auth',
				'--peer-client-cert-auth',
			], {env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD'))), stdio: ['ignore', 'pipe', 'pipe']});
			const keep = (chunk: Buffer) => log.push(chunk.toString());
			etcd.stdout!.on('data', keep);
			etcd.stderr!.on('data', keep);
			// No clock of its own: the hook's timeout is the bound, and etcd's last words are reported with it.
			await waitUntil(
				'etcd to answer a health check',
				async () => {
					const r = await etcdctl(`https://127.0.0.1:${client}`, 'etcd/healthcheck-client', ['endpoint', 'health']);
					if (r.code === 0) return {found: undefined};
					if (etcd!.exitCode !== null) throw new Error(`etcd did not become healthy: ${r.output}\n${log.join('').slice(-3000)}`);
					return {seen: `${r.output}\n${log.join('').slice(-3000)}`};
				},
				500,
			);
		}, 60_000);

		afterAll(async () => {
			if (etcd) await stopProcess(etcd);
		}, 15_000);

		it('lets the API server\'s etcd client write and read, by IP and by localhost', async () => {
			const put = await etcdctl(`https://127.0.0.1:${client}`, 'apiserver-etcd-client', ['put', '/kubepki/kubeadm', 'ok']);
			expect(put.code, put.output).toBe(0);
			const get = await etcdctl(`https://localhost:${client}`, 'apiserver-etcd-client', ['get', '/kubepki/kubeadm', '--print-value-only']);
			expect(get.code, get.output).toBe(0);
			expect(get.output.trim()).toBe('ok');
		});

		it('refuses a certificate of the cluster CA: etcd trusts only its own', async () => {
			const r = await etcdctl(`https://127.0.0.1:${client}`, 'apiserver-kubelet-client', ['--command-timeout=2s', 'get', '/kubepki/kubeadm']);
			expect(r.code).not.toBe(0);
		});
	});

	describe.skipIf(!haveKubectl)('kubectl with admin.conf against a TLS endpoint presenting apiserver.crt', () => {
		let server: Server;
		let port = 0;

		beforeAll(async () => {
			// Like the API server: its own certificate, and client certificates signed by ca.crt required.
			server = createHttpsServer(
				{cert: readFileSync(master('pki/apiserver.crt')), key: readFileSync(master('pki/apiserver.key')), ca: readFileSync(master('pki/ca.crt')), requestCert: true, rejectUnauthorized: true},
				(request, response) => {
					const peer = (request.socket as TLSSocket).getPeerCertificate();
					response.setHeader('content-type', 'application/json');
					response.end(JSON.stringify({kind: 'Status', status: 'Success', message: `hello ${peer.subject?.CN}`}));
				},
			);
			await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
			port = (server.address() as AddressInfo).port;
		});

		afterAll(async () => new Promise(resolve => server.close(resolve)));

		it.each(['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'kubelet.conf'])('%s completes mutual TLS and logs in as its CN', async file => {
			const r = await runTool('kubectl', ['--kubeconfig', master(file), '--server', `https://127.0.0.1:${port}`, 'get', '--raw', '/healthz']);
			expect(r.code, r.output).toBe(0);
			const expectedUser = {'admin.conf': 'kubernetes-admin', 'super-admin.conf': 'kubernetes-super-admin', 'controller-manager.conf': 'system:kube-controller-manager', 'kubelet.conf': 'system:node:master1'}[file];
			expect(r.output).toContain(`hello ${expectedUser}`);
		});
	});
});
