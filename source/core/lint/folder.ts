// What a crash, two runs at once or an intruder leave in a folder: two CAs under one name, copies that no
// longer match what they copy, a manifest that disagrees with the files, secrets and folders open to others.
import path from 'node:path';
import {encryptionConfigName} from '../encryption.js';
import {manifestName} from '../manifest.js';
import type {FileDigest, FolderManifest} from '../pki/load.js';
import {certItems, type CertItem, type Finding, type Rule} from './types.js';

const hex = (bytes?: Uint8Array) => (bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') : '');
const mode = (bits: number) => `0${(bits & 0o777).toString(8).padStart(3, '0')}`;

export const caNameClash: Rule = {
	id: 'ca-name-clash',
	summary: 'two different CA certificates with the same subject in one set (a CA made again, or two runs mixed)',
	check({items}) {
		// One item per certificate (a CA is embedded in every kubeconfig): a file over a kubeconfig field, then the shorter path.
		const byFingerprint = new Map<string, CertItem>();
		for (const item of certItems(items).filter(i => i.cert.isCA)) {
			const kept = byFingerprint.get(item.cert.fingerprintSha256);
			const better = !kept || (kept.source.startsWith('kubeconfig:') && !item.source.startsWith('kubeconfig:')) || (kept.source.startsWith('kubeconfig:') === item.source.startsWith('kubeconfig:') && item.path.length < kept.path.length);
			if (better) byFingerprint.set(item.cert.fingerprintSha256, item);
		}

		const bySubject = new Map<string, CertItem[]>();
		for (const item of byFingerprint.values()) {
			const key = hex(item.raw?.subjectDer) || item.cert.subject;
			bySubject.set(key, [...(bySubject.get(key) ?? []), item]);
		}

		return [...bySubject.values()]
			.filter(group => group.length > 1)
			.flatMap(group =>
				group.map(
					(item): Finding => ({
						path: item.path,
						rule: 'ca-name-clash',
						severity: 'error',
						message: `another CA with the same subject (${item.cert.subject}) is in ${group
							.filter(other => other !== item)
							.map(other => other.path)
							.join(', ')}, with a different key: certificates signed by one fail against the other, and tools cannot tell them apart by name. Check which one the cluster trusts, keep it, and reissue what the other signed.`,
					}),
				),
			);
	},
};

/** The files a manifest lists that were read with this load, by absolute path. */
function digestsOf(files: readonly FileDigest[] | undefined): Map<string, FileDigest> {
	return new Map((files ?? []).map(file => [path.resolve(file.path), file]));
}

function shown(manifest: FolderManifest, rel: string, files: Map<string, FileDigest>): string {
	return files.get(path.resolve(manifest.dir, rel))?.path ?? path.join(manifest.dir, rel);
}

export const copyDiffers: Rule = {
	id: 'copy-differs',
	summary: 'a copy kubepki made (nodes/<host>/, another host\'s folder) that no longer matches the file it copies',
	check({manifests, files}) {
		// Without a manifest that lists files there is nothing to compare (and no digest map to build).
		if (!manifests.some(manifest => (manifest.files?.length ?? 0) > 0)) return [];
		const digests = digestsOf(files);
		const findings: Finding[] = [];
		for (const manifest of manifests) {
			// Entries recorded with one digest are one file and its copies; the one nearest the top is the live file.
			const groups = new Map<string, string[]>();
			for (const entry of manifest.files ?? []) groups.set(entry.sha256, [...(groups.get(entry.sha256) ?? []), entry.path]);
			for (const group of groups.values()) {
				const present = group.filter(rel => digests.has(path.resolve(manifest.dir, rel)));
				if (present.length < 2) continue;
				present.sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
				const live = present[0]!;
				const liveDigest = digests.get(path.resolve(manifest.dir, live))!.sha256;
				for (const copy of present.slice(1)) {
					if (digests.get(path.resolve(manifest.dir, copy))!.sha256 === liveDigest) continue;
					findings.push({
						path: shown(manifest, copy, digests),
						rule: 'copy-differs',
						severity: 'error',
						message: `differs from ${live}, which it is a copy of: the machine given this file gets another certificate, key or config than the folder holds. Check which one is right; then rebuild the copies with kubepki generate.`,
					});
				}
			}
		}

		return findings;
	},
};

export const manifestMismatch: Rule = {
	id: 'manifest-mismatch',
	summary: `a file that differs from (or is missing against) what the folder's ${manifestName} records`,
	check({manifests, files, items, folders}) {
		if (!manifests.some(manifest => (manifest.files?.length ?? 0) > 0)) return [];
		const digests = digestsOf(files);
		const seen = new Set(items.map(item => path.resolve(item.path)));
		const walkedDirs = new Set((folders ?? []).map(folder => path.resolve(folder.path)));
		const findings: Finding[] = [];
		for (const manifest of manifests) {
			// Missing files count only when the whole folder was read, not files named one by one.
			const walked = walkedDirs.has(path.resolve(manifest.dir)) && digests.has(path.resolve(manifest.dir, manifestName));
			for (const entry of manifest.files ?? []) {
				const full = path.resolve(manifest.dir, entry.path);
				const found = digests.get(full);
				if (found && found.sha256 !== entry.sha256) {
					findings.push({
						path: found.path,
						rule: 'manifest-mismatch',
						severity: 'error',
						message: `differs from what ${manifestName} records for it: it changed after kubepki wrote the folder (by hand, or a run mixed in). Check what changed; kubepki generate makes the folder consistent again.`,
					});
				} else if (!found && walked && !seen.has(full)) {
					findings.push({
						path: path.join(manifest.dir, entry.path),
						rule: 'manifest-mismatch',
						severity: 'warning',
						message: `${manifestName} lists this ${entry.kind} but it is not in the folder. Check whether it was moved on purpose (a CA key kept offline); otherwise restore it.`,
					});
				}
			}
		}

		return findings;
	},
};

export const openSecret: Rule = {
	id: 'open-secret',
	summary: 'an encryption config open to group or others, or a folder anyone may write into (or a kubepki folder others may read)',
	check({manifests, files, folders}) {
		const findings: Finding[] = [];
		const kinds = new Map<string, string>();
		for (const manifest of manifests) for (const entry of manifest.files ?? []) kinds.set(path.resolve(manifest.dir, entry.path), entry.kind);
		for (const file of files ?? []) {
			const isConfig = path.basename(file.path) === encryptionConfigName || (kinds.size > 0 && kinds.get(path.resolve(file.path)) === 'encryption-config');
			if (!isConfig || (file.mode & 0o077) === 0) continue;
			findings.push({
				path: file.path,
				rule: 'open-secret',
				severity: 'error',
				message: `holds the key that decrypts every Secret in etcd and is mode ${mode(file.mode)}: treat that key as exposed if others could read it. chmod 600 it (and rotate the key if it was read).`,
			});
		}

		const kubepkiDirs = manifests.map(m => path.resolve(m.dir));
		for (const folder of folders ?? []) {
			const full = path.resolve(folder.path);
			const sticky = (folder.mode & 0o1000) !== 0;
			if ((folder.mode & 0o002) !== 0 && !sticky) {
				findings.push({
					path: folder.path,
					rule: 'open-secret',
					severity: 'error',
					message: `is a folder anyone on the machine may write into (mode ${mode(folder.mode)}): any file in it may have been replaced. chmod 700 it, then check its certificates and keys against what you made.`,
				});
			} else if ((folder.mode & 0o077) !== 0 && kubepkiDirs.some(dir => full === dir || full.startsWith(dir + path.sep))) {
				findings.push({
					path: folder.path,
					rule: 'open-secret',
					severity: 'warning',
					message: `kubepki makes its folders 0700 and this one is ${mode(folder.mode)}: others may ${(folder.mode & 0o022) === 0 ? 'list' : 'change'} what is in it. chmod 700 it.`,
				});
			}
		}

		return findings;
	},
};
