// Which machines each file goes to, as the wizard's Review shows it: from the plan's copyTo through placement.ts
// (the hard way's distribution list; kubeadm's host folders, one rule for generate and script).
import {describe, expect, test} from 'vitest';
import {placed} from '../../source/core/layout-files.js';
import {bundlePath, hardwayPaths, kubeadmHostFiles, kubeadmPaths} from '../../source/core/placement.js';
import {buildPlan} from '../../source/core/plan.js';
import {exampleTopology} from '../../source/core/topology.js';
import type {OutputFile} from '../../source/core/write.js';

const file = (path: string): OutputFile => ({path, content: '', mode: 0o644, kind: 'test'});

describe('placed: the machines of each file', () => {
	test('hard way: a certificate and its key go where the plan\'s copyTo says, each copy to its own machine', () => {
		const plan = buildPlan(exampleTopology());
		for (const spec of plan.certs) {
			const paths = hardwayPaths(spec);
			const [cert, key] = placed(plan, [file(paths.cert), file(paths.key)]);
			expect(cert!.hosts, spec.id).toEqual(spec.copyTo.cert);
			expect(key!.hosts, spec.id).toEqual(spec.copyTo.key);
			for (const host of spec.copyTo.cert) expect(placed(plan, [file(bundlePath(host, paths.cert))])[0]!.hosts).toEqual([host]);
		}
	});

	test('kubeadm: each host folder\'s files are that host\'s; a file at the top goes nowhere', () => {
		const plan = buildPlan(exampleTopology(), {layout: 'kubeadm'});
		const ca = plan.certs.find(s => s.id === 'ca')!;
		const paths = plan.topology.workers.map(w => kubeadmPaths(ca, w.name)!.cert);
		expect(placed(plan, [...paths.map(file), file('haproxy.cfg')]).map(f => f.hosts)).toEqual([...plan.topology.workers.map(w => [w.name]), []]);
	});

	test('kubeadm: a worker gets the CA certificate alone, a master its own etcd pair and no other master\'s, the SA pair only masters (generate and script follow this rule)', () => {
		const plan = buildPlan(exampleTopology(), {layout: 'kubeadm'});
		const on = (host: string) => plan.certs.flatMap(spec => kubeadmHostFiles(spec, host).map(f => ({id: spec.id, path: f.path, mode: f.mode})));
		for (const worker of plan.topology.workers) expect(on(worker.name)).toEqual([{id: 'ca', path: `${worker.name}/pki/ca.crt`, mode: 0o644}]);
		for (const master of plan.topology.masters) {
			const ids = on(master.name).map(f => f.id);
			expect(ids).toContain(`etcd-server:${master.name}`);
			expect(ids.filter(id => id.startsWith('etcd-server:') || id.startsWith('etcd-peer:'))).toEqual([`etcd-server:${master.name}`, `etcd-server:${master.name}`, `etcd-peer:${master.name}`, `etcd-peer:${master.name}`]);
			expect(on(master.name).filter(f => f.id === 'service-account').map(f => [f.path, f.mode])).toEqual([[`${master.name}/pki/sa.key`, 0o600], [`${master.name}/pki/sa.pub`, 0o644]]);
			// Every key is 0600, every certificate 0644.
			for (const f of on(master.name)) expect(f.mode, f.path).toBe(f.path.endsWith('.key') ? 0o600 : 0o644);
		}
	});
});
