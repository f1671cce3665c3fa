// Walking what a person named: folders recursively (each folder once, symbolic links kept inside the named tree),
// files read whole within a size bound, FIFOs and devices never opened. Nothing here throws for what it finds.
//
// Each file's lstat, open, fstat, read and close are synchronous calls, a slice of the event loop at a time
// (`pause`): on these 2-core machines handing each call to libuv's thread pool cost more than the call itself
// (reading 1,000 certificate files: about 15 µs of the main thread to post each request, five requests a file,
// against 6 µs for a synchronous open and close), and `inspect --json` of 1,000 files spent most of its reading
// time posting. Folders (readdir, realpath) stay asynchronous; the event loop gets a turn at least every few
// milliseconds, so the viewer draws its "reading N files…" row and Ctrl-C is handled while a big folder is read.
import {createHash} from 'node:crypto';
import {closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Dirent, type Stats} from 'node:fs';
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

/** The longest the synchronous calls keep the event loop, in milliseconds. */
const sliceMs = 10;

/** Give the event loop a turn when this slice has run for `sliceMs` (a frame to draw, a signal to handle). */
export function pauser(): () => Promise<void> {
	let since = performance.now();
	return async () => {
		if (performance.now() - since < sliceMs) return;
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		since = performance.now();
	};
}

/** Every file under each named path, in name order, each folder entered once. */
export async function walk(paths: readonly string[]): Promise<{found: Found[]; folders: FolderInfo[]}> {
	const found: Found[] = [];
	const seenDirs = new Set<string>();
	const folders: FolderInfo[] = [];
	const pause = pauser();
	for (const given of paths) await collect(given, found, seenDirs, folders, undefined, pause);
	// A file named twice (a.pem a.pem, or a folder and a file in it) is read once.
	const unique = [...new Map(found.map(file => [path.resolve(file.path), file])).values()];
	return {found: unique, folders};
}

/**
 * `root` is the real path of the folder the user named (undefined for the named path itself): a walk stays inside
 * it, so a symbolic link inside the tree that leads to a folder elsewhere (`/`, another user's home) is noted, not read.
 */
async function collect(given: string, found: Found[], seenDirs: Set<string>, folders: FolderInfo[], root: string | undefined, pause: () => Promise<void>): Promise<void> {
	await pause();
	const link = lstatOrError(given);
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
	for (const entry of sorted) {
		if (privateEntries.includes(entry.name) || (entry.isDirectory() && notLiveFolders.includes(entry.name))) continue;
		await collect(path.join(given, entry.name), found, seenDirs, folders, root ?? real, pause);
	}
}

function lstatOrError(file: string): Stats | NodeJS.ErrnoException {
	try {
		return lstatSync(file);
	} catch (error) {
		return error as NodeJS.ErrnoException;
	}
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
	let bytes: Buffer | Item;
	try {
		bytes = readRegularFile(file.path, mode);
	} catch (error) {
		return unreadable(file.path, fsReason(error as NodeJS.ErrnoException), 'file', mode);
	}

	if (!Buffer.isBuffer(bytes)) return bytes;
	digests.push({path: file.path, sha256: createHash('sha256').update(bytes).digest('hex'), mode});
	return {bytes, mode};
}

/**
 * A regular file's bytes, or the unreadable item that says why not. Opened without blocking, so that a FIFO put
 * in the file's place after the walk looked at it cannot hang the read; what was opened is checked again (fstat)
 * before a byte is read. Throws what the file system refuses (the caller names it).
 */
function readRegularFile(file: string, mode: number): Buffer | Item {
	const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
	try {
		const stats = fstatSync(fd);
		if (!stats.isFile()) return unreadable(file, `skipped: ${kindOf(stats)}, not a regular file`, 'file', mode);
		if (stats.size > maxFileBytes) return unreadable(file, `larger than ${maxFileBytes / 1024 / 1024} MiB: not a certificate file`, 'file', mode);
		// Read what fstat counts; a size of 0 (some special files) is read until the end, within the bound.
		const chunks: Buffer[] = [];
		let total = 0;
		for (;;) {
			const want = stats.size > 0 ? stats.size - total : 64 * 1024;
			if (want <= 0) break;
			const chunk = Buffer.allocUnsafe(want);
			const got = readSync(fd, chunk, 0, want, null);
			if (got === 0) break;
			chunks.push(got === want ? chunk : chunk.subarray(0, got));
			total += got;
			if (total > maxFileBytes) return unreadable(file, `larger than ${maxFileBytes / 1024 / 1024} MiB: not a certificate file`, 'file', mode);
		}

		return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
	} finally {
		closeSync(fd);
	}
}

/** A file's bytes when it is a regular file within the bound; undefined otherwise (no reason needed). */
export async function readFileBounded(file: string): Promise<Buffer | undefined> {
	try {
		// Synchronous, as the walk's reads are: asked while signatures are checked, a request would wait behind them.
		const stats = statSync(file);
		if (!stats.isFile() || stats.size > maxFileBytes) return undefined;
		const bytes = readRegularFile(file, stats.mode & 0o777);
		return Buffer.isBuffer(bytes) ? bytes : undefined;
	} catch {
		return undefined;
	}
}
