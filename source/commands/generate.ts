import path from 'node:path';
import {existsSync} from 'node:fs';
import {stat} from 'node:fs/promises';
import type {GenerateOptions} from '../core/generate.js';
import {encryptionConfigName} from '../core/placement.js';
import {buildPlan} from '../core/plan.js';
import {discardEarlyKeys, startKeyGeneration} from '../core/pki/keys.js';
import {formatProblem} from '../core/topology.js';
import {oneLine, UsageError, type CommandIo} from './io.js';
import {layoutFlags} from './layout-flags.js';
import {loadTopology} from './load-topology.js';

export type GenerateFlags = {
	config?: string;
	out?: string;
	algorithm?: string;
	force?: boolean;
	quiet?: boolean;
	layout?: string;
	'encryption-provider'?: string;
};

/** `kubepki generate`: the whole PKI with no questions. Returns the exit code. */
export async function runGenerate(flags: GenerateFlags, io: CommandIo): Promise<number> {
	const {layout, encryptionProvider} = layoutFlags(flags);
	const {topology, source, warnings} = await loadTopology(flags.config, io.cwd, flags.algorithm);
	// path.resolve('') is the working folder: an empty --out would write the PKI all over it.
	if (flags.out !== undefined && flags.out.trim() === '') throw new UsageError(`--out: ${JSON.stringify(flags.out)} names no folder; give the folder to write, e.g. --out pki`);
	const outDir = path.resolve(io.cwd, flags.out ?? 'pki');
	const existing = await stat(outDir).catch(() => undefined);
	if (existing && !existing.isDirectory()) throw new UsageError(`--out: ${flags.out} exists and is not a folder`);
	if (!flags.quiet) for (const warning of warnings) io.stderr.write(`kubepki: warning: ${oneLine(formatProblem(warning))}\n`);
	const started = performance.now();
	// A fresh folder needs every key: start them now, so the thread pool works while x509 loads (~0.1 s).
	const caFile = (await import('../core/placement.js')).caCertPath(buildPlan(topology, {layout}));
	const fresh = flags.force || !existsSync(path.join(outDir, caFile));
	// Key generation is the slow part (about a second for RSA): show it on a terminal, never in a pipe.
	const progress = !flags.quiet && (io.stderr as {isTTY?: boolean}).isTTY
		? (done: number, total: number) => io.stderr.write(done < total ? `\rmaking keys ${done}/${total}` : '\r\u001B[K')
		: undefined;
	if (!fresh) discardEarlyKeys();
	const keys = fresh ? startKeyGeneration(buildPlan(topology, {layout}).certs, progress) : undefined;
	const {generate, RefusedError, newMachineReason} = await import('../core/generate.js');
	const {retiredWarning} = await import('../core/cluster-change.js');
	const {WriteError} = await import('../core/write.js');
	let encryptionNote: string | undefined;
	// A new key would make the secrets already encrypted with the old one unreadable: say which happened (the hard way's).
	const onEncryption: GenerateOptions['onEncryption'] = d => {
		if (d.status === 'kept') encryptionNote = `  kept    ${encryptionConfigName} (its key still decrypts the secrets it encrypted)`;
		if (d.status === 'replaced') encryptionNote = `  replaced ${encryptionConfigName} (--force): ${d.reason ?? ''}; secrets encrypted with the old key cannot be read with the new one`;
		if (d.status === 'new') encryptionNote = `  new     encryption key in ${encryptionConfigName}: every API server must get this same file`;
	};
	try {
		const result = await generate(topology, {
			outDir,
			force: flags.force,
			layout,
			source,
			keys,
			onProgress: keys ? undefined : progress,
			// The encryption config is the hard way's; kubeadm's layout has none.
			encryptionProvider,
			onEncryption,
		});
		// A folder tightened to 0700 is said even with --quiet: the user should know others could get in.
		for (const warning of result.warnings ?? []) io.stderr.write(`kubepki generate: warning: ${warning}\n`);
		if (!flags.quiet) {
			const kept = result.outcomes.filter(o => o.status !== 'issued');
			const made = result.outcomes.filter(o => o.status === 'issued');
			const lines = [
				`kubepki: ${made.length} certificate(s) issued, ${kept.length} kept, ${result.files.length} files in ${displayPath(io.cwd, outDir)} (${Math.round(performance.now() - started)} ms)`,
				...kept.map(o => `  kept    ${o.id}${o.status === 'reused-ca' ? ' (existing CA signs the rest)' : ''}`),
				...made.filter(o => o.reason).map(o => (o.reason === newMachineReason ? `  issued  ${o.id}: ${o.reason}` : `  renewed ${o.id}: ${o.reason}`)),
				...(result.made ?? []).map(line => `  new     ${line}`),
				...(encryptionNote ? [encryptionNote] : []),
				...(result.retired && result.retired.files.length > 0
					? [
							`  retired ${result.retired.files.length} file(s) of ${[...(result.change?.removedMasters ?? []), ...(result.change?.removedWorkers ?? [])].map(h => h.name).join(', ') || 'an earlier run'} to ${displayPath(io.cwd, path.join(outDir, result.retired.to))}/ (no longer in the cluster file)`,
							...result.retired.certificates.map(c => `! ${retiredWarning(c)}`),
						]
					: []),
				...(result.etcdSteps && result.etcdSteps.length > 0 ? ['etcd membership changes; run on a master that stays, in this order:', ...result.etcdSteps.map(step => `  ${step}`)] : []),
			];
			io.stdout.write(lines.join('\n') + '\n');
		}

		return 0;
	} catch (error) {
		if (error instanceof WriteError) {
			io.stderr.write(`kubepki generate: ${error.message}\n`);
			return 1;
		}

		if (error instanceof RefusedError) {
			io.stderr.write(`kubepki generate: refused: ${error.message}\n`);
			return 1;
		}

		throw error;
	}
}

/** A path as the user would type it: relative when inside the working folder, absolute otherwise. */
function displayPath(cwd: string, target: string): string {
	const relative = path.relative(cwd, target);
	return relative === '' ? '.' : relative.startsWith('..') ? target : relative;
}
