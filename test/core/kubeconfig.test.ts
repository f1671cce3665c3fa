import {createPrivateKey, X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {buildKubeconfig, kubeconfigFiles, kubeconfigYaml, parseKubeconfig} from '../../source/core/kubeconfig.js';
import {buildPlan} from '../../source/core/plan.js';
import {issueAll, type Issued} from '../../source/core/pki/issue.js';
import {exampleCluster, exampleTopology, parseClusterFile, validateTopology, type Topology} from '../../source/core/topology.js';
import type {OutputFile} from '../../source/core/write.js';

const three = (() => {
	const result = parseClusterFile(readFileSync(new URL('../../fixtures/cluster-3m.yaml', import.meta.url), 'utf8'));
	if (!result.ok) throw new Error('fixture does not validate');
	return result.topology;
})();

// Written out from reference §1 and §4, not read from the plan: file -> server, user (CN), groups (O).
type Expected = Record<string, {server: string; user: string; groups: string[]}>;
const expectedFor = (lb: string, workers: string[]): Expected => ({
	...Object.fromEntries(workers.map(w => [`${w}.kubeconfig`, {server: `https://${lb}:6443`, user: `system:node:${w}`, groups: ['system:nodes']}])),
	'kube-proxy.kubeconfig': {server: `https://${lb}:6443`, user: 'system:kube-proxy', groups: ['system:node-proxier']},
	'kube-controller-manager.kubeconfig': {server: 'https://127.0.0.1:6443', user: 'system:kube-controller-manager', groups: ['system:kube-controller-manager']},
	'kube-scheduler.kubeconfig': {server: 'https://127.0.0.1:6443', user: 'system:kube-scheduler', groups: ['system:kube-scheduler']},
	'admin.kubeconfig': {server: 'https://127.0.0.1:6443', user: 'admin', groups: ['system:masters']},
});

describe.each<[string, Topology, string, Expected]>([
	['the built-in cluster', exampleTopology(), 'kubernetes-the-hard-way', expectedFor('10.128.15.226', ['node1', 'node2'])],
	['the 3-master fixture', three, 'prod-east', expectedFor('192.168.50.10', ['wk-1', 'wk-2', 'wk-3'])],
])('kubeconfigs of %s', (_name, topology, clusterName, expected) => {
	let issued: Issued[];
	let files: OutputFile[];
	let ca: X509Certificate;
	beforeAll(async () => {
		const plan = buildPlan({...topology, algorithm: 'ecdsa-p256'});
		issued = await issueAll(plan.certs);
		files = kubeconfigFiles(plan, issued);
		ca = new X509Certificate(issued.find(i => i.spec.id === 'ca')!.certPem);
	});

	it('writes exactly one kubeconfig per worker plus kube-proxy, controller-manager, scheduler and admin, each 0600', () => {
		expect(files.map(f => f.path).sort()).toEqual(Object.keys(expected).sort());
		for (const file of files) expect(file.mode, file.path).toBe(0o600);
	});

	it('names one cluster (the cluster file\'s) and one user, and the current context points at both', () => {
		for (const file of files) {
			const raw = parseYaml(String(file.content));
			expect(raw.apiVersion).toBe('v1');
			expect(raw.kind).toBe('Config');
			expect(raw.clusters.map((c: {name: string}) => c.name)).toEqual([clusterName]);
			const context = raw.contexts.find((c: {name: string}) => c.name === raw['current-context']);
			expect(context, file.path).toBeDefined();
			expect(context.context.cluster).toBe(clusterName);
			expect(raw.users.map((u: {name: string}) => u.name)).toEqual([context.context.user]);
			expect(raw.clusters[0].cluster.server, file.path).toBe(expected[file.path]!.server);
		}
	});

	it('embeds the CA, and a client certificate signed by it whose CN and O are the expected user and groups', () => {
		for (const file of files) {
			const parsed = parseKubeconfig(String(file.content));
			if (!parsed.ok) throw new Error(`${file.path}: ${parsed.error}`);
			const {clusters, users, problems} = parsed.kubeconfig;
			expect(problems, file.path).toEqual([]);
			expect(new X509Certificate(clusters[0]!.caPem!).fingerprint256).toBe(ca.fingerprint256);
			const cert = new X509Certificate(users[0]!.certPem!);
			expect(cert.verify(ca.publicKey), file.path).toBe(true);
			expect(cert.checkPrivateKey(createPrivateKey(users[0]!.keyPem!)), file.path).toBe(true);
			const subject = Object.fromEntries(cert.subject.split('\n').map(line => line.split('=')));
			expect(subject.CN, file.path).toBe(expected[file.path]!.user);
			expect(users[0]!.name).toBe(expected[file.path]!.user);
			const groups = cert.subject.split('\n').filter(line => line.startsWith('O=')).map(line => line.slice(2));
			expect(groups, file.path).toEqual(expected[file.path]!.groups);
		}
	});
});

describe('kubeconfig servers', () => {
	it('puts an IPv6 load balancer in brackets', async () => {
		const result = validateTopology({
			...exampleCluster,
			serviceCIDR: 'fd00:32::/112',
			loadBalancer: {name: 'lb', ip: 'fd00::10'},
			masters: [{name: 'm1', ip: 'fd00::11'}],
			workers: [{name: 'w1', ip: 'fd00::21'}],
			algorithm: 'ecdsa-p256',
		});
		if (!result.ok) throw new Error(JSON.stringify(result.problems));
		const plan = buildPlan(result.topology);
		const files = kubeconfigFiles(plan, await issueAll(plan.certs));
		const server = (name: string) => parseYaml(String(files.find(f => f.path === name)!.content)).clusters[0].cluster.server;
		expect(server('w1.kubeconfig')).toBe('https://[fd00::10]:6443');
		expect(new URL(server('w1.kubeconfig')).hostname).toBe('[fd00::10]');
		expect(server('admin.kubeconfig')).toBe('https://127.0.0.1:6443');
	});
});

describe('parseKubeconfig', () => {
	const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
	const b64 = (text: string) => Buffer.from(text).toString('base64');
	const good = kubeconfigYaml(buildKubeconfig({cluster: 'c', server: 'https://10.0.0.1:6443', caPem: pem('CERTIFICATE'), user: 'u', certPem: pem('CERTIFICATE'), keyPem: pem('EC PRIVATE KEY')}));

	it('reads a kubeconfig it wrote with no problems', () => {
		const result = parseKubeconfig(good);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.kubeconfig.problems).toEqual([]);
		expect(result.kubeconfig.currentContext).toBe('default');
		expect(result.kubeconfig.users[0]).toMatchObject({name: 'u', auth: 'client-certificate', keyPem: pem('EC PRIVATE KEY')});
	});

	it.each([
		['empty text', ''],
		['a bare scalar', 'hello'],
		['a list', '- a\n- b'],
		['broken YAML', 'clusters: [\n  {name: x'],
		['binary noise', '\u0000\u0001\u00ff\u00fe{{{:::'],
		['a mapping with none of the keys', 'apiVersion: v1\nkind: Pod\n'],
		['null', 'null'],
	])('returns an error value, not an exception, for %s', (_name, input) => {
		const result = parseKubeconfig(input);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.error).toMatch(/\S/);
	});

	it.each([
		['clusters that is not a list', 'clusters: 5\ncurrent-context: x', 'not-a-list'],
		['an entry without a name', 'clusters:\n- cluster: {server: https://a:6443}\n', 'missing-name'],
		['an entry that is a number', 'users: [7]\n', 'missing-name'],
		['a duplicated name', 'users:\n- name: a\n- name: a\n', 'duplicate-name'],
		['a server that is not a URL', 'clusters:\n- name: c\n  cluster: {server: "not a url"}\n', 'bad-server'],
		['a cluster without server', 'clusters:\n- name: c\n  cluster: {}\n', 'missing-server'],
		['CA data that is not base64', 'clusters:\n- name: c\n  cluster: {server: "https://a:6443", certificate-authority-data: "%%%"}\n', 'bad-base64'],
		['CA data that is a mapping', 'clusters:\n- name: c\n  cluster: {server: "https://a:6443", certificate-authority-data: {a: 1}}\n', 'bad-base64'],
		['CA data that is base64 of text', `clusters:\n- name: c\n  cluster: {server: "https://a:6443", certificate-authority-data: ${b64('hello')}}\n`, 'not-pem'],
		['no current-context', 'contexts: []\n', 'no-current-context'],
		['a current-context that does not exist', 'current-context: prod\ncontexts: []\n', 'current-context-missing'],
		['the wrong kind', 'kind: Pod\ncurrent-context: x\n', 'wrong-kind'],
	])('reports %s as a problem', (_name, input, code) => {
		const result = parseKubeconfig(input);
		if (!result.ok) throw new Error(result.error);
		expect(result.kubeconfig.problems.map(p => p.code)).toContain(code);
	});

	it('finds the guide\'s worker-loop mistake: a context naming a cluster that was never set', () => {
		// set-cluster mycluster, then set-context default --cluster=kubernetes-the-hard-way (guide 001).
		const raw = parseYaml(good);
		raw.clusters[0].name = 'mycluster';
		raw.contexts[0].context.cluster = 'kubernetes-the-hard-way';
		const result = parseKubeconfig(JSON.stringify(raw));
		if (!result.ok) throw new Error(result.error);
		expect(result.kubeconfig.problems).toEqual([
			expect.objectContaining({code: 'context-cluster-missing', field: 'contexts[default].cluster', value: 'kubernetes-the-hard-way'}),
		]);
	});

	it('never puts a private key in a problem', () => {
		const secret = b64('this is a secret key body that must not be printed');
		const result = parseKubeconfig(`users:\n- name: u\n  user: {client-key-data: "${secret}"}\ncurrent-context: x\n`);
		if (!result.ok) throw new Error(result.error);
		const problem = result.kubeconfig.problems.find(p => p.field === 'users[u].client-key-data');
		expect(problem?.code).toBe('not-pem');
		expect(JSON.stringify(result.kubeconfig.problems)).not.toContain(secret.slice(0, 12));
	});
});
