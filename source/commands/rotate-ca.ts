import {stat} from 'node:fs/promises';
import path from 'node:path';
import {caChoices, rotationSteps, type CaChoice, type RotationStep} from '../core/rotate.js';
import {UsageError, type CommandIo} from './io.js';

export type RotateFlags = {out?: string; ca?: string; json?: boolean};

const actions = [...rotationSteps, 'status'] as const;

/** `kubepki rotate-ca start|reissue|finish|status`: one phase of a CA rotation, or where it stands. */
export async function runRotateCa(positionals: string[], flags: RotateFlags, io: CommandIo): Promise<number> {
	const [action, extra] = positionals;
	if (action === undefined) throw new UsageError(`rotate-ca: say which step: ${actions.join(', ')} (see kubepki rotate-ca --help)`);
	if (!(actions as readonly string[]).includes(action)) throw new UsageError(`rotate-ca: ${JSON.stringify(action)} is not a step; the steps are ${actions.join(', ')}`);
	if (extra !== undefined) throw new UsageError(`rotate-ca: unexpected argument ${JSON.stringify(extra)}`);
	if (flags.ca !== undefined && !(caChoices as readonly string[]).includes(flags.ca)) throw new UsageError(`--ca: ${JSON.stringify(flags.ca)} is not a CA; use ${caChoices.join(', ')}`);
	if (flags.json && action !== 'status') throw new UsageError(`--json: only rotate-ca status prints JSON (rotate-ca ${action} prints what to copy and restart)`);
	if (flags.out !== undefined && flags.out.trim() === '') throw new UsageError(`--out: ${JSON.stringify(flags.out)} names no folder; give the folder, e.g. --out pki`);
	const outDir = path.resolve(io.cwd, flags.out ?? 'pki');
	// Never make the folder: a rotation needs one kubepki made.
	const there = await stat(outDir).catch(() => undefined);
	if (!there?.isDirectory()) throw new UsageError(`--out: ${flags.out ?? 'pki'} is not a folder; rotate-ca works on a folder kubepki generate made`);
	const shown = displayPath(io.cwd, outDir);
	const core = await import('../core/rotate.js');
	const text = await import('../core/rotate-text.js');
	const {RefusedError} = await import('../core/write.js');
	try {
		if (action === 'status') {
			const status = await core.rotationStatus(outDir);
			io.stdout.write(flags.json ? JSON.stringify(status, null, 2) + '\n' : text.statusText(status, {outDir: shown}));
			return 0;
		}

		const progress = (io.stderr as {isTTY?: boolean}).isTTY ? (done: number, total: number) => io.stderr.write(done < total ? `\rmaking keys ${done}/${total}` : '\r\u001B[K') : undefined;
		const result = await core.rotateCa({outDir, step: action as RotationStep, ca: (flags.ca ?? 'all') as CaChoice, onProgress: progress});
		io.stdout.write(text.rotationText(result, {outDir: shown}));
		return 0;
	} catch (error) {
		if (error instanceof core.RotateUsageError) throw new UsageError(error.message);
		if (error instanceof RefusedError) {
			io.stderr.write(`kubepki rotate-ca: refused: ${error.message}\n`);
			return 1;
		}

		throw error;
	}
}

function displayPath(cwd: string, target: string): string {
	const relative = path.relative(cwd, target);
	return relative === '' ? '.' : relative.startsWith('..') ? target : relative;
}
