import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {kubepki, runStatus, tempDir} from '../helpers/tools.js';

const cluster = (name: string, masters: string[], workers: string[]) =>
	[
		`cluster: ${name}`,
		'serviceCIDR: 10.32.0.0/24',
		'loadBalancer: {name: lb, ip: 10.0.0.10}',
		'masters:',
		...masters.map(m => `  - {name: ${m}, ip: 10.0.0.${10 + Number(m.slice(1))}}`),
		'workers:',
		...workers.map(w => `  - {name: ${w}, ip: 10.0.0.${20 + Number(w.slice(1))}}`),
		'algorithm: ecdsa-p256',
		'',
	].join('\n');

function files(dir: string): Map<string, string> {
	const list = readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(f => statSync(path.join(dir, f)).isFile());
	return new Map(list.map(f => [f, createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')]));
}

describe('nodes added and removed by editing the cluster file and running generate again', () => {
	const root = tempDir();
	const out = path.join(root, 'pki');
	let before: Map<string, string>;
	let second: ReturnType<typeof kubepki>;
	beforeAll(() => {
		writeFileSync(path.join(root, 'c.yaml'), cluster('day2', ['m1', 'm2'], ['w1', 'w2', 'w3']));
		expect(kubepki(['generate', '--config', 'c.yaml', '-q'], {cwd: root}).status).toBe(0);
		before = files(out);
		// w3 leaves, w4 and m3 join.
		writeFileSync(path.join(root, 'c.yaml'), cluster('day2', ['m1', 'm2', 'm3'], ['w1', 'w2', 'w4']));
		second = kubepki(['generate', '--config', 'c.yaml'], {cwd: root});
	});

	it('names what was issued, kept, renewed and retired, and why', () => {
		expect(second.status, second.stderr).toBe(0);
		const lines = second.stdout.split('\n');
		expect(lines).toContain('  issued  kubelet:w4: new machine in the cluster file');
		expect(lines).toContain('  kept    kubelet:w1');
		expect(lines).toContain('  renewed apiserver: SANs differ from the plan');
		expect(lines.find(l => l.startsWith('  retired '))).toMatch(/^ {2}retired 16 file\(s\) of w3 to pki\/retired\/\d{8}T\d{6}Z\/ \(no longer in the cluster file\)$/);
		expect(lines.find(l => l.startsWith('! w3:'))).toMatch(/^! w3: w3\.pem stays valid until \d{4}-\d\d-\d\d: Kubernetes checks no revocation list\. Delete the Node object \(kubectl delete node w3\); only a CA rotation cuts it off for good\.$/);
		expect(lines).toContain('  etcdctl member add m3 --peer-urls=https://10.0.0.13:2380   # before etcd starts on m3; its unit says --initial-cluster-state=existing');
	});

	it('re-issues exactly what the change touches: the new kubelet and the API server; the others keep their bytes', () => {
		const after = files(out);
		for (const file of ['ca.pem', 'ca-key.pem', 'w1.pem', 'w1-key.pem', 'w2.pem', 'admin.pem', 'kube-proxy.pem', 'service-account-key.pem', 'encryption-config.yaml']) {
			expect(after.get(file), file).toBe(before.get(file));
		}

		expect(after.get('kubernetes.pem')).not.toBe(before.get('kubernetes.pem'));
		expect(runStatus('openssl', ['x509', '-noout', '-checkip', '10.0.0.13', '-in', path.join(out, 'kubernetes.pem')]).stdout.trim()).toBe('IP 10.0.0.13 does match certificate');
		expect(after.has('w4.pem') && after.has('nodes/w4/w4.kubeconfig')).toBe(true);
	});

	it('keeps the removed worker\'s files only under retired/, same bytes', () => {
		const after = files(out);
		const w3 = [...after.keys()].filter(f => /(^|\/)w3([-.\/]|$)/.test(f));
		expect(w3.length).toBe(16);
		for (const file of w3) expect(file, file).toMatch(/^retired\/\d{8}T\d{6}Z\//);
		for (const file of w3) expect(after.get(file)).toBe(before.get(file.replace(/^retired\/[^/]+\//, '')));
		expect(existsSync(path.join(out, 'nodes', 'w3'))).toBe(false);
		expect(readFileSync(path.join(out, 'nodes', 'copy.sh'), 'utf8')).not.toContain('w3');
		const manifest = JSON.parse(readFileSync(path.join(out, 'kubepki-manifest.json'), 'utf8')) as {files: Array<{path: string}>};
		expect(manifest.files.filter(f => f.path.includes('w3'))).toEqual([]);
	});

	it('starts the joining member with --initial-cluster-state existing and lists three members everywhere', () => {
		const unit = (m: string) => readFileSync(path.join(out, 'etcd', `${m}.service`), 'utf8');
		expect(unit('m3')).toContain('--initial-cluster-state=existing');
		expect(unit('m1')).toContain('--initial-cluster-state=new');
		for (const m of ['m1', 'm2', 'm3']) expect(unit(m)).toMatch(/--initial-cluster=m1=https:\/\/10\.0\.0\.11:2380,m2=https:\/\/10\.0\.0\.12:2380,m3=https:\/\/10\.0\.0\.13:2380/);
	});

	it('lints clean and leaves retired/ out of lint and expiry unless it is named', () => {
		const lint = kubepki(['lint', 'pki', '--json'], {cwd: root});
		expect(lint.status, lint.stdout).toBe(0);
		expect(JSON.parse(lint.stdout).findings).toEqual([]);
		const expiry = JSON.parse(kubepki(['expiry', 'pki', '--json'], {cwd: root}).stdout) as {certificates: Array<{path: string}>};
		expect(expiry.certificates.some(c => c.path.includes('retired'))).toBe(false);
		const named = JSON.parse(kubepki(['expiry', 'pki/retired', '--json'], {cwd: root}).stdout) as {certificates: Array<{path: string}>};
		expect(named.certificates.map(c => path.basename(c.path)).sort()).toEqual(['ca.pem', 'kube-proxy.kubeconfig', 'w3.pem']);
	});

	it('removes a master from etcd with etcdctl member remove', () => {
		writeFileSync(path.join(root, 'c.yaml'), cluster('day2', ['m1', 'm2'], ['w1', 'w2', 'w4']));
		const r = kubepki(['generate', '--config', 'c.yaml'], {cwd: root});
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/etcdctl member remove .*"m3".*# m3 leaves etcd/);
		expect(existsSync(path.join(out, 'etcd', 'm3.service'))).toBe(false);
		expect(existsSync(path.join(out, 'nodes', 'm3'))).toBe(false);
	});
});

describe('a folder is one cluster', () => {
	const root = tempDir();
	it('refuses to generate another cluster into it (exit 1, one line, nothing changed) unless --force', () => {
		writeFileSync(path.join(root, 'a.yaml'), cluster('alpha', ['m1'], ['w1']));
		writeFileSync(path.join(root, 'b.yaml'), cluster('beta', ['m1'], ['w1']));
		expect(kubepki(['generate', '--config', 'a.yaml', '-q'], {cwd: root}).status).toBe(0);
		const before = files(path.join(root, 'pki'));
		const refused = kubepki(['generate', '--config', 'b.yaml'], {cwd: root});
		expect(refused.status).toBe(1);
		expect(refused.stderr.trim().split('\n')).toHaveLength(1);
		expect(refused.stderr).toMatch(/holds cluster "alpha" \(its kubepki-manifest\.json\), not "beta": a folder is one cluster; use another --out, or --force to replace it/);
		expect(files(path.join(root, 'pki'))).toEqual(before);
		const forced = kubepki(['generate', '--config', 'b.yaml', '--force', '-q'], {cwd: root});
		expect(forced.status, forced.stderr).toBe(0);
		expect(JSON.parse(readFileSync(path.join(root, 'pki', 'kubepki-manifest.json'), 'utf8')).cluster.cluster).toBe('beta');
	});
});
