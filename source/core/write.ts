import {randomBytes} from 'node:crypto';
import {constants} from 'node:fs';
import {chmod, mkdir, open, readdir, rename, rm, stat} from 'node:fs/promises';
import path from 'node:path';

/** One file to write: its path relative to the output folder, its bytes, and its mode. */
export type OutputFile = {
	readonly path: string;
	readonly content: string | Uint8Array;
	readonly mode: 0o600 | 0o644 | 0o755;
	/** What it is, for the manifest and the review list (`certificate`, `private-key`, `kubeconfig`, ...). */
	readonly kind: string;
	/** The plan id it belongs to, when it belongs to a certificate. */
	readonly certId?: string;
};

const tempMarker = '.kubepki-tmp-';

// Temp files still open: the CLI removes them on Ctrl-C so an interrupt leaves no half-written file.
const pendingTemps = new Set<string>();

/** Remove every temp file this process has not yet renamed into place (call from a SIGINT handler). */
export async function removePendingTemps(): Promise<void> {
	await Promise.all([...pendingTemps].map(async file => rm(file, {force: true})));
	pendingTemps.clear();
}

/** Refuse anything that would land outside the output folder (`../x`, `/etc/x`). */
export function resolveInside(outDir: string, relative: string): string {
	const root = path.resolve(outDir);
	const full = path.resolve(root, relative);
	if (path.isAbsolute(relative) || !full.startsWith(root + path.sep)) {
		throw new Error(`bug: ${relative} escapes ${outDir}`);
	}

	return full;
}

/** Create a folder (and its parents) 0700: folders that hold private keys are for their owner only. */
export async function ensurePrivateDir(dir: string): Promise<void> {
	const existed = await stat(dir).then(
		s => s.isDirectory(),
		() => false,
	);
	await mkdir(dir, {recursive: true, mode: 0o700});
	if (!existed) await chmod(dir, 0o700);
}

/**
 * Write a file atomically: temp file in the same folder, fsync, rename, fsync the folder. `syncDir: false`
 * leaves the folder's fsync to the caller, which does it once for many files (writeAll).
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, mode: number, options: {syncDir?: boolean} = {}): Promise<void> {
	const dir = path.dirname(file);
	const temp = path.join(dir, `${tempMarker}${path.basename(file)}-${randomBytes(4).toString('hex')}`);
	pendingTemps.add(temp);
	try {
		// O_EXCL: never follow or reuse something already at the temp path. Mode at creation: no moment of 0644.
		const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
		try {
			await handle.writeFile(content);
			await handle.chmod(mode);
			await handle.sync();
		} finally {
			await handle.close();
		}

		await rename(temp, file);
		pendingTemps.delete(temp);
	} catch (error) {
		await rm(temp, {force: true});
		pendingTemps.delete(temp);
		throw error;
	}

	if (options.syncDir !== false) await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
	const handle = await open(dir, constants.O_RDONLY).catch(() => undefined);
	if (!handle) return;
	try {
		await handle.sync();
	} catch {
		// Some file systems cannot fsync a folder; the rename is still atomic.
	} finally {
		await handle.close();
	}
}

// Files written at once: each is its own temp file, fsync and rename, so they need not wait for each other.
const writeConcurrency = 8;

/** Run work on every item, `limit` at a time. After a failure nothing new starts; it returns (throwing the first error) once nothing runs. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (!failed && next < items.length) {
			try {
				await work(items[next++]!);
			} catch (error) {
				failed = true;
				throw error;
			}
		}
	};

	const results = await Promise.allSettled(Array.from({length: Math.min(limit, items.length)}, worker));
	const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
	if (rejected) throw rejected.reason;
}

/**
 * Write a set of files under outDir; folders are made 0700. Returns the absolute paths written, in order.
 * Each file is atomic on its own (temp, fsync, rename); they are written several at a time, every folder is
 * fsynced once after its files, and the manifest, which describes the rest, is written only after all of them.
 */
export async function writeAll(outDir: string, files: readonly OutputFile[]): Promise<string[]> {
	await ensurePrivateDir(outDir);
	await removeStaleTemps(outDir);
	const planned = files.map(file => ({file, full: resolveInside(outDir, file.path)}));
	// Parents before children, so each folder kubepki creates is 0700 however deep it is.
	const dirs = [...new Set(planned.map(({full}) => path.dirname(full)))].sort((a, b) => a.length - b.length);
	for (const dir of dirs) await ensurePrivateDir(dir);
	const write = async ({file, full}: (typeof planned)[number]) => writeFileAtomic(full, file.content, file.mode, {syncDir: false});
	const syncDirs = async (group: typeof planned) => {
		await Promise.all([...new Set(group.map(({full}) => path.dirname(full)))].map(async dir => syncDir(dir)));
	};

	const last = planned.filter(({file}) => file.kind === 'manifest');
	const first = planned.filter(({file}) => file.kind !== 'manifest');
	await eachLimited(first, writeConcurrency, write);
	await syncDirs(first);
	await eachLimited(last, writeConcurrency, write);
	await syncDirs(last);
	return planned.map(({full}) => full);
}

/** Temp files left by a run that was killed (SIGKILL, power loss) are removed before writing again. */
async function removeStaleTemps(dir: string): Promise<void> {
	const entries = await readdir(dir, {withFileTypes: true, recursive: true}).catch(() => []);
	await Promise.all(
		entries
			.filter(entry => entry.isFile() && entry.name.startsWith(tempMarker))
			.map(async entry => rm(path.join(entry.parentPath ?? dir, entry.name), {force: true})),
	);
}
