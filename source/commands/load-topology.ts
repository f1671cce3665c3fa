import {constants} from 'node:fs';
import {open} from 'node:fs/promises';
import path from 'node:path';
import {algorithms, exampleTopology, formatProblem, parseClusterFile, type Algorithm, type Problem, type Topology} from '../core/topology.js';
import {UsageError} from './io.js';

/** The largest cluster file read: a real one is a few kilobytes; anything bigger is the wrong file. */
export const maxConfigBytes = 1024 * 1024;

/**
 * The cluster from --config (or the built-in example), with --algorithm applied; bad input is a UsageError.
 * Warnings (a short leaf lifetime, what node.cfg left to the example) are returned for the command to say.
 */
export async function loadTopology(
	configPath: string | undefined,
	cwd: string,
	algorithm?: string,
): Promise<{topology: Topology; source: string; warnings: readonly Problem[]}> {
	let topology: Topology;
	let source = 'built-in example cluster';
	let warnings: readonly Problem[] = [];
	if (configPath) {
		const full = path.resolve(cwd, configPath);
		const result = parseClusterFile(await readConfig(full, configPath));
		if (!result.ok) {
			throw new UsageError(result.problems.map(p => `${configPath}: ${formatProblem(p)}`).join('\n'));
		}

		topology = result.topology;
		warnings = result.warnings;
		source = full;
	} else {
		topology = exampleTopology();
	}

	if (algorithm !== undefined) {
		if (!(algorithms as readonly string[]).includes(algorithm)) {
			throw new UsageError(`--algorithm: must be one of ${algorithms.join(', ')} (got ${JSON.stringify(algorithm)})`);
		}

		topology = {...topology, algorithm: algorithm as Algorithm};
	}

	return {topology, source, warnings};
}

/**
 * The text of a cluster file: a regular file of at most 1 MiB. A FIFO, a device (/dev/zero) or a folder is
 * refused in one line rather than read forever. O_NONBLOCK: opening a FIFO with no writer returns at once
 * (and the handle's own type is checked, so nothing can swap the file between the check and the read).
 */
async function readConfig(full: string, shown: string): Promise<string> {
	let handle;
	try {
		handle = await open(full, constants.O_RDONLY | constants.O_NONBLOCK);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new UsageError(`--config: cannot read ${shown}${code === 'ENOENT' ? ': no such file' : code === 'EACCES' ? ': permission denied' : `: ${code ?? 'error'}`}`);
	}

	try {
		const info = await handle.stat();
		if (info.isDirectory()) throw new UsageError(`--config: cannot read ${shown}: it is a folder`);
		if (!info.isFile()) throw new UsageError(`--config: ${shown} is not a regular file (a FIFO, socket or device); give the cluster file itself`);
		if (info.size > maxConfigBytes) throw new UsageError(`--config: ${shown} is ${info.size.toLocaleString('en-US')} bytes; a cluster file has at most ${maxConfigBytes.toLocaleString('en-US')} (1 MiB)`);
		const buffer = Buffer.alloc(maxConfigBytes + 1);
		let length = 0;
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			const {bytesRead} = await handle.read(buffer, length, buffer.length - length, null);
			if (bytesRead === 0) break;
			length += bytesRead;
			if (length > maxConfigBytes) throw new UsageError(`--config: ${shown} is more than ${maxConfigBytes.toLocaleString('en-US')} bytes (1 MiB), the most a cluster file may have`);
		}

		const text = buffer.subarray(0, length).toString('utf8');
		if (text.includes('\u0000')) throw new UsageError(`--config: ${shown} is a binary file, not a cluster file`);
		return text;
	} catch (error) {
		if (error instanceof UsageError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		throw new UsageError(`--config: cannot read ${shown}: ${code ?? 'error'}`);
	} finally {
		await handle.close();
	}
}
