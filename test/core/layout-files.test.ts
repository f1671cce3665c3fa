// Which machines each file goes to, as the wizard's Review shows it: from the plan's copyTo through placement.ts
// (the hard way's distribution list; kubeadm's host folders, one rule for generate and script).
import {readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {generate} from '../../source/core/generate.js';
import {layoutFiles, placed} from '../../source/core/layout-files.js';
import {manifestName} from '../../source/core/placement.js';
import {bundlePath, hardwayPaths, kubeadmHostFiles, kubeadmPaths} from '../../source/core/placement.js';
import {buildPlan} from '../../source/core/plan.js';
import {exampleTopology} from '../../source/core/topology.js';
import type {OutputFile} from '../../source/core/write.js';
import {tempDir} from '../helpers/tools.js';

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

describe('layoutFiles: the one list of files generate writes', () => {
	const root = tempDir();
	for (const layout of ['hardway', 'kubeadm'] as const) {
		test(`${layout}: generate writes exactly what layoutFiles lists for its certificates, path and mode, and the manifest`, async () => {
			const outDir = path.join(root, layout);
			const result = await generate({...exampleTopology(), algorithm: 'ecdsa-p256'}, {outDir, layout});
			const listed = await layoutFiles(result.plan, result.issued, {outDir});
			const wrote = result.files.map(f => [f.path, f.mode]);
			expect(wrote).toEqual([...listed.map(f => [f.path, f.mode]), [manifestName, 0o644]]);
			for (const [file, mode] of wrote) expect((statSync(path.join(outDir, file as string)).mode & 0o777).toString(8), file as string).toBe((mode as number).toString(8));
			// The manifest records the machines of each file as the list has them (none: no `hosts`).
			const recorded = new Map((JSON.parse(readFileSync(path.join(outDir, manifestName), 'utf8')) as {files: Array<{path: string; hosts?: string[]}>}).files.map(f => [f.path, f.hosts]));
			expect(listed.some(f => f.hosts.length > 0)).toBe(true);
			for (const f of listed) expect(recorded.get(f.path), f.path).toEqual(f.hosts.length > 0 ? f.hosts : undefined);
		});
	}

	test('files made elsewhere (a CA rotation\'s) are written with the rest: the hard way\'s right after the certificates', async () => {
		for (const layout of ['hardway', 'kubeadm'] as const) {
			const outDir = path.join(root, `also-${layout}`);
			const {plan, issued} = await generate({...exampleTopology(), algorithm: 'ecdsa-p256'}, {outDir, layout});
			const extra: OutputFile = {path: 'made-elsewhere.pem', content: 'extra\n', mode: 0o644, kind: 'certificate'};
			const without = await layoutFiles(plan, issued, {outDir});
			const withExtra = await layoutFiles(plan, issued, {outDir, alsoDelivered: [extra]});
			expect(withExtra.filter(f => f.path === extra.path), layout).toHaveLength(1);
			expect(withExtra.map(f => f.path).filter(p => p !== extra.path), layout).toEqual(without.map(f => f.path));
			if (layout === 'hardway') expect(withExtra.findIndex(f => f.path === extra.path)).toBe(without.filter(f => f.kind === 'certificate' || f.kind === 'private-key').length);
		}
	});
});
