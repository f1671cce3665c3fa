// What a run may take from the folder it writes into. Trust nothing kubepki did not make for the caller:
// a key, CA or encryption config is reused only when it is a plain file, the caller's, and closed to others.
import {constants, type Stats} from 'node:fs';
import {lstat, open} from 'node:fs/promises';
import path from 'node:path';
import {manifestName, parseManifest, type Manifest} from './manifest.js';
import {modeText, ownerText, RefusedError, writeError} from './write.js';

/** A refusal to reuse something others could have read or planted: --force never bypasses it. */
export class DistrustError extends RefusedError {}

/** One file read from the output folder, with what its inode says about who could have touched it. */
export type FolderFile = {readonly rel: string; readonly full: string; readonly text: string; readonly stats: Stats};

// Nothing kubepki writes and reads back comes near this; a bigger file (or /dev/zero behind a name) is not one.
const maxReuseBytes = 1024 * 1024;

/** What a path that is not a plain file is, in words ("a FIFO", "a device"). */
export function kindOf(stats: Stats): string {
	if (stats.isFIFO()) return 'a FIFO';
	if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
	if (stats.isSocket()) return 'a socket';
	if (stats.isDirectory()) return 'a folder';
	return 'not a regular file';
}

/**
 * Read a file of the output folder that a run may reuse. Undefined when it is not there. Never follows a
 * symbolic link, never blocks on a FIFO or reads a device: those, and an unreadable file, are refused (exit
 * 1) rather than taken for missing, so nothing is made anew over them.
 */
export async function readFolderFile(outDir: string, rel: string, options: {maxBytes?: number} = {}): Promise<FolderFile | undefined> {
	const full = path.join(outDir, rel);
	let handle;
	try {
		handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
		if (code === 'ELOOP') throw new RefusedError(`${full} is a symbolic link; kubepki reuses only the plain files it wrote: put the file itself there, or remove the link`);
		if (code === 'EACCES' || code === 'EPERM') {
			// Someone else's file is refused as such (it may have been planted); one of yours, as unreadable, never as missing.
			const stats = await lstat(full).catch(() => undefined);
			if (stats && distrustOf(stats, 'secret') === 'owner') throw new DistrustError(await distrustMessage(full, stats, 'owner', 'secret'));
			throw new DistrustError(`${full} is there but cannot be read (permission denied); kubepki will not make a new one over it: give yourself read access to it`);
		}

		throw writeError(error, full);
	}

	try {
		const stats = await handle.stat();
		if (!stats.isFile()) throw new RefusedError(`${full} is ${kindOf(stats)}, not a file kubepki wrote; remove it`);
		const maxBytes = options.maxBytes ?? maxReuseBytes;
		if (stats.size > maxBytes) throw new RefusedError(`${full} is larger than ${maxBytes / 1024 / 1024} MiB, not a file kubepki wrote; remove it`);
		const buffer = Buffer.alloc(stats.size);
		const {bytesRead} = stats.size > 0 ? await handle.read(buffer, 0, stats.size, 0) : {bytesRead: 0};
		return {rel, full, text: buffer.subarray(0, bytesRead).toString('utf8'), stats};
	} catch (error) {
		if (error instanceof RefusedError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EACCES' || code === 'EPERM') throw new DistrustError(`${full} is there but cannot be read (permission denied); kubepki will not make a new one over it`);
		throw writeError(error, full);
	} finally {
		await handle.close();
	}
}

const callerUid = () => (typeof process.getuid === 'function' ? process.getuid() : undefined);

type Distrust = 'owner' | 'mode';

function distrustOf(stats: Stats, what: 'secret' | 'public'): Distrust | undefined {
	const uid = callerUid();
	if (uid !== undefined && stats.uid !== uid) return 'owner';
	if ((stats.mode & (what === 'secret' ? 0o077 : 0o022)) !== 0) return 'mode';
	return undefined;
}

/** Why a file may not be reused as a secret (a key, an encryption config), or undefined when it may. */
export function secretDistrust(file: FolderFile): Distrust | undefined {
	return distrustOf(file.stats, 'secret');
}

/** Why a public file (a CA certificate) may not be trusted: someone else's, or writable by others. */
export function publicDistrust(file: FolderFile): Distrust | undefined {
	return distrustOf(file.stats, 'public');
}

async function distrustMessage(full: string, stats: Stats, reason: Distrust, what: 'secret' | 'public'): Promise<string> {
	const facts = `owner ${await ownerText(stats.uid)}, mode ${modeText(stats.mode)}`;
	return what === 'secret'
		? `will not reuse ${full} (${facts}): ${reason === 'owner' ? 'it is not yours' : 'others could read it'}, so the key must be treated as exposed; remove it and every copy of it, then run again to make a new one`
		: `will not trust ${full} (${facts}): ${reason === 'owner' ? 'it is not yours' : 'others could replace it'}, so its key must be treated as exposed; remove it and its key, then run again to make a new one`;
}

/**
 * Refuse (exit 1) to reuse a key, CA or encryption config that is not the caller's or that others could
 * read or write: one line with the file, its owner and mode, and what that means. --force does not bypass it.
 */
export async function requireTrusted(file: FolderFile | undefined, what: 'secret' | 'public'): Promise<void> {
	if (!file) return;
	const reason = distrustOf(file.stats, what);
	if (reason) throw new DistrustError(await distrustMessage(file.full, file.stats, reason, what));
}

/** The manifest an earlier run left, if any (only to know what existed; nothing is reused from it). */
export async function previousManifest(outDir: string): Promise<Manifest | undefined> {
	// Through readFolderFile, like everything read back: a FIFO or /dev/zero under this name is refused, not read.
	// The manifest grows with the cluster (about 2 KiB a worker): a larger bound than for keys.
	const file = await readFolderFile(outDir, manifestName, {maxBytes: 256 * 1024 * 1024});
	return file === undefined ? undefined : parseManifest(file.text);
}

/** Which of these relative paths exist in the output folder (any kind of entry). */
export async function existingPaths(outDir: string, rels: readonly string[]): Promise<string[]> {
	const found = await Promise.all(rels.map(async rel => ((await lstat(path.join(outDir, rel)).catch(() => undefined)) ? rel : undefined)));
	return found.filter((rel): rel is string => rel !== undefined);
}

/** `a, b and 3 more`: a list short enough for one line. */
export function someOf(items: readonly string[], shown = 3): string {
	return items.slice(0, shown).join(', ') + (items.length > shown ? ` and ${items.length - shown} more` : '');
}
