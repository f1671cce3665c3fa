import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {etcdEnv, etcdFaultTolerance, etcdFiles, etcdUnit} from '../../source/core/etcd.js';
import {buildPlan} from '../../source/core/plan.js';
import {exampleCluster, exampleTopology, parseClusterFile, validateTopology} from '../../source/core/topology.js';

const three = (() => {
	const result = parseClusterFile(readFileSync(new URL('../../fixtures/cluster-3m.yaml', import.meta.url), 'utf8'));
	if (!result.ok) throw new Error('fixture does not validate');
	return result.topology;
})();

/** The flags of a unit's ExecStart, as a map (a switch maps to true). */
function execStartFlags(unit: string): Map<string, string | true> {
	const exec = /^ExecStart=((?:.*\\\n)*.*)/m.exec(unit)?.[1] ?? '';
	const words = exec.replaceAll('\\\n', ' ').split(/\s+/).filter(Boolean).slice(1);
	return new Map(words.map(word => {
		const match = /^--([\w-]+)(?:=(.*))?$/.exec(word);
		if (!match?.[1]) throw new Error(`not a flag: ${word}`);
		return [match[1], match[2] ?? true];
	}));
}

describe('etcd units', () => {
	it('gives every member of the built-in cluster the flags of reference §6', () => {
		const plan = buildPlan(exampleTopology());
		const flags = execStartFlags(etcdUnit(plan, plan.topology.masters[1]!));
		expect(Object.fromEntries(flags)).toEqual({
			name: 'master2',
			'data-dir': '/var/lib/etcd',
			'cert-file': '/etc/etcd/kubernetes.pem',
			'key-file': '/etc/etcd/kubernetes-key.pem',
			'peer-cert-file': '/etc/etcd/kubernetes.pem',
			'peer-key-file': '/etc/etcd/kubernetes-key.pem',
			'trusted-ca-file': '/etc/etcd/ca.pem',
			'peer-trusted-ca-file': '/etc/etcd/ca.pem',
			'client-cert-auth': true,
			'peer-client-cert-auth': true,
			'listen-peer-urls': 'https://10.128.15.222:2380',
			'initial-advertise-peer-urls': 'https://10.128.15.222:2380',
			'listen-client-urls': 'https://10.128.15.222:2379,https://127.0.0.1:2379',
			'advertise-client-urls': 'https://10.128.15.222:2379',
			'initial-cluster-token': 'etcd-kubernetes-the-hard-way',
			'initial-cluster': 'master1=https://10.128.15.221:2380,master2=https://10.128.15.222:2380',
			'initial-cluster-state': 'new',
		});
	});

	it('lists all three masters of the fixture in --initial-cluster', () => {
		const plan = buildPlan(three);
		for (const master of plan.topology.masters) {
			expect(execStartFlags(etcdUnit(plan, master)).get('initial-cluster')).toBe(
				'cp-a=https://192.168.50.11:2380,cp-b=https://192.168.50.12:2380,cp-c=https://192.168.50.13:2380',
			);
		}
	});

	it('says a 2-member cluster tolerates no failure, and does not say it of 3', () => {
		const two = buildPlan(exampleTopology());
		expect(etcdUnit(two, two.topology.masters[0]!)).toMatch(/^# 2 member\(s\): quorum is 2, so the cluster keeps working with 0 member\(s\) down\.$/m);
		expect(etcdUnit(two, two.topology.masters[0]!)).toMatch(/Use 3 masters/);
		const plan3 = buildPlan(three);
		expect(etcdUnit(plan3, plan3.topology.masters[0]!)).toMatch(/quorum is 2, so the cluster keeps working with 1 member\(s\) down/);
		expect(etcdUnit(plan3, plan3.topology.masters[0]!)).not.toMatch(/Use 3 masters/);
		expect([1, 2, 3, 4, 5, 7].map(n => etcdFaultTolerance(n))).toEqual([0, 0, 1, 1, 2, 3]);
	});

	it('writes the same settings in the .env file as in the unit', () => {
		const plan = buildPlan(three);
		const master = plan.topology.masters[2]!;
		const env = new Map(
			etcdEnv(plan, master)
				.split('\n')
				.filter(line => line && !line.startsWith('#'))
				.map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
		);
		const flags = execStartFlags(etcdUnit(plan, master));
		expect(env.size).toBe(flags.size);
		for (const [flag, value] of flags) expect(env.get(`ETCD_${flag.toUpperCase().replaceAll('-', '_')}`), flag).toBe(value === true ? 'true' : value);
	});

	it('brackets IPv6 addresses in URLs', () => {
		const result = validateTopology({
			...exampleCluster,
			serviceCIDR: 'fd00:32::/112',
			loadBalancer: {name: 'lb', ip: 'fd00::10'},
			masters: [{name: 'm1', ip: 'fd00::11'}],
			workers: [{name: 'w1', ip: 'fd00::21'}],
		});
		if (!result.ok) throw new Error(JSON.stringify(result.problems));
		const plan = buildPlan(result.topology);
		const flags = execStartFlags(etcdUnit(plan, plan.topology.masters[0]!));
		expect(flags.get('listen-peer-urls')).toBe('https://[fd00::11]:2380');
		expect(flags.get('initial-cluster')).toBe('m1=https://[fd00::11]:2380');
	});

	it('writes a unit and an env file per master, without secrets (0644)', () => {
		const files = etcdFiles(buildPlan(three));
		expect(files.map(f => `${f.path} ${f.mode.toString(8)}`)).toEqual(
			['cp-a', 'cp-b', 'cp-c'].flatMap(m => [`etcd/${m}.service 644`, `etcd/${m}.env 644`]),
		);
	});
});
