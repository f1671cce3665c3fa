import path from 'node:path';
import type {FolderManifest, Item} from '../pki/load.js';
import {validateTopology, type Topology} from '../topology.js';

/** The manifest of the folder an item is in (the nearest one above it), when kubepki made that folder. */
export function manifestFor(manifests: readonly FolderManifest[], item: Item): FolderManifest | undefined {
	return manifests
		.filter(m => item.path === m.dir || item.path.startsWith(m.dir + path.sep) || m.dir === '.')
		.sort((a, b) => b.dir.length - a.dir.length)[0];
}

/** The cluster a manifest was made for, when it still validates (a hand-edited manifest may not). */
export function manifestTopology(manifest: FolderManifest | undefined): Topology | undefined {
	if (!manifest) return undefined;
	const result = validateTopology(manifest.cluster);
	return result.ok ? result.topology : undefined;
}
