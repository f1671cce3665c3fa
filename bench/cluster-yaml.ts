// The cluster files the bench runs on: two masters behind a load balancer and N workers, written once here for
// every case (generate, renew, the keygen floor), so each figure is of the same kind of cluster. keyCount reads
// a written file back as `kubepki generate --config` does, so a floor is of the very file its case ran on.
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {buildPlan} from '../source/core/plan.js';
import {parseClusterFile} from '../source/core/topology.js';

/** A cluster file's text: `cluster` named, masters master1 and master2, workers node1..nodeN on 10.128.16.10 up. */
export function clusterYaml(workers: number, cluster = 'kubernetes-the-hard-way'): string {
	const lines = [
		`cluster: ${cluster}`,
		'serviceCIDR: 10.32.0.0/24',
		'loadBalancer: {name: lb, ip: 10.128.15.226}',
		'masters:',
		'  - {name: master1, ip: 10.128.15.221}',
		'  - {name: master2, ip: 10.128.15.222}',
		'workers:',
		...Array.from({length: workers}, (_, i) => `  - {name: node${i + 1}, ip: 10.128.${16 + Math.floor((i + 10) / 256)}.${(i + 10) % 256}}`),
	];
	return lines.join('\n') + '\n';
}

/** Write `cluster-<workers>.yaml` (or `name`) into `dir`; returns its path. */
export function writeClusterFile(dir: string, workers: number, options: {readonly cluster?: string; readonly name?: string} = {}): string {
	const file = path.join(dir, options.name ?? `cluster-${workers}.yaml`);
	writeFileSync(file, clusterYaml(workers, options.cluster));
	return file;
}

/** Keys a generate of this cluster file makes: one per certificate of its plan. */
export function keyCount(file: string): number {
	const parsed = parseClusterFile(readFileSync(file, 'utf8'));
	if (!parsed.ok) throw new Error(`bench cluster file ${file}: ${JSON.stringify(parsed.problems)}`);
	return buildPlan(parsed.topology).certs.length;
}
