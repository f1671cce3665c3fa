// One file the wizard saves on request before Review & write (the commands of a stage, the cluster as
// edited): written atomically inside the output folder, which is made 0700 like every folder kubepki makes.
import path from 'node:path';
import {ensurePrivateDir, resolveInside, writeFileAtomic} from './write.js';

/** Write `content` to `relative` inside `outDir`; returns the absolute path written. */
export async function saveFile(outDir: string, relative: string, content: string, mode: number): Promise<string> {
	const full = resolveInside(outDir, relative);
	await ensurePrivateDir(outDir);
	await ensurePrivateDir(path.dirname(full));
	await writeFileAtomic(full, content, mode);
	return full;
}

/** Where `w` saves a stage's commands: `by-hand/<stage>-<flavour>.sh`, one file per stage and flavour. */
export function byHandFile(stage: string, flavor: string): string {
	return path.join('by-hand', `${stage}-${flavor}.sh`);
}

/** A stage's commands as a script of their own: bash, stopping at the first failure. */
export function byHandScript(title: string, commands: readonly string[]): string {
	return ['#!/usr/bin/env bash', `# ${title}, by hand (saved by the kubepki wizard). Run it in the folder that holds the files it reads.`, 'set -euo pipefail', '', ...commands, ''].join('\n');
}
