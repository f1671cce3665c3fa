import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {clusterFiles} from '../../source/core/cluster-files.js';
import {certificateFiles} from '../../source/core/generate.js';
import {copyScript, distribution, installedAt} from '../../source/core/distribute.js';
import {buildPlan} from '../../source/core/plan.js';
import {issueAll} from '../../source/core/pki/issue.js';
import {exampleCluster, exampleTopology, parseClusterFile, validateTopology} from '../../source/core/topology.js';
import type {OutputFile} from '../../source/core/write.js';

const three = (() => {
	const result = parseClusterFile(readFileSync(new URL('../../fixtures/cluster-3m.yaml', import.meta.url), 'utf8'));
	if (!result.ok) throw new Error('fixture does not validate');
	return result.topology;
})();

// The distribution list of the issue (and guide 001 corrected by reference §8), written out by hand.
const masterFiles = [
	'admin.kubeconfig',
	'ca-key.pem',
	'ca.pem',
	'encryption-config.yaml',
	'etcd.service',
	'kube-apiserver-to-kubelet.yaml',
	'kube-apiserver.service',
	'kube-controller-manager.kubeconfig',
	'kube-controller-manager.service',
	'kube-scheduler.kubeconfig',
	'kube-scheduler.service',
	'kube-scheduler.yaml',
	'kubernetes-key.pem',
	'kubernetes.pem',
	'service-account-key.pem',
	'service-account.pem',
];
const workerFiles = (w: string) =>
	['ca.pem', 'kube-proxy.kubeconfig', `${w}-key.pem`, `${w}.kubeconfig`, `${w}.pem`, 'kubelet.service', 'kubelet-config.yaml', 'kube-proxy.service', 'kube-proxy-config.yaml'].sort();

describe.each([
	['the built-in cluster', exampleTopology(), ['master1', 'master2'], ['node1', 'node2']],
	['the 3-master fixture', three, ['cp-a', 'cp-b', 'cp-c'], ['wk-1', 'wk-2', 'wk-3']],
])('nodes/ bundles of %s', (_name, topology, masters, workers) => {
	let files: OutputFile[];
	let certificates: OutputFile[];
	beforeAll(async () => {
		const plan = buildPlan({...topology, algorithm: 'ecdsa-p256'});
		const issued = await issueAll(plan.certs);
		files = await clusterFiles(plan, issued, {outDir: path.join(tmpdir(), 'kubepki-no-such-folder')});
		certificates = certificateFiles(issued);
	});

	const inBundle = (host: string) =>
		files
			.filter(f => f.path.startsWith(`nodes/${host}/`))
			.map(f => f.path.slice(`nodes/${host}/`.length))
			.sort();

	it('gives each master and each worker exactly the files it needs', () => {
		for (const m of masters) expect(inBundle(m), m).toEqual(masterFiles);
		for (const w of workers) expect(inBundle(w), w).toEqual(workerFiles(w));
		const hosts = new Set(files.filter(f => f.kind === 'bundle').map(f => f.path.split('/')[1]));
		expect([...hosts].sort()).toEqual([...masters, ...workers].sort());
	});

	it('keeps private keys and kubeconfigs 0600 in the bundles, and copies the bytes of the originals', () => {
		const top = new Map([...certificates, ...files].filter(f => !f.path.startsWith('nodes/')).map(f => [f.path, f]));
		for (const file of files.filter(f => f.kind === 'bundle')) {
			const name = path.basename(file.path);
			const secret = name.endsWith('-key.pem') || name.endsWith('.kubeconfig') || name === 'encryption-config.yaml';
			expect(file.mode, file.path).toBe(secret ? 0o600 : 0o644);
			const host = file.path.split('/')[1];
			const original = name === 'etcd.service' ? top.get(`etcd/${host}.service`) : (top.get(`units/${host}/${name}`) ?? top.get(name));
			expect(original?.content, file.path).toBe(file.content);
		}
	});

	it('writes a copy.sh that sh accepts, with one scp per machine to its IP', () => {
		const script = files.find(f => f.path === 'nodes/copy.sh');
		expect(script?.mode).toBe(0o755);
		const check = spawnSync('sh', ['-n'], {input: String(script?.content), encoding: 'utf8'});
		expect(check.status, check.stderr).toBe(0);
		const scps = String(script?.content).split('\n').filter(line => line.startsWith('scp '));
		const ips = [...topology.masters, ...topology.workers].map(h => h.ip);
		expect(scps).toHaveLength(ips.length);
		for (const ip of ips) expect(scps.filter(line => line.endsWith(`"\${at}${ip}:~/"`))).toHaveLength(1);
	});
});

describe('where each file is installed on its machine', () => {
	// The guide's install commands, written out by hand: masters keep etcd's copies in /etc/etcd and the control
	// plane's in /var/lib/kubernetes; a worker's kubeconfigs become `kubeconfig` in the folder of their service.
	const plan = buildPlan(exampleTopology());
	const bundles = distribution(plan);
	const installed = (host: string) => Object.fromEntries((bundles.find(b => b.host === host)?.files ?? []).map(d => [d.target, [...d.installTo].sort()]));

	it('puts a master\'s files where etcd and the API server read them', () => {
		expect(installed('master1')).toEqual({
			'admin.kubeconfig': ['/var/lib/kubernetes/admin.kubeconfig'],
			'ca-key.pem': ['/var/lib/kubernetes/ca-key.pem'],
			'ca.pem': ['/etc/etcd/ca.pem', '/var/lib/kubernetes/ca.pem'],
			'encryption-config.yaml': ['/var/lib/kubernetes/encryption-config.yaml'],
			'etcd.service': ['/etc/systemd/system/etcd.service'],
			'kube-apiserver-to-kubelet.yaml': ['/var/lib/kubernetes/kube-apiserver-to-kubelet.yaml'],
			'kube-apiserver.service': ['/etc/systemd/system/kube-apiserver.service'],
			'kube-controller-manager.kubeconfig': ['/var/lib/kubernetes/kube-controller-manager.kubeconfig'],
			'kube-controller-manager.service': ['/etc/systemd/system/kube-controller-manager.service'],
			'kube-scheduler.kubeconfig': ['/var/lib/kubernetes/kube-scheduler.kubeconfig'],
			'kube-scheduler.service': ['/etc/systemd/system/kube-scheduler.service'],
			'kube-scheduler.yaml': ['/etc/kubernetes/config/kube-scheduler.yaml'],
			'kubernetes-key.pem': ['/etc/etcd/kubernetes-key.pem', '/var/lib/kubernetes/kubernetes-key.pem'],
			'kubernetes.pem': ['/etc/etcd/kubernetes.pem', '/var/lib/kubernetes/kubernetes.pem'],
			'service-account-key.pem': ['/var/lib/kubernetes/service-account-key.pem'],
			'service-account.pem': ['/var/lib/kubernetes/service-account.pem'],
		});
	});

	it('puts a worker\'s files where the kubelet and kube-proxy read them', () => {
		expect(installed('node2')).toEqual({
			'ca.pem': ['/var/lib/kubernetes/ca.pem'],
			'kube-proxy-config.yaml': ['/var/lib/kube-proxy/kube-proxy-config.yaml'],
			'kube-proxy.kubeconfig': ['/var/lib/kube-proxy/kubeconfig'],
			'kube-proxy.service': ['/etc/systemd/system/kube-proxy.service'],
			'kubelet-config.yaml': ['/var/lib/kubelet/kubelet-config.yaml'],
			'kubelet.service': ['/etc/systemd/system/kubelet.service'],
			'node2-key.pem': ['/var/lib/kubelet/node2-key.pem'],
			'node2.kubeconfig': ['/var/lib/kubelet/kubeconfig'],
			'node2.pem': ['/var/lib/kubelet/node2.pem'],
		});
	});

	it('says which services read each file, so a changed file restarts only them', () => {
		// From the guide's flags: etcd reads /etc/etcd, the control plane /var/lib/kubernetes (admin.kubeconfig is
		// kubectl's), a worker's kubelet its own folder and the CA (clientCAFile), kube-proxy its kubeconfig.
		const services = (host: string) => Object.fromEntries((bundles.find(b => b.host === host)?.files ?? []).map(d => [d.target, d.services.join(' ')]));
		expect(services('master2')).toEqual({
			'admin.kubeconfig': '',
			'ca-key.pem': 'kube-apiserver kube-controller-manager',
			'ca.pem': 'etcd kube-apiserver kube-controller-manager',
			'encryption-config.yaml': 'kube-apiserver',
			'etcd.service': 'etcd',
			'kube-apiserver-to-kubelet.yaml': '',
			'kube-apiserver.service': 'kube-apiserver',
			'kube-controller-manager.kubeconfig': 'kube-controller-manager',
			'kube-controller-manager.service': 'kube-controller-manager',
			'kube-scheduler.kubeconfig': 'kube-scheduler',
			'kube-scheduler.service': 'kube-scheduler',
			'kube-scheduler.yaml': 'kube-scheduler',
			'kubernetes-key.pem': 'etcd kube-apiserver',
			'kubernetes.pem': 'etcd kube-apiserver',
			'service-account-key.pem': 'kube-apiserver kube-controller-manager',
			'service-account.pem': 'kube-apiserver kube-controller-manager',
		});
		expect(services('node1')).toEqual({
			'ca.pem': 'kubelet',
			'kube-proxy-config.yaml': 'kube-proxy',
			'kube-proxy.kubeconfig': 'kube-proxy',
			'kube-proxy.service': 'kube-proxy',
			'kubelet-config.yaml': 'kubelet',
			'kubelet.service': 'kubelet',
			'node1-key.pem': 'kubelet',
			'node1.kubeconfig': 'kubelet',
			'node1.pem': 'kubelet',
		});
	});

	it('answers installedAt from the same list, and refuses a file the host does not get', () => {
		expect(installedAt(bundles, 'master2', 'kubernetes.pem', '/etc/etcd')).toBe('/etc/etcd/kubernetes.pem');
		expect(installedAt(bundles, 'node1', 'ca.pem')).toBe('/var/lib/kubernetes/ca.pem');
		expect(() => installedAt(bundles, 'node1', 'ca-key.pem')).toThrow(/not installed on node1/);
	});

	it('says in copy.sh where each file goes', () => {
		expect(copyScript(plan)).toContain('#   node1.kubeconfig -> /var/lib/kubelet/kubeconfig');
	});
});

describe('copy.sh', () => {
	it('brackets IPv6 hosts for scp', () => {
		const result = validateTopology({
			...exampleCluster,
			serviceCIDR: 'fd00:32::/112',
			loadBalancer: {name: 'lb', ip: 'fd00::10'},
			masters: [{name: 'm1', ip: 'fd00::11'}],
			workers: [{name: 'w1', ip: 'fd00::21'}],
		});
		if (!result.ok) throw new Error(JSON.stringify(result.problems));
		const plan = buildPlan(result.topology);
		expect(copyScript(plan)).toContain('"${at}[fd00::21]:~/"');
		expect(distribution(plan).map(b => `${b.host}:${b.role}`)).toEqual(['m1:master', 'w1:worker']);
	});
});
