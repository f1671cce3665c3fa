import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {buildPlan, type CertSpec} from '../../source/core/plan.js';
import {exampleTopology, parseClusterFile, type Topology} from '../../source/core/topology.js';

// The reference table (shared/reference/k8s-pki.md §2), written out by hand: file, CN, O, EKUs.
type Row = [file: string, cn: string, o: string[], eku: string[]];
const reference = (workers: string[]): Row[] => [
	['ca', 'Kubernetes', ['Kubernetes'], []],
	...workers.map((w): Row => [w, `system:node:${w}`, ['system:nodes'], ['clientAuth', 'serverAuth']]),
	['kube-controller-manager', 'system:kube-controller-manager', ['system:kube-controller-manager'], ['clientAuth']],
	['kube-scheduler', 'system:kube-scheduler', ['system:kube-scheduler'], ['clientAuth']],
	['kube-proxy', 'system:kube-proxy', ['system:node-proxier'], ['clientAuth']],
	['admin', 'admin', ['system:masters'], ['clientAuth']],
	['kubernetes', 'kubernetes', ['Kubernetes'], ['clientAuth', 'serverAuth']],
	['service-account', 'service-accounts', ['Kubernetes'], ['clientAuth']],
];

const three = (() => {
	const result = parseClusterFile(readFileSync(new URL('../../fixtures/cluster-3m.yaml', import.meta.url), 'utf8'));
	if (!result.ok) throw new Error('fixture does not validate');
	return result.topology;
})();

const sansOf = (spec: CertSpec | undefined, type: 'dns' | 'ip') => (spec?.sans ?? []).filter(s => s.type === type).map(s => s.value).sort();

describe.each<[string, Topology, {serviceIp: string; dns: string[]; ips: string[]}]>([
	[
		'the built-in cluster',
		exampleTopology(),
		{
			serviceIp: '10.32.0.1',
			dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'lb', 'localhost', 'master1', 'master2'],
			ips: ['10.128.15.221', '10.128.15.222', '10.128.15.226', '10.32.0.1', '127.0.0.1'],
		},
	],
	[
		'the 3-master fixture',
		three,
		{
			serviceIp: '172.20.0.1',
			dns: [
				'api-lb',
				'api.example.com',
				'cp-a',
				'cp-b',
				'cp-c',
				'kubernetes',
				'kubernetes.default',
				'kubernetes.default.svc',
				'kubernetes.default.svc.k8s.example.internal',
				'localhost',
			],
			ips: ['127.0.0.1', '172.20.0.1', '192.168.50.10', '192.168.50.11', '192.168.50.12', '192.168.50.13', '203.0.113.7'],
		},
	],
])('plan for %s', (_name, topology, expected) => {
	const plan = buildPlan(topology);
	const workers = topology.workers.map(w => w.name);

	it('has exactly the certificates of the reference table, with its CN, O and usages', () => {
		const actual = plan.certs.map((s): Row => [s.file, s.commonName, [...s.organizations], [...s.extKeyUsages].sort()]);
		expect(actual).toEqual(reference(workers));
		expect(new Set(plan.certs.map(s => s.id)).size).toBe(plan.certs.length);
	});

	it('gives the API server every conventional SAN and nothing else', () => {
		const apiserver = plan.certs.find(s => s.role === 'apiserver');
		expect(plan.serviceIp).toBe(expected.serviceIp);
		expect(sansOf(apiserver, 'dns')).toEqual([...expected.dns].sort());
		expect(sansOf(apiserver, 'ip')).toEqual([...expected.ips].sort());
		for (const san of apiserver!.sans) expect(san.why.length).toBeGreaterThan(10);
	});

	it('gives each kubelet its host name and IP, and the Node authorizer identity', () => {
		for (const worker of topology.workers) {
			const spec = plan.certs.find(s => s.id === `kubelet:${worker.name}`);
			expect(sansOf(spec, 'dns')).toEqual([worker.name]);
			expect(sansOf(spec, 'ip')).toEqual([worker.ip]);
			expect(spec?.kubernetes).toEqual({user: `system:node:${worker.name}`, groups: ['system:nodes']});
			expect(spec?.copyTo).toEqual({cert: [worker.name], key: [worker.name]});
		}
	});

	it('signs everything with the one CA, for the configured lifetimes', () => {
		const ca = plan.certs.filter(s => s.isCA);
		expect(ca.map(s => s.id)).toEqual(['ca']);
		expect(ca[0]!.signer).toBe('self');
		expect(ca[0]!.validityHours).toBe(topology.validity.ca);
		for (const spec of plan.certs.filter(s => !s.isCA)) {
			expect(spec.signer).toBe('ca');
			expect(spec.validityHours).toBe(topology.validity.leaf);
		}
	});

	it('copies the CA key, API server and service-account pairs to the masters only', () => {
		const masters = topology.masters.map(m => m.name);
		const byFile = (file: string) => plan.certs.find(s => s.file === file)!;
		expect(byFile('ca').copyTo.key).toEqual(masters);
		expect(byFile('ca').copyTo.cert).toEqual([...masters, ...workers]);
		expect(byFile('kubernetes').copyTo).toEqual({cert: masters, key: masters});
		expect(byFile('service-account').copyTo).toEqual({cert: masters, key: masters});
		expect(byFile('admin').copyTo).toEqual({cert: [], key: []});
	});

	it('names at least one consumer (component and flag) for every certificate', () => {
		for (const spec of plan.certs) expect(spec.consumers.length, spec.id).toBeGreaterThan(0);
	});
});
