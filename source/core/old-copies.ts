// What is left of a CA or lasting key that is missing from the output folder: its copies in the machines'
// bundles, and the refusal to make it anew while one survives. Shared by generate (CAs, the service-account key)
// and the hard way's files (the encryption key), kept apart from both so neither imports the other.
import path from 'node:path';
import {distribution} from './distribute.js';
import {bundlePath, manifestName} from './placement.js';
import type {Plan} from './plan.js';
import {existingPaths, someOf} from './reuse.js';
import {RefusedError} from './write.js';

/**
 * Where copies of a file of the output folder sit in `nodes/` (the per-machine bundles): a missing CA or
 * key is looked for there before anything decides it is gone.
 */
export function bundleCopies(plan: Plan, file: string): string[] {
	return distribution(plan).flatMap(bundle => bundle.files.filter(d => d.source === file).map(d => bundlePath(bundle.host, d.target)));
}

/**
 * Refuse to make a CA or lasting key anew while the old one still exists somewhere in the folder (a copy in
 * nodes/, another host's folder) or the manifest says there was one: say where it is instead.
 * `copies`: where copies of it are; `allowForce`: --force may make a new one (a CA; never the SA key or the
 * encryption key, which stay until the user deletes every copy).
 */
export async function refuseIfOldSurvives(
	outDir: string,
	what: string,
	files: readonly string[],
	copies: readonly string[],
	recorded: string | undefined,
	options: {force: boolean; allowForce: boolean},
): Promise<void> {
	const found = await existingPaths(outDir, copies);
	if (found.length > 0 && !(options.force && options.allowForce)) {
		// One copy of each missing file, from the first place that has it: the command that puts it back.
		const back = files.flatMap(file => {
			const copy = found.find(candidate => path.basename(candidate) === path.basename(file));
			return copy ? [`cp -p ${copy} ${file}`] : [];
		});
		const restore = back.length > 0 ? `(cd ${outDir} && ${back.join(' && ')})` : `copy ${found[0]} back`;
		throw new RefusedError(
			`${files.join(' and ')} ${files.length > 1 ? 'are' : 'is'} missing from ${outDir} but the old ${what} is still in ${someOf(found)}; put it back to keep it: ${restore}${options.allowForce ? ', or pass --force to make a new one (the old files are kept in .backup/)' : ', or remove every copy to make a new one'}`,
		);
	}

	if (found.length === 0 && recorded && !options.force) {
		throw new RefusedError(
			`${manifestName} in ${outDir} records the ${what} (${recorded}) but no copy of it is left; restore ${someOf(files)}, or pass --force to make a new one`,
		);
	}
}
