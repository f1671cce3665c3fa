// A small cluster file for the command-line tests: masters m1..mN at 10.0.0.11.., workers w1..wN at 10.0.0.21..,
// the load balancer at 10.0.0.10. The tests that renew, expire or kill runs differ only in the counts, the name
// and the leaf validity.
import {writeFileSync} from 'node:fs';
import path from 'node:path';

export type SmallCluster = {
	readonly name: string;
	readonly masters: number;
	readonly workers: number;
	/** Leaf validity as the cluster file takes it (`72h`); the default (a year) when absent. */
	readonly leaf?: string;
	readonly algorithm?: 'ecdsa-p256' | 'rsa-2048';
	/** Master addresses when they are not 10.0.0.11.. (a cluster run on loopback). */
	readonly masterIps?: readonly string[];
};

export function clusterYaml(cluster: SmallCluster): string {
	const hosts = (prefix: string, count: number, ip: (index: number) => string) => Array.from({length: count}, (_, index) => `  - {name: ${prefix}${index + 1}, ip: ${ip(index)}}`);
	return [
		`cluster: ${cluster.name}`,
		'serviceCIDR: 10.32.0.0/24',
		'loadBalancer: {name: lb, ip: 10.0.0.10}',
		'masters:',
		...hosts('m', cluster.masters, index => cluster.masterIps?.[index] ?? `10.0.0.${11 + index}`),
		'workers:',
		...hosts('w', cluster.workers, index => `10.0.0.${21 + index}`),
		`algorithm: ${cluster.algorithm ?? 'ecdsa-p256'}`,
		...(cluster.leaf ? [`validity: {leaf: ${cluster.leaf}}`] : []),
		'',
	].join('\n');
}

/** Write the cluster file into dir; returns its path. */
export function writeClusterFile(dir: string, cluster: SmallCluster, name = 'c.yaml'): string {
	const file = path.join(dir, name);
	writeFileSync(file, clusterYaml(cluster));
	return file;
}
