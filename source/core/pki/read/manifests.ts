// kubepki's manifest beside a folder it wrote: the cluster's names, and what each listed file is for. A file named
// on its own is judged with the manifest of a folder above it.
import path from 'node:path';
import {manifestName, parseManifest} from '../../manifest.js';
import {kubernetesMeaning, kubernetesRoles, type KubernetesRole} from '../meaning.js';
import type {FolderManifest, Item} from './items.js';
import {readFileBounded, type Found} from './walk.js';

export const manifestFileName = manifestName;

export function readManifest(dir: string, bytes: Uint8Array): FolderManifest | undefined {
	const body = parseManifest(Buffer.from(bytes).toString('utf8'));
	if (!body) return undefined;
	const roles = new Map<string, KubernetesRole>();
	const certIds = new Map<string, string>();
	for (const entry of body.files) {
		if (kubernetesRoles.includes(entry.role as KubernetesRole)) roles.set(path.resolve(dir, entry.path), entry.role as KubernetesRole);
		if (typeof entry.certId === 'string') certIds.set(path.resolve(dir, entry.path), entry.certId);
	}

	return {dir, cluster: body.cluster, serviceIp: body.serviceIp, roles, certIds, layout: body.layout, files: body.files};
}

// A file of pki/ named alone still belongs to pki/: nodes/<host>/ and kubeadm's <host>/pki/etcd/ are three below it.
const manifestSearchDepth = 4;

/**
 * A file named on its own (`inspect pki/<file>`) is judged with its folder's manifest too, so the
 * cluster's names are known: look in the folders above it, nearest first, for one not read already.
 */
export async function findManifestsAbove(found: readonly Found[], manifests: FolderManifest[]): Promise<void> {
	const known = new Set(manifests.map(m => path.resolve(m.dir)));
	// The folders the files are in, each once (a folder of 1,000 certificates is one folder to look above).
	const fileDirs = new Set<string>();
	for (const file of found) {
		if (!file.stats?.isFile() || path.basename(file.path) === manifestFileName) continue;
		fileDirs.add(path.dirname(file.path));
	}

	const dirs = new Set<string>();
	for (let dir of fileDirs) {
		for (let depth = 0; depth < manifestSearchDepth; depth++) {
			dirs.add(dir);
			const up = path.dirname(dir);
			if (up === dir || path.resolve(up) === path.resolve(dir)) break;
			dir = up;
		}
	}

	// Nearest first per file is not needed: manifestFor picks the nearest of all that were found.
	for (const dir of dirs) {
		if (known.has(path.resolve(dir))) continue;
		known.add(path.resolve(dir));
		const bytes = await readFileBounded(path.join(dir, manifestFileName));
		const manifest = bytes && readManifest(dir, bytes);
		if (manifest) manifests.push(manifest);
	}
}

/** The manifest knows what each file it lists is for: that beats guessing from names and subjects. */
export function applyManifests(items: Item[], manifests: readonly FolderManifest[]): Item[] {
	if (manifests.length === 0) return items;
	return items.map(item => {
		const role = manifests.map(m => m.roles.get(path.resolve(item.path))).find(Boolean);
		if (!role || !item.kubernetes) return item;
		const subject = item.cert ?? item.csr;
		return {...item, kubernetes: kubernetesMeaning(item.path, subject && {...subject, isCA: item.cert?.isCA}, role)};
	});
}
