// What a re-run of generate changes in a folder it made before: the cluster recorded in the folder's manifest
// against the one given now. A folder is one cluster (another name is refused); machines added get their files;
// machines removed leave the live set for retired/<UTC time>/, with the plain truth about their certificates.
import {X509Certificate} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {etcdPeerPort} from './etcd.js';
import {manifestName} from './placement.js';
import {urlHost} from './ip.js';
import {validateTopology, type Host, type Topology} from './topology.js';

/** What an earlier run recorded: the cluster, and every file it wrote. */
export type PreviousRun = {
	readonly clusterName?: string;
	readonly topology?: Topology;
	readonly files: ReadonlyArray<{readonly path: string; readonly kind?: string; readonly certId?: string}>;
};

/** The previous run's manifest in outDir, or undefined when there is none kubepki wrote. */
export async function readPreviousRun(outDir: string, manifestFile: string): Promise<PreviousRun | undefined> {
	const text = await readFile(path.join(outDir, manifestFile), 'utf8').catch(() => undefined);
	if (text === undefined) return undefined;
	try {
		const body = JSON.parse(text) as {tool?: unknown; cluster?: {cluster?: unknown}; files?: unknown};
		if (body.tool !== 'kubepki' || !Array.isArray(body.files)) return undefined;
		const result = validateTopology(body.cluster);
		const files = (body.files as Array<{path?: unknown; kind?: unknown; certId?: unknown}>)
			.filter(f => typeof f?.path === 'string')
			.map(f => ({path: f.path as string, ...(typeof f.kind === 'string' && {kind: f.kind}), ...(typeof f.certId === 'string' && {certId: f.certId})}));
		return {
			...(typeof body.cluster?.cluster === 'string' && {clusterName: body.cluster.cluster}),
			...(result.ok && {topology: result.topology}),
			files,
		};
	} catch {
		return undefined;
	}
}

/** Machines that came and went between two clusters, by name. */
export type ClusterChange = {
	readonly addedMasters: readonly Host[];
	readonly removedMasters: readonly Host[];
	readonly addedWorkers: readonly Host[];
	readonly removedWorkers: readonly Host[];
};

export function clusterChange(before: Topology | undefined, after: Topology): ClusterChange {
	const names = (hosts: readonly Host[] | undefined) => new Set((hosts ?? []).map(h => h.name));
	const missingFrom = (hosts: readonly Host[], other: Set<string>) => hosts.filter(h => !other.has(h.name));
	if (!before) return {addedMasters: [], removedMasters: [], addedWorkers: [], removedWorkers: []};
	return {
		addedMasters: missingFrom(after.masters, names(before.masters)),
		removedMasters: missingFrom(before.masters, names(after.masters)),
		addedWorkers: missingFrom(after.workers, names(before.workers)),
		removedWorkers: missingFrom(before.workers, names(after.workers)),
	};
}

/** The one-line refusal when a folder holds another cluster, or undefined when it may be written. */
export function otherClusterRefusal(previous: PreviousRun | undefined, next: Topology, outDir: string): string | undefined {
	if (!previous?.clusterName || previous.clusterName === next.cluster) return undefined;
	return `${outDir} holds cluster ${JSON.stringify(previous.clusterName)} (its ${manifestName}), not ${JSON.stringify(next.cluster)}: a folder is one cluster; use another --out, or --force to replace it`;
}

/**
 * The etcdctl commands a membership change needs, in order: remove members first (quorum is counted on the
 * members that remain), then add each joining member before its etcd starts, with --initial-cluster-state existing.
 */
export function etcdMembershipSteps(change: ClusterChange): string[] {
	const peer = (host: Host) => `https://${urlHost(host.ip)}:${etcdPeerPort}`;
	return [
		...change.removedMasters.map(host => `etcdctl member remove $(etcdctl member list | awk -F', ' '$3 == "${host.name}" {print $1}')   # ${host.name} leaves etcd`),
		...change.addedMasters.map(host => `etcdctl member add ${host.name} --peer-urls=${peer(host)}   # before etcd starts on ${host.name}; its unit says --initial-cluster-state=existing`),
	];
}

/** Files the previous run wrote that this one does not: they leave the live set. */
export function leavingFiles(previous: PreviousRun | undefined, next: readonly string[], manifestFile: string): string[] {
	if (!previous) return [];
	const kept = new Set(next);
	return previous.files.map(f => f.path).filter(p => p !== manifestFile && !kept.has(p));
}

/** Each retired machine's certificates, and when they end: kubepki says they stay valid until then. */
export async function retiredCertificates(outDir: string, previous: PreviousRun, leaving: readonly string[], hosts: readonly Host[]): Promise<Array<{host: string; file: string; notAfter: string}>> {
	const result: Array<{host: string; file: string; notAfter: string}> = [];
	const certs = previous.files.filter(f => f.kind === 'certificate' && leaving.includes(f.path));
	for (const host of hosts) {
		for (const file of certs.filter(f => f.certId?.endsWith(`:${host.name}`))) {
			const pem = await readFile(path.join(outDir, file.path), 'utf8').catch(() => undefined);
			if (!pem) continue;
			try {
				result.push({host: host.name, file: file.path, notAfter: new Date(new X509Certificate(pem).validTo).toISOString()});
			} catch {
				// Unreadable: nothing to warn about its end date.
			}
		}
	}

	return result;
}

/** The warning for a retired machine's certificate: no revocation in Kubernetes. */
export function retiredWarning(cert: {host: string; file: string; notAfter: string}): string {
	return `${cert.host}: ${cert.file} stays valid until ${cert.notAfter.slice(0, 10)}: Kubernetes checks no revocation list. Delete the Node object (kubectl delete node ${cert.host}); only a CA rotation cuts it off for good.`;
}
