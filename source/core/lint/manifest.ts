import path from 'node:path';
import type {FolderManifest, Item} from '../pki/load.js';
import {validateTopology, type Topology} from '../topology.js';

/** The manifest of the folder an item is in (the nearest one above it), when kubepki made that folder. */
export function manifestFor(manifests: readonly FolderManifest[], item: Item): FolderManifest | undefined {
	const file = path.resolve(item.path);
	return manifests
		.map(m => ({m, dir: path.resolve(m.dir)}))
		.filter(({dir}) => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep))
		.sort((a, b) => b.dir.length - a.dir.length)[0]?.m;
}

/** The cluster a manifest was made for, when it still validates (a hand-edited manifest may not). */
export function manifestTopology(manifest: FolderManifest | undefined): Topology | undefined {
	if (!manifest) return undefined;
	// Asked once per certificate: validated once per manifest (a 10,000-worker cluster took minutes otherwise).
	if (!validated.has(manifest)) {
		const result = validateTopology(manifest.cluster);
		validated.set(manifest, result.ok ? result.topology : undefined);
	}

	return validated.get(manifest);
}

const validated = new WeakMap<FolderManifest, Topology | undefined>();
