import {existsSync} from 'node:fs';
import {lstat} from 'node:fs/promises';
import path from 'node:path';
import {hasErrors, inspectJson, inspectPaths, inspectText} from '../core/inspect.js';
import {UsageError, type CommandIo} from './io.js';

/**
 * The paths to read, resolved against the working folder. No path: ./pki when it exists (where generate
 * and the wizard write by default), otherwise a usage error. A path that does not exist is a usage error:
 * a typo should not look like an empty, clean PKI.
 */
export async function resolvePaths(command: string, given: readonly string[], io: CommandIo): Promise<string[]> {
	if (given.length === 0) {
		if (existsSync(path.join(io.cwd, 'pki'))) return [shown('pki', io)];
		throw new UsageError(`${command}: give one or more files or folders to read (no ./pki folder here)`);
	}

	for (const item of given) {
		// lstat: a broken symlink exists (and is reported as unreadable), a missing path does not.
		const found = await lstat(path.resolve(io.cwd, item)).catch(() => undefined);
		if (!found) throw new UsageError(`${command}: ${item}: no such file or folder`);
	}

	return given.map(item => shown(item, io));
}

// Relative paths stay relative (as typed, normalized) in every report; the files are read from io.cwd.
function shown(item: string, io: CommandIo): string {
	if (path.isAbsolute(item)) return path.normalize(item);
	return io.cwd === process.cwd() ? path.normalize(item) : path.resolve(io.cwd, item);
}

/** `kubepki inspect PATH... [--json]`: the viewer in a terminal, a report otherwise. Exit 1 when a finding is an error. */
export async function runInspect(paths: string[], flags: {json?: boolean}, io: CommandIo): Promise<number> {
	const resolved = await resolvePaths('inspect', paths, io);
	if (!flags.json && io.stdout.isTTY && process.stdin.isTTY) {
		const {openViewer} = await import('../ui/viewer/open.js');
		return openViewer(resolved, io.env);
	}

	const inspection = await inspectPaths(resolved);
	io.stdout.write(flags.json ? JSON.stringify(inspectJson(inspection), null, 2) + '\n' : inspectText(inspection, process.cwd()));
	return hasErrors(inspection.findings) ? 1 : 0;
}
