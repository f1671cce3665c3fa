// Folders kubepki keeps inside an output folder that are not part of the live set: a removed machine's files
// (retired/<UTC timestamp>/) and the files a renewal replaced (.backup/<UTC timestamp>/). Folder walks of
// inspect, lint and expiry skip them unless they are named on the command line.

export const retiredDir = 'retired';
export const backupDir = '.backup';

/** Folder names a walk does not enter on its own. */
export const notLiveFolders: readonly string[] = [retiredDir, backupDir];

/** A UTC timestamp safe as a folder name, sortable: 20261201T100511Z. */
export function folderTimestamp(now: Date): string {
	return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
