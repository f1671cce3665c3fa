// Walking what a person named: folders recursively (each folder once, symbolic links kept inside the named tree),
// files read whole within a size bound, FIFOs and devices never opened. Nothing here throws for what it finds.
import {createHash} from 'node:crypto';
import {lstat as lstatCallback, readFile as readFileCallback, type Dirent, type Stats} from 'node:fs';
import {readdir, realpath, stat} from 'node:fs/promises';
import path from 'node:path';
import {notLiveFolders} from '../../folders.js';
import {privateEntries} from '../../manifest.js';
import {kindOf} from '../../reuse.js';
import {unreadable, type FileDigest, type FolderInfo, type Item} from './items.js';

// Bigger files are not certificates; reading them whole would only cost memory.
export const maxFileBytes = 16 * 1024 * 1024;

/** A path the walk found: a file (or FIFO, device...) with its stats, or why it could not be reached. */
export type Found = {readonly path: string; readonly stats?: Stats; readonly error?: string};

/** Every file under each named path, in name order, each folder entered once. */
export async function walk(paths: readonly string[]): Promise<{found: Found[]; folders: FolderInfo[]}> {
	const found: Found[] = [];
	const seenDirs = new Set<string>();
	const folders: FolderInfo[] = [];
	for (const given of paths) await collect(given, found, seenDirs, folders, undefined);
	// A file named twice (a.pem a.pem, or a folder and a file in it) is read once.
	const unique = [...new Map(found.map(file => [path.resolve(file.path), file])).values()];
	return {found: unique, folders};
}

/**
 * `root` is the real path of the folder the user named (undefined for the named path itself): a walk stays inside
 * it, so a symbolic link inside the tree that leads to a folder elsewhere (`/`, another user's home) is noted, not read.
 */
async function collect(given: string, found: Found[], seenDirs: Set<string>, folders: FolderInfo[], root: string | undefined, lstatted?: Promise<Stats | NodeJS.ErrnoException>): Promise<void> {
	const link = await (lstatted ?? lstatOrError(given));
	if (link instanceof Error) {
		found.push({path: given, error: fsReason(link)});
		return;
	}

	const stats = link.isSymbolicLink() ? await stat(given).catch((error: NodeJS.ErrnoException) => error) : link;
	if (stats instanceof Error) {
		found.push({path: given, error: stats.code === 'ENOENT' ? 'broken symbolic link' : fsReason(stats)});
		return;
	}

	if (!stats.isDirectory()) {
		found.push({path: given, stats});
		return;
	}

	// A folder reached twice (a symlink loop, or two links to one place) is read once.
	const real = await realpath(given).catch(() => given);
	if (root !== undefined && !isInside(root, real)) {
		found.push({path: given, error: `skipped: a symbolic link to a folder outside ${root} (${real}); name it to read it`});
		return;
	}

	if (seenDirs.has(real)) return;
	seenDirs.add(real);
	const entries = await readdir(given, {withFileTypes: true}).catch((error: NodeJS.ErrnoException) => error);
	if (entries instanceof Error) {
		found.push({path: given, error: fsReason(entries)});
		return;
	}

	folders.push({path: given, mode: stats.mode & 0o7777, uid: stats.uid});
	const sorted = [...entries].sort((a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	// The transaction's staging and lock, retired/ and .backup/ are not the live set: read only when named.
	const live = sorted.filter(entry => !(privateEntries.includes(entry.name) || (entry.isDirectory() && notLiveFolders.includes(entry.name))));
	// Every entry's lstat asked at once (the thread pool runs them side by side); the entries are still taken in name order.
	const lstats = live.map(entry => lstatOrError(path.join(given, entry.name)));
	for (const [index, entry] of live.entries()) await collect(path.join(given, entry.name), found, seenDirs, folders, root ?? real, lstats[index]);
}

async function lstatOrError(file: string): Promise<Stats | NodeJS.ErrnoException> {
	return new Promise(resolve => {
		lstatCallback(file, (error, stats) => resolve(error ?? stats));
	});
}

function isInside(root: string, real: string): boolean {
	const relative = path.relative(root, real);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export function fsReason(error: NodeJS.ErrnoException): string {
	switch (error.code) {
		case 'ENOENT': {
			return 'no such file or folder';
		}

		case 'EACCES':
		case 'EPERM': {
			return 'permission denied';
		}

		case 'ELOOP': {
			return 'too many levels of symbolic links';
		}

		default: {
			return `cannot read (${error.code ?? error.message})`;
		}
	}
}

/**
 * A found file's bytes and mode (its digest added to `digests`), or the unreadable item that says why not:
 * a FIFO or a device is never opened (reading one can block forever), a file over the bound is not read.
 */
export async function readFound(file: Found, digests: FileDigest[]): Promise<{bytes: Buffer; mode: number} | Item> {
	if (file.error || !file.stats) return unreadable(file.path, file.error ?? 'cannot read');
	const mode = file.stats.mode & 0o777;
	if (!file.stats.isFile()) return unreadable(file.path, `skipped: ${kindOf(file.stats)}, not a regular file`, 'file', mode);
	if (file.stats.size > maxFileBytes) return unreadable(file.path, `larger than ${maxFileBytes / 1024 / 1024} MiB: not a certificate file`, 'file', mode);
	let bytes: Buffer;
	try {
		bytes = await readWhole(file.path);
	} catch (error) {
		return unreadable(file.path, fsReason(error as NodeJS.ErrnoException), 'file', mode);
	}

	digests.push({path: file.path, sha256: createHash('sha256').update(bytes).digest('hex'), mode});
	return {bytes, mode};
}

/**
 * A file's bytes, read with the callback API: open, fstat, read and close as plain requests on the thread pool.
 * A FileHandle's readFile makes the same calls through promises and objects of its own, and cost three times
 * the CPU (measured reading 1,000 certificate files: about 100 ms against 35 ms).
 */
async function readWhole(file: string): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		readFileCallback(file, (error, bytes) => (error ? reject(error) : resolve(bytes)));
	});
}

/** A file's bytes when it is a regular file within the bound; undefined otherwise (no reason needed). */
export async function readFileBounded(file: string): Promise<Buffer | undefined> {
	try {
		const stats = await stat(file);
		if (!stats.isFile() || stats.size > maxFileBytes) return undefined;
		return await readWhole(file);
	} catch {
		return undefined;
	}
}
