import path from 'node:path';
import {defaultWithin, expiryJson, expiryReport, expiryText, parseDuration} from '../core/expiry.js';
import {checkSignatures} from '../core/lint/chain-index.js';
import {loadPaths} from '../core/pki/load.js';
import {recoverFolder} from '../core/write.js';
import {resolvePaths} from './inspect.js';
import {UsageError, type CommandIo} from './io.js';

export type ExpiryFlags = {within?: string; json?: boolean};

/**
 * `kubepki expiry [PATH...] [--within D] [--json]`: every certificate, CAs first, soonest end first.
 * Exit 1 when anything has ended, has not started or ends within D (cron mails it); 0 otherwise.
 */
export async function runExpiry(paths: string[], flags: ExpiryFlags, io: CommandIo, now = new Date()): Promise<number> {
	const within = parseDuration(flags.within ?? defaultWithin);
	if (within === undefined) throw new UsageError(`--within: ${JSON.stringify(flags.within)} is not a duration; use days or hours such as 30d or 720h`);
	const resolved = await resolvePaths('expiry', paths, io);
	// As lint and inspect do: a folder a killed run left half-committed is finished (or its staging dropped) first.
	await Promise.all(resolved.map(async given => recoverFolder(given).catch(() => undefined)));
	const loaded = await loadPaths(resolved);
	// The signers' signatures checked on the thread pool beforehand, as inspect does.
	await checkSignatures(loaded.items);
	const report = expiryReport(loaded, now, within);
	const shown = (file: string) => {
		const relative = path.relative(process.cwd(), path.resolve(process.cwd(), file));
		return relative.startsWith('..') ? file : relative || '.';
	};

	io.stdout.write(flags.json ? JSON.stringify(expiryJson(report), null, 2) + '\n' : expiryText(report, shown));
	return report.attention ? 1 : 0;
}
