// Read whatever a person points at: files and folders (recursively), PEM with any number of blocks, DER,
// kubeconfigs with embedded certificates, Secrets and ConfigMaps. Every file becomes at least one item; a file that
// cannot be read becomes an `unreadable` item with a one-line reason. Nothing here throws on bad bytes.
// The readers live in read/, one concern each: walk.ts (the tree), pem.ts, der-items.ts, kubeconfig-items.ts,
// object-items.ts (Secrets, ConfigMaps), manifests.ts (kubepki's manifest), pairing.ts (keys and their certificates).
import path from 'node:path';
import {parseKubeconfig} from '../kubeconfig.js';
import {looksLikeKubernetesObject, kubernetesObjects} from './k8s-objects.js';
import {derItem} from './read/der-items.js';
import {oneLine, unreadable, type FileDigest, type FolderManifest, type Item, type LoadResult} from './read/items.js';
import {followReferences, kubeconfigItems, looksLikeKubeconfig} from './read/kubeconfig-items.js';
import {applyManifests, findManifestsAbove, manifestFileName, readManifest} from './read/manifests.js';
import {objectItems} from './read/object-items.js';
import {adoptPartnerRoles} from './read/pairing.js';
import {pemItems} from './read/pem.js';
import {readFound, walk, type Found} from './read/walk.js';

export type {FileDigest, FolderInfo, FolderManifest, Item, ItemKind, KubeconfigOutline, LoadResult} from './read/items.js';
export {isBroken} from './read/items.js';
export {kubeconfigField} from './read/kubeconfig-items.js';
export {manifestFileName} from './read/manifests.js';
export {partnerOf} from './read/pairing.js';
export {pemBlocks} from './read/pem.js';

const readConcurrency = 32;

/** Read every path (files, folders recursively). Never throws for what the files contain. */
export async function loadPaths(paths: readonly string[], options: {readonly onProgress?: (read: number, total: number) => void} = {}): Promise<LoadResult> {
	const {found, folders} = await walk(paths);
	const digests: FileDigest[] = [];
	const items: Item[][] = Array.from({length: found.length}, () => []);
	const manifests: FolderManifest[] = [];
	let next = 0;
	let read = 0;
	options.onProgress?.(0, found.length);
	const worker = async () => {
		while (next < found.length) {
			const index = next++;
			const file = found[index]!;
			items[index] = await loadFound(file, manifests, digests);
			options.onProgress?.(++read, found.length);
		}
	};

	await Promise.all(Array.from({length: Math.min(readConcurrency, found.length)}, worker));
	await findManifestsAbove(found, manifests);
	const all = applyManifests(items.flat(), manifests);
	return {items: adoptPartnerRoles(all), manifests, files: digests, folders};
}

async function loadFound(file: Found, manifests: FolderManifest[], digests: FileDigest[]): Promise<Item[]> {
	const read = await readFound(file, digests);
	if (!('bytes' in read)) return [read];
	const {bytes, mode} = read;
	if (path.basename(file.path) === manifestFileName) {
		const manifest = readManifest(path.dirname(file.path), bytes);
		if (manifest) manifests.push(manifest);
		return [unreadable(file.path, manifest ? 'a kubepki manifest (no certificates; used for the cluster\'s names and roles)' : 'not a valid kubepki manifest', 'file', mode)];
	}

	try {
		// A Secret's keys are read under paths of their own (secret.yaml#secret/x/tls.key): the file's mode is not theirs to name.
		return await followReferences(file.path, parseBytes(file.path, bytes).map(item => (item.path === file.path ? {...item, mode} : item)), parseBytes);
	} catch (error) {
		// A bug in a parser must still not stop the other files from being read.
		return [unreadable(file.path, `cannot read: ${oneLine((error as Error)?.message ?? String(error))}`, 'file', mode)];
	}
}

/** Everything in one file's bytes. Exported for tests and for callers that hold bytes, not files. */
export function parseBytes(file: string, bytes: Uint8Array): Item[] {
	if (bytes.length === 0) return [unreadable(file, 'empty file')];
	// Control bytes other than tab and line breaks mean binary: DER always has some (its length bytes).
	const binary = hasControlBytes(bytes, 8192);
	if (!binary) {
		const text = Buffer.from(bytes).toString('utf8');
		if (looksLikeKubeconfig(text)) {
			const parsed = parseKubeconfig(text);
			if (parsed.ok) return kubeconfigItems(file, parsed.kubeconfig);
		}

		if (looksLikeKubernetesObject(text)) {
			const found = kubernetesObjects(file, text);
			if (found.objects > 0) return objectItems(file, found, parseBytes);
		}

		if (text.includes('-----BEGIN ')) return pemItems(file, text);
	}

	// DER starts with a SEQUENCE; anything else is not ours.
	if (binary && bytes[0] === 0x30) return [derItem(file, bytes)];
	return [unreadable(file, binary ? 'binary data that is not DER' : 'no certificate, key or kubeconfig in this file')];
}

/** Whether the first `limit` bytes hold a control byte other than tab and line breaks (a loop: a callback per byte cost more). */
function hasControlBytes(bytes: Uint8Array, limit: number): boolean {
	const end = Math.min(bytes.length, limit);
	for (let i = 0; i < end; i++) {
		const byte = bytes[i]!;
		if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) return true;
	}

	return false;
}
