import {existsSync} from 'node:fs';
import {lstat} from 'node:fs/promises';
import path from 'node:path';
import {parseEndpoint, type Endpoint} from '../core/endpoint.js';
import {hasErrors, inspectJson, inspectPaths, inspectText, type Inspection} from '../core/inspect.js';
import {EndpointError, inspectLive, type LiveRequest} from '../core/inspect-live.js';
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

// As large as a file inspect reads (load.ts): more is not certificates.
const maxStdinBytes = 16 * 1024 * 1024;

async function readStdin(): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of process.stdin) {
		const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
		size += buffer.length;
		if (size > maxStdinBytes) throw new UsageError(`inspect: -: standard input is larger than ${maxStdinBytes / 1024 / 1024} MiB: not certificates`);
		chunks.push(buffer);
	}

	return Buffer.concat(chunks);
}

type InspectFlags = {json?: boolean; servername?: string; ca?: string; kubeconfig?: string; cert?: string; key?: string; timeout?: string};

/** `--timeout 10s`, `500ms`, `2` (seconds). */
function parseTimeout(value: string): number {
	const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
	const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : Number.NaN;
	if (!(ms >= 1 && ms <= 600_000)) throw new UsageError(`inspect: --timeout ${JSON.stringify(value)}: give a duration such as 10s or 500ms (at most 600s)`);
	return ms;
}

/** The arguments, told apart: a path that exists is a path; otherwise https://HOST:PORT or HOST:PORT is an endpoint. */
async function sortTargets(given: readonly string[], io: CommandIo): Promise<{paths: string[]; endpoints: Endpoint[]}> {
	const paths: string[] = [];
	const endpoints: Endpoint[] = [];
	for (const item of given) {
		const onDisk = await lstat(path.resolve(io.cwd, item)).catch(() => undefined);
		const endpoint = onDisk ? undefined : parseEndpoint(item);
		if (endpoint) endpoints.push(endpoint);
		else paths.push(item);
	}

	return {paths, endpoints};
}

async function mustExist(flag: string, file: string | undefined, io: CommandIo): Promise<string | undefined> {
	if (file === undefined) return undefined;
	const found = await lstat(path.resolve(io.cwd, file)).catch(() => undefined);
	if (!found) throw new UsageError(`inspect: --${flag} ${file}: no such file`);
	return shown(file, io);
}

/** `kubepki inspect PATH|ENDPOINT... [--json]`: the viewer in a terminal, a report otherwise. Exit 1 when a finding is an error. */
export async function runInspect(given: string[], flags: InspectFlags, io: CommandIo): Promise<number> {
	// `-`: standard input (`kubectl get secret -o yaml | kubepki inspect -`), once.
	const wantsStdin = given.includes('-');
	if (wantsStdin && process.stdin.isTTY) throw new UsageError('inspect: - reads standard input, which is a terminal here: pipe something in (kubectl get secret NAME -o yaml | kubepki inspect -)');
	const stdin = wantsStdin ? await readStdin() : undefined;
	const {paths, endpoints} = await sortTargets(given.filter(item => item !== '-'), io);
	const liveFlags = (['servername', 'ca', 'kubeconfig', 'cert', 'key', 'timeout'] as const).filter(flag => flags[flag] !== undefined);
	if (endpoints.length === 0 && liveFlags.length > 0) throw new UsageError(`inspect: --${liveFlags[0]} is for endpoints (https://HOST:PORT or HOST:PORT); none given`);
	if ((flags.cert === undefined) !== (flags.key === undefined)) throw new UsageError(`inspect: ${flags.cert === undefined ? '--key needs --cert' : '--cert needs --key'} (a client certificate and its key)`);
	const resolved = (endpoints.length > 0 || stdin) && paths.length === 0 ? [] : await resolvePaths('inspect', paths, io);
	const load = await liveLoader(endpoints, flags, io, stdin);
	if (!flags.json && io.stdout.isTTY && process.stdin.isTTY) {
		const {openViewer} = await import('../ui/viewer/open.js');
		return openViewer(resolved, io.env, undefined, load, [...resolved, ...endpoints.map(endpoint => endpoint.given)].join(', '));
	}

	let inspection: Inspection;
	try {
		inspection = load ? await load(resolved) : await inspectPaths(resolved, undefined, stdin ? {stdin} : {});
	} catch (error) {
		if (error instanceof EndpointError) throw new UsageError(`inspect: ${error.message}`);
		throw error;
	}

	io.stdout.write(flags.json ? JSON.stringify(inspectJson(inspection), null, 2) + '\n' : inspectText(inspection, process.cwd()));
	return hasErrors(inspection.findings) ? 1 : 0;
}

/** With endpoints: a loader that reads the paths and connects to each (undefined without endpoints). */
async function liveLoader(endpoints: readonly Endpoint[], flags: InspectFlags, io: CommandIo, stdin?: Uint8Array): Promise<((paths: readonly string[]) => Promise<Inspection>) | undefined> {
	if (endpoints.length === 0) return undefined;
	const request: LiveRequest = {
		endpoints,
		...(stdin ? {stdin} : {}),
		...(flags.servername ? {servername: flags.servername} : {}),
		...(flags.timeout ? {timeoutMs: parseTimeout(flags.timeout)} : {}),
	};
	const caFile = await mustExist('ca', flags.ca, io);
	const kubeconfig = await mustExist('kubeconfig', flags.kubeconfig, io);
	const certFile = await mustExist('cert', flags.cert, io);
	const keyFile = await mustExist('key', flags.key, io);
	// The local folder the served certificates are compared with, and whose CAs are the default.
	const localFolder = existsSync(path.join(io.cwd, 'pki')) ? shown('pki', io) : undefined;
	const full: LiveRequest = {
		...request,
		...(caFile ? {caFile} : {}),
		...(kubeconfig ? {kubeconfig} : {}),
		...(certFile ? {certFile} : {}),
		...(keyFile ? {keyFile} : {}),
		...(localFolder ? {localFolder} : {}),
	};
	return async paths => inspectLive(paths, full);
}
