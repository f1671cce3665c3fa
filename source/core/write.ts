import {randomBytes} from 'node:crypto';
import {constants, type Stats} from 'node:fs';
import {chmod, link, lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {manifestName, privateEntries} from './manifest.js';

/*
 * How kubepki changes a folder: one transaction per run, under a lock.
 *
 * API for every command that writes (generate, the wizard, renew, rotate-ca, retire):
 *
 *   const folder = await lockFolder(outDir, {command: 'renew'});   // RefusedError (exit 1) when another run holds it
 *   try {
 *     ...read what is there (folder.warnings: what the trust check tightened)...
 *     await folder.commit(files, {remove: ['nodes/node3/node3.pem'], backupDir: '.backup/2026-12-01T10-00-00Z'});
 *   } finally {
 *     await folder.release();
 *   }
 *
 *   or, when nothing has to be read under the lock:  await commitFolder(outDir, files, options)
 *
 *   folder.stage(files) before commit starts writing those files into the staging folder at once (generate: each
 *   certificate and key as it is issued, while the other keys are still being made); commit then writes only
 *   what it lists that is not staged already with the same bytes. Nothing staged is live before the commit.
 *
 * - lockFolder makes the folder (0700) if needed, checks it is the caller's and tightens a loose mode
 *   (checkFolderTrust), takes the exclusive lock, and finishes or discards whatever a killed run left.
 *   The lock is a Linux abstract socket named after the folder's device and inode: the kernel drops it when
 *   its process dies, so a dead run's lock is taken over with no guessing. `.kubepki-lock` in the folder
 *   names the holder (pid, command, start) for the refusal message; elsewhere it is the lock itself (O_EXCL,
 *   taken over when its pid is gone).
 * - commit writes the whole new state into `.kubepki-staging/files/` (each file at its mode from creation,
 *   fsynced, every folder fsynced), then writes `.kubepki-staging/journal.json` (fsynced): that is the commit
 *   point. Only then are the staged files renamed over the live ones (the manifest last), `remove` deleted,
 *   and the staging folder removed. A kill before the journal exists leaves the old set untouched (the
 *   staging is discarded by the next run); a kill after it is rolled forward by the next lockFolder or
 *   recoverFolder (lint and inspect call it), so the folder is always the old complete set or the new one.
 * - backupDir (relative to outDir): every live file that is replaced or removed is first hard-linked there
 *   under its own relative path, so nothing of the old set is lost.
 * - Ctrl-C (interruptWrites, from the SIGINT handler) discards staging that is not committed yet and
 *   finishes a commit that is; nothing named `.kubepki-tmp-*` is ever left in the live folder.
 */

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

/** An action the user must change something to allow (exit 1): e.g. a CA cert without its key, a folder in use. */
export class RefusedError extends Error {}

/** A file-system failure while writing, with the path it concerns (ENOSPC, EROFS, EACCES, ...): exit 1. */
export class WriteError extends RefusedError {}

export type CommitOptions = {
	/** Relative paths of live files to delete in the same transaction (a retired node's files). */
	readonly remove?: readonly string[];
	/** Relative folder that keeps every replaced or removed live file (hard links), e.g. `.backup/<timestamp>`. */
	readonly backupDir?: string;
};

export type LockedFolder = {
	readonly dir: string;
	/** What the trust check changed (a folder tightened to 0700), one line each, for the user. */
	readonly warnings: readonly string[];
	/** Replace the folder's files in one transaction. Returns the absolute paths written, in order. */
	commit(files: readonly OutputFile[], options?: CommitOptions): Promise<string[]>;
	/**
	 * Start writing files of the coming commit into the staging folder now (in the background; a failure is
	 * thrown by commit). Files the commit does not list, or lists with other bytes, are not put live.
	 */
	stage(files: readonly OutputFile[]): void;
	release(): Promise<void>;
};

/** Names inside an output folder that belong to the transaction, not to the PKI: folder walks skip them. */
export const stagingDirName = privateEntries[0]!;
export const lockFileName = privateEntries[1]!;

const journalName = 'journal.json';
const tempMarker = '.kubepki-tmp-';

export function isTransactionEntry(name: string): boolean {
	return privateEntries.includes(name) || name.startsWith(tempMarker);
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
	await mkdir(dir, {recursive: true, mode: 0o700}).catch(error => {
		throw writeError(error, dir);
	});
	if (!existed) await chmod(dir, 0o700);
}

const errnoWords: Record<string, string> = {
	ENOSPC: 'no space left on the device',
	EDQUOT: 'disk quota exceeded',
	EFBIG: 'file too large for this file system',
	EROFS: 'read-only file system',
	EACCES: 'permission denied',
	EPERM: 'operation not permitted',
	EISDIR: 'a folder is in the way',
	ENOTDIR: 'a file is in the way of a folder',
	EEXIST: 'already exists',
	EIO: 'input/output error',
};

/** A file-system error as one line that names the path it concerns. */
export function writeError(error: unknown, where: string): WriteError {
	if (error instanceof WriteError) return error;
	const code = (error as NodeJS.ErrnoException)?.code;
	if (!code) return new WriteError(`cannot write ${where}: ${(error as Error)?.message ?? String(error)}`);
	return new WriteError(`cannot write ${where}: ${errnoWords[code] ?? code} (${code})`);
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

/** Write a new file (never following or reusing what is at the path), at its mode from creation, fsynced. */
async function writeNew(file: string, content: string | Uint8Array, mode: number): Promise<void> {
	const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
	try {
		await handle.writeFile(content);
		await handle.chmod(mode);
		await handle.sync();
	} finally {
		await handle.close();
	}
}

/**
 * Write one file atomically on its own (temp file in the same folder, fsync, rename, fsync the folder).
 * For a single file outside a transaction; a PKI folder is written with commit.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, mode: number): Promise<void> {
	const dir = path.dirname(file);
	const temp = path.join(dir, `${tempMarker}${path.basename(file)}-${randomBytes(4).toString('hex')}`);
	try {
		await writeNew(temp, content, mode);
		await rename(temp, file);
	} catch (error) {
		await rm(temp, {force: true});
		throw writeError(error, file);
	}

	await syncDir(dir);
}

// Files written at once into the staging folder.
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

// ---------------------------------------------------------------------------------------------------
// Trust: the folder must be the caller's before anything in it is read or reused.

const callerUid = () => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/** `0644`: a mode as people write it. */
export function modeText(mode: number): string {
	return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** `uid 1001`, or the user's name when /etc/passwd knows it. */
export async function ownerText(uid: number): Promise<string> {
	const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
	const name = passwd.split('\n').map(line => line.split(':')).find(fields => fields[2] === String(uid))?.[0];
	return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/**
 * Check a folder kubepki is about to read from and write into: owned by the caller, or refuse (exit 1);
 * group or others may read or write it: tightened to 0700, with a warning. Returns the warnings.
 */
export async function checkFolderTrust(dir: string, stats: Stats): Promise<string[]> {
	const uid = callerUid();
	if (!stats.isDirectory()) throw new RefusedError(`${dir} is not a folder`);
	if (uid !== undefined && stats.uid !== uid) {
		throw new RefusedError(
			`${dir} belongs to ${await ownerText(stats.uid)}, not to you (mode ${modeText(stats.mode)}): anything in it may have been planted; use a folder of your own`,
		);
	}

	if ((stats.mode & 0o077) === 0) return [];
	await chmod(dir, 0o700).catch(error => {
		throw writeError(error, dir);
	});
	return [`tightened ${dir} from ${modeText(stats.mode)} to 0700: others could ${(stats.mode & 0o022) === 0 ? 'read' : 'change'} what is in it`];
}

// ---------------------------------------------------------------------------------------------------
// The lock

type LockInfo = {pid: number; command: string; startedAt: string};

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

async function readLockInfo(dir: string): Promise<LockInfo | undefined> {
	try {
		const info = JSON.parse(await readFile(path.join(dir, lockFileName), 'utf8')) as LockInfo;
		return typeof info.pid === 'number' ? info : undefined;
	} catch {
		return undefined;
	}
}

/**
 * The folder's kernel lock, or who holds it. A run that finds the lock busy looks at the lock file for the holder;
 * should the holder end before it is named (it finished, or was killed), the lock is free and is taken instead:
 * a refusal names a run that holds the folder, never one that has gone. Without a time limit: the holder either
 * writes its pid (at once after taking the lock) or ends.
 */
async function takeKernelLock(dir: string, stats: Stats): Promise<{readonly server: net.Server | undefined} | {readonly holder: LockInfo | undefined}> {
	for (;;) {
		const server = await kernelLock(stats);
		if (server !== 'busy') return {server};
		const info = await readLockInfo(dir);
		if (info && processAlive(info.pid)) {
			// Still the holder's? A lock freed since is taken on the next turn.
			if ((await kernelLock(stats).then(probe => (probe === 'busy' ? 'busy' : (probe?.close(), 'free')))) === 'busy') return {holder: info};
			continue;
		}

		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

function busyError(dir: string, info: LockInfo | undefined): RefusedError {
	const who = info ? `pid ${info.pid}, \`kubepki ${info.command}\`, since ${info.startedAt}` : 'another process';
	return new RefusedError(`${dir} is being written by another kubepki run (${who}); wait for it to finish, then run again`);
}

/** Linux: bind an abstract socket named after the folder; the kernel releases it when this process ends. */
async function kernelLock(stats: Stats): Promise<net.Server | 'busy' | undefined> {
	if (process.platform !== 'linux') return undefined;
	const server = net.createServer();
	return new Promise(resolve => {
		server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'busy' : undefined));
		server.listen({path: `\0kubepki-lock:${stats.dev}:${stats.ino}`, exclusive: true}, () => {
			server.unref();
			resolve(server);
		});
	});
}

/** Elsewhere: the lock file itself, created exclusively; one whose process is gone is taken over. */
async function fileLock(dir: string, info: LockInfo): Promise<void> {
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			await writeNew(path.join(dir, lockFileName), JSON.stringify(info) + '\n', 0o600);
			return;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(error, path.join(dir, lockFileName));
			const holder = await readLockInfo(dir);
			if (holder && processAlive(holder.pid)) throw busyError(dir, holder);
			await rm(path.join(dir, lockFileName), {force: true});
		}
	}

	throw busyError(dir, await readLockInfo(dir));
}

/** Files staged before the commit (LockedFolder.stage), by relative path. */
type Early = {readonly ready: Promise<void>; readonly files: Map<string, {readonly file: OutputFile; readonly done: Promise<void>}>; readonly dirs: Map<string, Promise<void>>; running: number; readonly waiting: Array<() => void>};
type Active = {phase: 'staging' | 'applying' | 'idle'; outDir: string; work?: Promise<unknown>; aborted: boolean; early?: Early; release: () => Promise<void>};
const active = new Set<Active>();

/**
 * Take the folder for this run: make it if needed (0700), check it is the caller's, lock it, and finish or
 * discard what a killed run left. RefusedError when another run holds it or the folder is not trusted.
 */
export async function lockFolder(outDir: string, options: {command?: string} = {}): Promise<LockedFolder> {
	if (outDir.trim() === '') throw new RefusedError('the output folder is an empty path');
	const dir = path.resolve(outDir);
	const before = await stat(dir).catch(() => undefined);
	if (before && !before.isDirectory()) throw new RefusedError(`${dir} exists and is not a folder`);
	await ensurePrivateDir(dir);
	const stats = await stat(dir);
	const warnings = before ? await checkFolderTrust(dir, stats) : [];
	const info: LockInfo = {pid: process.pid, command: options.command ?? 'generate', startedAt: new Date().toISOString()};
	const taken = await takeKernelLock(dir, stats);
	if ('holder' in taken) throw busyError(dir, taken.holder);
	const {server} = taken;
	let released = false;
	// The lock file, once its write has begun, is this run's to remove: a Ctrl-C while it is being written
	// (interruptWrites) waits for the write, then removes it.
	let noted: Promise<void> = Promise.resolve();
	const entry: Active = {
		phase: 'idle',
		outDir: dir,
		aborted: false,
		async release() {
			if (released) return;
			released = true;
			active.delete(entry);
			await noted.catch(() => undefined);
			// Staged and never committed (the run failed or was refused after staging): the staging goes.
			if (entry.early) {
				await settled(entry.early);
				entry.early = undefined;
				await rm(path.join(dir, stagingDirName), {recursive: true, force: true}).catch(() => undefined);
			}

			const holder = await readLockInfo(dir);
			if (holder?.pid === process.pid) await rm(path.join(dir, lockFileName), {force: true});
			if (server) server.close();
		},
	};
	active.add(entry);
	// The socket is the lock; the file only says who holds it. Without the socket, the file is the lock.
	noted = server
		? writeFile(path.join(dir, lockFileName), JSON.stringify(info) + '\n', {mode: 0o600}).catch(error => {
				throw writeError(error, path.join(dir, lockFileName));
			})
		: fileLock(dir, info);
	try {
		await noted;
	} catch (error) {
		// Not taken: nothing of this run to remove (a lock file that is there is another run's, or was never written).
		released = true;
		active.delete(entry);
		if (server) server.close();
		throw error;
	}

	// Interrupted while the lock file was written: the lock is already given back and this process is ending by
	// its SIGINT; the run goes no further.
	if (released) await new Promise<never>(() => {});
	try {
		await recoverLocked(dir);
	} catch (error) {
		await entry.release();
		throw error;
	}

	return {
		dir,
		warnings,
		async commit(files, commitOptions = {}) {
			if (released) throw new Error('bug: commit after release');
			const work = commitLocked(dir, files, commitOptions, entry);
			entry.work = work.catch(() => undefined);
			try {
				return await work;
			} finally {
				entry.phase = 'idle';
			}
		},
		stage(files) {
			if (released) throw new Error('bug: stage after release');
			stageEarly(dir, files, entry);
		},
		release: entry.release,
	};
}

/** Wait for every early write; the first failure, if any. */
async function settled(early: Early): Promise<unknown> {
	const results = await Promise.allSettled([...early.files.values()].map(async f => f.done));
	return results.find((result): result is PromiseRejectedResult => result.status === 'rejected')?.reason;
}

function stageEarly(dir: string, files: readonly OutputFile[], entry: Active): void {
	const staging = path.join(dir, stagingDirName);
	const stagedRoot = path.join(staging, 'files');
	if (!entry.early) {
		entry.phase = 'staging';
		const ready = (async () => {
			await rm(staging, {recursive: true, force: true});
			await ensurePrivateDir(stagedRoot);
		})();
		entry.early = {ready, files: new Map(), dirs: new Map(), running: 0, waiting: []};
	}

	const early = entry.early;
	// Each staged folder made once, parents first, 0700 (as commit makes them).
	const stagedDir = async (rel: string): Promise<void> => {
		if (rel === '.' || rel === '') return;
		let made = early.dirs.get(rel);
		if (!made) {
			made = stagedDir(path.dirname(rel)).then(async () => ensurePrivateDir(path.join(stagedRoot, rel)));
			early.dirs.set(rel, made);
		}

		return made;
	};

	for (const file of files) {
		const full = resolveInside(dir, file.path);
		const rel = path.relative(dir, full);
		if (early.files.has(rel) || isTransactionEntry(rel.split(path.sep)[0]!)) continue;
		const done = early.ready.then(async () => {
			// `writeConcurrency` at a time, as commit writes.
			if (early.running >= writeConcurrency) await new Promise<void>(resolve => early.waiting.push(resolve));
			else early.running++;
			try {
				if (entry.aborted) throw new RefusedError('interrupted');
				await stagedDir(path.dirname(rel));
				await writeNew(path.join(stagedRoot, rel), file.content, file.mode).catch(error => {
					throw writeError(error, full);
				});
			} finally {
				const next = early.waiting.shift();
				if (next) next();
				else early.running--;
			}
		});
		// A failure is thrown by commit (or dropped by release); never an unhandled rejection meanwhile.
		done.catch(() => undefined);
		early.files.set(rel, {file, done});
	}

	entry.work = settled(early);
}

function sameFile(a: OutputFile, b: OutputFile): boolean {
	if (a.mode !== b.mode) return false;
	if (typeof a.content === 'string' && typeof b.content === 'string') return a.content === b.content;
	return Buffer.from(a.content).equals(Buffer.from(b.content));
}

/** Lock, commit, release: for a writer that read nothing it depends on under the lock. */
export async function commitFolder(outDir: string, files: readonly OutputFile[], options: CommitOptions & {command?: string} = {}): Promise<string[]> {
	const folder = await lockFolder(outDir, options);
	try {
		return await folder.commit(files, options);
	} finally {
		await folder.release();
	}
}

/**
 * Ctrl-C: discard staging that is not committed, finish a commit that is, release every lock. Call from a
 * SIGINT handler before dying.
 */
export async function interruptWrites(): Promise<void> {
	await Promise.all(
		[...active].map(async entry => {
			if (entry.phase === 'staging') {
				entry.aborted = true;
				await entry.work;
				await rm(path.join(entry.outDir, stagingDirName), {recursive: true, force: true});
			} else if (entry.phase === 'applying') {
				await entry.work;
			}

			await entry.release();
		}),
	);
}

/** The name this module had before transactions; the CLI's SIGINT handler calls it. */
export const removePendingTemps = interruptWrites;

// ---------------------------------------------------------------------------------------------------
// The transaction

type Journal = {readonly version: 1; readonly put: readonly string[]; readonly remove: readonly string[]; readonly backupDir?: string};

/** `a/b/c.pem` → `a`, `a/b`. */
function ancestors(rel: string): string[] {
	const parts = rel.split(path.sep).slice(0, -1);
	return parts.map((_, index) => parts.slice(0, index + 1).join(path.sep));
}

async function commitLocked(dir: string, files: readonly OutputFile[], options: CommitOptions, entry: Active): Promise<string[]> {
	try {
		return await stageAndApply(dir, files, options, entry);
	} catch (error) {
		// Before the commit point a failure (a full disk, Ctrl-C) drops the staging: the old set stays as it was.
		if (entry.phase === 'staging') await rm(path.join(dir, stagingDirName), {recursive: true, force: true}).catch(() => undefined);
		throw error;
	}
}

async function stageAndApply(dir: string, files: readonly OutputFile[], options: CommitOptions, entry: Active): Promise<string[]> {
	const planned = files.map(file => ({file, full: resolveInside(dir, file.path), rel: path.relative(dir, resolveInside(dir, file.path))}));
	const seen = new Set<string>();
	for (const {rel} of planned) {
		if (seen.has(rel)) throw new Error(`bug: two files at ${rel}`);
		if (isTransactionEntry(rel.split(path.sep)[0]!)) throw new Error(`bug: ${rel} is a name kubepki keeps for itself`);
		seen.add(rel);
	}

	const remove = (options.remove ?? []).map(rel => path.relative(dir, resolveInside(dir, rel)));
	if (options.backupDir) resolveInside(dir, options.backupDir);
	const staging = path.join(dir, stagingDirName);
	const stagedRoot = path.join(staging, 'files');
	entry.phase = 'staging';
	const early = entry.early;
	entry.early = undefined;
	if (early) {
		// Files staged while the run was still issuing: wait for them; a failure among them fails the commit.
		const failure = await settled(early);
		if (failure !== undefined) throw failure;
	} else {
		await rm(staging, {recursive: true, force: true});
		await ensurePrivateDir(stagedRoot);
	}

	const dirs = [...new Set(planned.map(({rel}) => path.dirname(path.join(stagedRoot, rel))))].sort((a, b) => a.length - b.length);
	for (const folder of dirs) {
		if (entry.aborted) throw new RefusedError('interrupted');
		await ensurePrivateDir(folder);
	}

	await eachLimited(planned, writeConcurrency, async ({file, full, rel}) => {
		if (entry.aborted) throw new RefusedError('interrupted');
		const staged = early?.files.get(rel);
		if (staged && sameFile(staged.file, file)) return;
		if (staged) await rm(path.join(stagedRoot, rel), {force: true});
		await writeNew(path.join(stagedRoot, rel), file.content, file.mode).catch(error => {
			throw writeError(error, full);
		});
	});
	if (entry.aborted) throw new RefusedError('interrupted');
	for (const folder of [...dirs].reverse()) await syncDir(folder);
	// Everything that could stop the swap is found before the commit point: a folder where a file goes, a
	// file where a folder goes. After it, only the disk itself can fail, and the next run finishes the job.
	// (Nothing is made in the live folder yet: a kill before the commit point leaves it exactly as it was.)
	// (The checks run `writeConcurrency` at a time: one after another they were a pool round trip per file.)
	const liveDirs = [...new Set(planned.flatMap(({rel}) => ancestors(rel).map(folder => path.join(dir, folder))))];
	await eachLimited(liveDirs, writeConcurrency, async folder => {
		const there = await lstat(folder).catch(() => undefined);
		if (there && !there.isDirectory()) throw writeError(Object.assign(new Error('ENOTDIR'), {code: 'ENOTDIR'}), folder);
	});
	await eachLimited(planned, writeConcurrency, async ({full}) => {
		const there = await lstat(full).catch(() => undefined);
		if (there?.isDirectory()) throw writeError(Object.assign(new Error('EISDIR'), {code: 'EISDIR'}), full);
	});

	// The manifest goes in last, so until the very end it describes a complete set.
	const put = [...planned.filter(p => p.rel !== manifestName), ...planned.filter(p => p.rel === manifestName)].map(p => p.rel);
	const journal: Journal = {version: 1, put, remove, ...(options.backupDir && {backupDir: options.backupDir})};
	const part = path.join(staging, `${journalName}.part`);
	await writeNew(part, JSON.stringify(journal) + '\n', 0o600).catch(error => {
		throw writeError(error, dir);
	});
	if (entry.aborted) throw new RefusedError('interrupted');
	// The commit point: from here on the new set is the folder's, whatever happens to this process.
	entry.phase = 'applying';
	await rename(part, path.join(staging, journalName));
	await syncDir(staging);
	await applyJournal(dir, journal);
	return planned.map(({full}) => full);
}

/** Move the staged files over the live ones. Idempotent: a run killed half way is finished by the next. */
async function applyJournal(dir: string, journal: Journal): Promise<void> {
	const staging = path.join(dir, stagingDirName);
	const stagedRoot = path.join(staging, 'files');
	const backup = journal.backupDir ? resolveInside(dir, journal.backupDir) : undefined;
	const keep = async (rel: string) => {
		if (!backup) return;
		const live = path.join(dir, rel);
		const kept = path.join(backup, rel);
		if (!(await lstat(live).catch(() => undefined))?.isFile()) return;
		await ensurePrivateDir(path.dirname(kept));
		await link(live, kept).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== 'EEXIST') throw writeError(error, kept);
		});
	};

	const liveDirs = new Set<string>();
	// Each live folder is made once, not once per file (a stat and a mkdir each: 869 files at 50 workers).
	const made = new Set<string>();
	for (const rel of journal.put) {
		const staged = path.join(stagedRoot, rel);
		if (!(await lstat(staged).catch(() => undefined))) continue; // moved before a kill
		const live = path.join(dir, rel);
		if (!made.has(path.dirname(live))) {
			await ensurePrivateDir(path.dirname(live));
			made.add(path.dirname(live));
		}

		await keep(rel);
		await rename(staged, live).catch(error => {
			throw writeError(error, live);
		});
		liveDirs.add(path.dirname(live));
	}

	for (const rel of journal.remove) {
		await keep(rel);
		await unlink(path.join(dir, rel)).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== 'ENOENT') throw writeError(error, path.join(dir, rel));
		});
		liveDirs.add(path.dirname(path.join(dir, rel)));
	}

	for (const folder of liveDirs) await syncDir(folder);
	if (backup) await syncDir(backup);
	await unlink(path.join(staging, journalName));
	await syncDir(staging);
	await rm(staging, {recursive: true, force: true});
	await syncDir(dir);
}

async function readJournal(dir: string): Promise<Journal | undefined> {
	const text = await readFile(path.join(dir, stagingDirName, journalName), 'utf8').catch(() => undefined);
	if (text === undefined) return undefined;
	const journal = JSON.parse(text) as Journal;
	if (journal.version !== 1 || !Array.isArray(journal.put) || !Array.isArray(journal.remove)) throw new RefusedError(`${path.join(dir, stagingDirName, journalName)} is not a kubepki journal`);
	for (const rel of [...journal.put, ...journal.remove, ...(journal.backupDir ? [journal.backupDir] : [])]) resolveInside(dir, rel);
	return journal;
}

/** Under the lock: roll a committed transaction forward, discard an uncommitted one, remove stray temp files. */
async function recoverLocked(dir: string): Promise<'rolled-forward' | 'discarded' | 'clean'> {
	let outcome: 'rolled-forward' | 'discarded' | 'clean' = 'clean';
	const staging = path.join(dir, stagingDirName);
	if (await lstat(staging).catch(() => undefined)) {
		const journal = await readJournal(dir);
		if (journal) {
			await applyJournal(dir, journal);
			outcome = 'rolled-forward';
		} else {
			await rm(staging, {recursive: true, force: true});
			outcome = 'discarded';
		}
	}

	// Temp files of kubepki before transactions (a killed run of an older version).
	const entries = await readdir(dir, {withFileTypes: true, recursive: true}).catch(() => []);
	await Promise.all(
		entries
			.filter(item => item.isFile() && item.name.startsWith(tempMarker))
			.map(async item => rm(path.join(item.parentPath ?? dir, item.name), {force: true})),
	);
	return outcome;
}

export type Recovery =
	| {readonly status: 'clean' | 'rolled-forward' | 'discarded'}
	| {readonly status: 'busy' | 'failed'; readonly message: string};

/**
 * For readers (lint, inspect): when a folder holds what a killed run left, finish it (committed) or drop it
 * (not committed) first, so what is read is one complete set. Nothing happens in a folder with no staging.
 */
export async function recoverFolder(dir: string): Promise<Recovery> {
	const staging = await lstat(path.join(dir, stagingDirName)).catch(() => undefined);
	if (!staging) return {status: 'clean'};
	const stats = await lstat(dir);
	const taken = await takeKernelLock(dir, stats);
	if ('holder' in taken) return {status: 'busy', message: busyError(dir, taken.holder).message};
	const {server} = taken;
	try {
		if (!server) {
			const holder = await readLockInfo(dir);
			if (holder && processAlive(holder.pid)) return {status: 'busy', message: busyError(dir, holder).message};
		}

		return {status: await recoverLocked(dir)};
	} catch (error) {
		return {status: 'failed', message: (error as Error).message};
	} finally {
		server?.close();
	}
}
