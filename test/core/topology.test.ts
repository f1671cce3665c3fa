import {readFileSync} from 'node:fs';
import {describe, expect, it, test} from 'vitest';
import {firstServiceIp, normalizeIp, parseCidr} from '../../source/core/ip.js';
import {buildPlan} from '../../source/core/plan.js';
import {exampleCluster, exampleClusterYaml, exampleTopology, formatProblem, parseClusterFile, serviceIp, validateTopology} from '../../source/core/topology.js';

const withChange = (change: Record<string, unknown>) => ({...structuredClone(exampleCluster), ...change}) as Record<string, unknown>;
const worker = (name: unknown, ip: unknown) => withChange({workers: [{name, ip}, {name: 'node2', ip: '10.128.15.224'}]});

describe('topology validation', () => {
	it('accepts the built-in example cluster and its YAML text alike', () => {
		const fromObject = validateTopology(exampleCluster);
		const fromYaml = parseClusterFile(exampleClusterYaml);
		expect(fromObject.ok && fromYaml.ok).toBe(true);
		if (fromObject.ok && fromYaml.ok) {
			expect(fromYaml.topology).toEqual(fromObject.topology);
			expect(fromObject.topology.algorithm).toBe('rsa-2048');
			expect(fromObject.topology.validity).toEqual({ca: 87_600, leaf: 8760});
			expect(serviceIp(fromObject.topology)).toBe('10.32.0.1');
		}
	});

	// Each bad input must be refused with the field named and the value quoted.
	const cases: Array<[string, Record<string, unknown>, string, string]> = [
		['a worker named ../etc', worker('../etc', '10.0.0.9'), 'workers[0].name', 'escape the output folder'],
		['a worker named /x', worker('/x', '10.0.0.9'), 'workers[0].name', 'escape'],
		['an empty worker name', worker('', '10.0.0.9'), 'workers[0].name', 'required'],
		['an upper-case name', worker('Node1', '10.0.0.9'), 'workers[0].name', 'DNS-1123'],
		['a name with an underscore', worker('node_1', '10.0.0.9'), 'workers[0].name', 'DNS-1123'],
		['a name of 64 characters', worker('a'.repeat(64), '10.0.0.9'), 'workers[0].name', 'DNS-1123'],
		['an IPv4 address out of range', worker('node9', '10.0.0.256'), 'workers[0].ip', 'not an IPv4 or IPv6'],
		['an IPv6 address with two ::', worker('node9', 'fd00::1::2'), 'workers[0].ip', 'not an IPv4 or IPv6'],
		['a duplicate name', worker('master1', '10.0.0.9'), 'workers[0].name', 'already used by masters[0]'],
		['a duplicate IP', worker('node9', '10.128.15.221'), 'workers[0].ip', 'already used by masters[0]'],
		['no workers', withChange({workers: []}), 'workers', 'at least 1'],
		['masters not a list', withChange({masters: 'master1'}), 'masters', 'list'],
		['a bad service CIDR', withChange({serviceCIDR: '10.32.0.0'}), 'serviceCIDR', 'not a CIDR'],
		['a /31 service CIDR', withChange({serviceCIDR: '10.32.0.0/31'}), 'serviceCIDR', 'no room'],
		['a /8 service CIDR', withChange({serviceCIDR: '10.0.0.0/8'}), 'serviceCIDR', '/12 or smaller'],
		['an IPv6 /64 service CIDR', withChange({serviceCIDR: 'fd00::/64'}), 'serviceCIDR', '/108 or smaller'],
		['a node inside the service range', worker('node9', '10.32.0.7'), 'workers[0].ip', 'inside serviceCIDR'],
		['a bad cluster domain', withChange({clusterDomain: 'Cluster_Local'}), 'clusterDomain', 'DNS name'],
		['a bad algorithm', withChange({algorithm: 'rsa-1024'}), 'algorithm', 'rsa-2048'],
		['a bad validity', withChange({validity: {leaf: 'one year'}}), 'validity.leaf', 'duration'],
		['a leaf longer than its CA', withChange({validity: {ca: '100h', leaf: '200h'}}), 'validity.leaf', 'cannot outlive'],
		['a bad extra SAN', withChange({extraSANs: ['not a name!']}), 'extraSANs[0]', 'neither an IP'],
		['an unknown key', withChange({worker: []}), 'worker', 'unknown key'],
		['a bad load balancer', withChange({loadBalancer: {name: 'lb', ip: 'lb.example'}}), 'loadBalancer.ip', 'not an IPv4'],
		['a cluster name with a slash', withChange({cluster: 'a/b'}), 'cluster', 'letters, digits'],
	];
	it.each(cases)('refuses %s', (_name, raw, field, message) => {
		const result = validateTopology(raw);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		const problem = result.problems.find(p => p.field === field);
		expect(problem, JSON.stringify(result.problems)).toBeDefined();
		expect(problem!.message).toContain(message);
	});

	// Taken from the plan, so a component added later is covered without touching this test.
	const componentFiles = buildPlan(exampleTopology())
		.certs.filter(spec => spec.role !== 'kubelet')
		.map(spec => spec.file);
	it.each(componentFiles.flatMap(file => [file, `${file}-key`]))('refuses a worker named %s, whose files would overwrite a component', name => {
		const result = validateTopology(worker(name, '10.0.0.9'));
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.problems.find(p => p.field === 'workers[0].name')?.message).toContain('would overwrite');
	});

	it('lets a master carry a component-like name: masters have no per-name certificate files', () => {
		const result = validateTopology(withChange({masters: [{name: 'admin', ip: '10.128.15.221'}, {name: 'master2', ip: '10.128.15.222'}]}));
		expect(result.ok).toBe(true);
	});

	it('refuses a file that is not a mapping, and YAML that does not parse', () => {
		expect(parseClusterFile('- a\n- b\n').ok).toBe(false);
		const bad = parseClusterFile('masters: [\n');
		expect(bad.ok).toBe(false);
		if (!bad.ok) expect(bad.problems[0]!.message).toMatch(/not valid YAML/);
	});

	it('reads the guide node.cfg lines as the workers of the example cluster', () => {
		const result = parseClusterFile(readFileSync(new URL('../../fixtures/node.cfg', import.meta.url), 'utf8'));
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.topology.workers).toEqual([
			{name: 'worker-a', ip: '10.240.0.20'},
			{name: 'worker-b', ip: '10.240.0.21'},
			{name: 'worker-c', ip: '10.240.0.22'},
		]);
		expect(result.topology.masters.map(m => m.name)).toEqual(['master1', 'master2']);
	});

	it('reads the 3-master fixture, including a name:ip worker line and extra SANs', () => {
		const result = parseClusterFile(readFileSync(new URL('../../fixtures/cluster-3m.yaml', import.meta.url), 'utf8'));
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.topology.masters).toHaveLength(3);
		expect(result.topology.workers[2]).toEqual({name: 'wk-3', ip: '192.168.50.23'});
		expect(result.topology.validity).toEqual({ca: 43_800, leaf: 2160});
		expect(serviceIp(result.topology)).toBe('172.20.0.1');
	});

	it('accepts IPv6 machines and an IPv6 service range', () => {
		const result = validateTopology(
			withChange({
				serviceCIDR: 'fd00:10:96::/112',
				loadBalancer: {name: 'lb', ip: 'fd00::10'},
				masters: [{name: 'm1', ip: 'fd00::0011'}],
				workers: [{name: 'w1', ip: 'fd00::21'}],
			}),
		);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.topology.masters[0]!.ip).toBe('fd00::11');
		expect(serviceIp(result.topology)).toBe('fd00:10:96::1');
	});
});

describe('ip arithmetic', () => {
	it.each([
		['10.32.0.0/24', '10.32.0.1'],
		['10.96.0.0/12', '10.96.0.1'],
		['10.32.0.77/24', '10.32.0.1'],
		['172.20.0.0/16', '172.20.0.1'],
		['fd00::/108', 'fd00::1'],
	])('the service IP of %s is %s', (cidr, ip) => {
		expect(firstServiceIp(parseCidr(cidr)!)).toBe(ip);
	});

	it('normalizes IPv6 text so the same address is one SAN', () => {
		expect(normalizeIp('FD00:0:0:0:0:0:0:0001')).toBe('fd00::1');
		expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
		expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
	});
});

describe('problems name rows as people count them', () => {
	test.each([
		[{field: 'workers[3].ip', value: '10.0.0.300', message: 'is not an IPv4 or IPv6 address', name: 'node4'}, 'worker 4 (node4): ip: is not an IPv4 or IPv6 address (got "10.0.0.300")'],
		[{field: 'masters[0].name', value: 'M1', message: 'must be a DNS-1123 label'}, 'master 1: name: must be a DNS-1123 label (got "M1")'],
		[{field: 'workers[1].ip', value: '10.0.0.1', message: 'is already used by masters[0]', name: 'node2'}, 'worker 2 (node2): ip: is already used by master 1 (got "10.0.0.1")'],
		[{field: 'extraSANs[0]', value: 'x!', message: 'is neither an IP'}, 'extra SAN 1: is neither an IP (got "x!")'],
		[{field: 'serviceCIDR', value: '10.0.0.0/31', message: 'leaves no room'}, 'serviceCIDR: leaves no room (got "10.0.0.0/31")'],
	])('%o', (problem, text) => {
		expect(formatProblem(problem)).toBe(text);
	});

	test('a cluster file with a bad fourth worker gets "worker 4 (node4)"', () => {
		const file = parseClusterFile(`${exampleClusterYaml}  - {name: node3, ip: 10.128.15.225}\n  - {name: node4, ip: 10.128.15.300}\n`);
		expect(file.ok).toBe(false);
		if (!file.ok) expect(file.problems.map(formatProblem)).toEqual(['worker 4 (node4): ip: is not an IPv4 or IPv6 address (got "10.128.15.300")']);
	});
});
