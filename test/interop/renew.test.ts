import {execFile} from 'node:child_process';
import {createHash, X509Certificate} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import type {TLSSocket} from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeClusterFile} from '../helpers/cluster-file.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';

const haveOpenssl = hasTool('openssl');
const haveKubectl = hasTool('kubectl');

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.skipIf(!haveOpenssl)('kubepki renew on a folder of three-day leaves', () => {
	const root = tempDir();
	const out = path.join(root, 'pki');
	const kept = ['ca.pem', 'ca-key.pem', 'service-account.pem', 'service-account-key.pem', 'encryption-config.yaml'];
	const before = new Map<string, string>();
	let renewed: ReturnType<typeof kubepki>;
	beforeAll(() => {
		// Three-day leaves, as a cluster that is about to stop.
		writeClusterFile(root, {name: 'day2', masters: 2, workers: 2, leaf: '72h'});
		const made = kubepki(['generate', '--config', 'c.yaml', '--quiet'], {cwd: root});
		if (made.status !== 0) throw new Error(made.stderr);
		for (const file of kept) before.set(file, sha(path.join(out, file)));
		const expiry = kubepki(['expiry'], {cwd: root});
		expect(expiry.status).toBe(1);
		renewed = kubepki(['renew', '--validity', '8760h'], {cwd: root});
	});

	it('renews the seven leaves and prints the restart order, etcd first', () => {
		expect(renewed.status, renewed.stderr).toBe(0);
		expect(renewed.stdout.split('\n')[0]).toBe('kubepki renew: 7 certificate(s) renewed in pki; the CA, the service-account pair and the encryption key are unchanged');
		const steps = renewed.stdout.split('\n').filter(l => /^ {2}\d+\. /.test(l)).map(l => l.replace(/ {3}#.*/, ''));
		expect(steps).toEqual([
			'  1. m1: systemctl restart etcd',
			'  2. m2: systemctl restart etcd',
			'  3. m1: systemctl restart kube-apiserver',
			'  4. m2: systemctl restart kube-apiserver',
			'  5. m1: systemctl restart kube-controller-manager kube-scheduler',
			'  6. m2: systemctl restart kube-controller-manager kube-scheduler',
			'  7. w1: systemctl restart kubelet kube-proxy',
			'  8. w2: systemctl restart kubelet kube-proxy',
		]);
	});

	it('leaves the CA, the service-account pair and the encryption key byte for byte', () => {
		for (const file of kept) expect(sha(path.join(out, file)), file).toBe(before.get(file));
	});

	it('passes openssl verify -x509_strict for every leaf against the unchanged CA, each ending in a year', () => {
		const leaves = readdirSync(out).filter(f => f.endsWith('.pem') && !f.endsWith('-key.pem') && !['ca.pem', 'service-account.pem'].includes(f));
		expect(leaves).toHaveLength(7);
		for (const file of leaves) {
			const r = runStatus('openssl', ['verify', '-x509_strict', '-CAfile', 'ca.pem', file], {cwd: out});
			expect(`${r.stdout.trim()}${r.stderr.trim()}`).toBe(`${file}: OK`);
			const days = (Date.parse(new X509Certificate(readFileSync(path.join(out, file))).validTo) - Date.now()) / 86_400_000;
			expect(Math.round(days), file).toBe(365);
		}
	});

	it('is clean afterwards: expiry --within 30d exits 0, lint finds nothing', () => {
		const expiry = kubepki(['expiry', '--within', '30d'], {cwd: root});
		expect(expiry.status, expiry.stdout).toBe(0);
		const lint = kubepki(['lint', 'pki'], {cwd: root});
		expect(lint.status, lint.stdout).toBe(0);
		expect(lint.stdout).toMatch(/findings: 0 error\(s\), 0 warning\(s\)/);
	});

	it('leaves nothing to do on a second run', () => {
		const again = kubepki(['renew'], {cwd: root});
		expect(again.status).toBe(0);
		expect(again.stdout).toMatch(/^kubepki renew: nothing to renew in pki .*; nothing written\n$/);
	});

	it('refuses the CA with --only: exit 2, one line', () => {
		const r = kubepki(['renew', '--only', 'ca'], {cwd: root});
		expect(r.status).toBe(2);
		expect(r.stderr.trim().split('\n')).toHaveLength(1);
		expect(r.stderr).toMatch(/--only: ca is never renewed/);
	});

	describe.skipIf(!haveKubectl)('kubectl completes mutual TLS with every rebuilt kubeconfig', () => {
		let server: Server;
		let port: number;
		const seen: string[] = [];
		beforeAll(async () => {
			// As kube-apiserver would serve after its restart: the renewed kubernetes.pem, clients checked against ca.pem.
			server = createServer(
				{cert: readFileSync(path.join(out, 'kubernetes.pem')), key: readFileSync(path.join(out, 'kubernetes-key.pem')), ca: readFileSync(path.join(out, 'ca.pem')), requestCert: true, rejectUnauthorized: true},
				(request, response) => {
					seen.push(String((request.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
					response.writeHead(200, {'content-type': 'application/json'});
					response.end(JSON.stringify({major: '1', minor: '32', gitVersion: 'v1.32.0-renewed', platform: 'linux/amd64'}));
				},
			);
			await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
			port = (server.address() as AddressInfo).port;
		});
		afterAll(async () => new Promise<void>(resolve => server.close(() => resolve())));

		it.each([
			['w1.kubeconfig', 'system:node:w1'],
			['kube-proxy.kubeconfig', 'system:kube-proxy'],
			['kube-controller-manager.kubeconfig', 'system:kube-controller-manager'],
			['kube-scheduler.kubeconfig', 'system:kube-scheduler'],
			['admin.kubeconfig', 'admin'],
			['nodes/w2/w2.kubeconfig', 'system:node:w2'],
		])('%s logs in as %s', async (file, cn) => {
			seen.length = 0;
			const home = tempDir('kubepki-kubectl-home-');
			const r = await new Promise<{code: number; stderr: string}>(resolve => {
				execFile('kubectl', ['--kubeconfig', path.join(out, file), '--server', `https://127.0.0.1:${port}`, 'get', '--raw', '/version'], {env: {...process.env, HOME: home, KUBECONFIG: ''}, timeout: 20_000}, (error, _stdout, stderr) => {
					resolve({code: error ? 1 : 0, stderr});
				});
			});
			expect(r.code, r.stderr).toBe(0);
			expect(seen.length).toBeGreaterThan(0);
			expect(new Set(seen)).toEqual(new Set([cn]));
		});
	});
});
