// The manifest: what a run made, from which cluster, with fingerprints. The one module that knows
// its shape (placement.ts names it), its version, how it is written and how it is read (generate, the wizard, the loader,
// lint, and the coming renew and rotate-ca all come here).
import {createHash, X509Certificate} from 'node:crypto';

export {manifestName} from './placement.js';
export const manifestVersion = 1;

/** One file a run wrote. */
export type ManifestFileEntry = {
	readonly path: string;
	readonly kind: string;
	/** `0600`. */
	readonly mode: string;
	readonly sha256: string;
	readonly certId?: string;
	readonly role?: string;
	/** Certificates: the SHA-256 fingerprint, colon-separated upper-case hex (as openssl prints it). */
	readonly fingerprintSha256?: string;
	/** The machines the file goes to (layout-files.ts's `placed`); absent for one that stays in the folder. Version 1 readers ignore it. */
	readonly hosts?: readonly string[];
};

/** The manifest as written (manifestVersion 1). */
export type Manifest = {
	readonly tool: 'kubepki';
	readonly manifestVersion: number;
	readonly generatedAt: string;
	readonly layout: string;
	readonly source: string;
	readonly cluster: unknown;
	readonly serviceIp?: string;
	/** Where a CA rotation stands (kubepki rotate-ca); absent when none was ever run since the last generate. */
	readonly rotation?: ManifestRotation;
	readonly files: readonly ManifestFileEntry[];
};

/** A CA rotation as the manifest records it: the phase done last, which CAs, and when each phase ran. */
export type ManifestRotation = {
	readonly phase: 'started' | 'reissued' | 'finished';
	/** Plan ids of the CAs rotated (`ca`; kubeadm: `ca`, `etcd-ca`, `front-proxy-ca`). */
	readonly cas: readonly string[];
	readonly startedAt: string;
	readonly reissuedAt?: string;
	readonly finishedAt?: string;
	/** After finish: where the old CA's certificate and key went (relative to the folder). */
	readonly retiredTo?: string;
	/** What the last phase changed per machine (names in nodes/<host>/): what the copy script copies. */
	readonly lastCopy?: ReadonlyArray<{readonly host: string; readonly files: readonly string[]}>;
};

const rotationPhases = ['started', 'reissued', 'finished'] as const;

function readRotation(value: unknown): ManifestRotation | undefined {
	const body = value as Partial<ManifestRotation> | undefined;
	if (!body || typeof body !== 'object' || !rotationPhases.includes(body.phase as never) || !Array.isArray(body.cas)) return undefined;
	if (!body.cas.every(id => typeof id === 'string') || typeof body.startedAt !== 'string') return undefined;
	return {
		phase: body.phase!,
		cas: body.cas,
		startedAt: body.startedAt,
		...(typeof body.reissuedAt === 'string' && {reissuedAt: body.reissuedAt}),
		...(typeof body.finishedAt === 'string' && {finishedAt: body.finishedAt}),
		...(typeof body.retiredTo === 'string' && {retiredTo: body.retiredTo}),
		...(Array.isArray(body.lastCopy) && {
			lastCopy: body.lastCopy
				.filter(entry => typeof entry?.host === 'string' && Array.isArray(entry.files))
				.map(entry => ({host: entry.host, files: (entry.files as unknown[]).filter((file): file is string => typeof file === 'string')})),
		}),
	};
}

/** What the manifest is told about each file: kept apart from write.ts's OutputFile to avoid a cycle. */
export type ManifestInput = {
	readonly path: string;
	readonly content: string | Uint8Array;
	readonly mode: number;
	readonly kind: string;
	readonly certId?: string;
	readonly hosts?: readonly string[];
};

export function sha256Hex(content: string | Uint8Array): string {
	return createHash('sha256').update(content).digest('hex');
}

/** The fingerprint as openssl and the viewer show it. */
export function certFingerprint(certPem: string): string {
	return new X509Certificate(certPem).fingerprint256;
}

/** The manifest's text for a set of files. `roles` maps a cert id to its plan role. */
export function buildManifest(input: {
	readonly layout: string;
	readonly source: string;
	readonly cluster: unknown;
	readonly serviceIp?: string;
	readonly generatedAt: Date;
	readonly files: readonly ManifestInput[];
	readonly roles: ReadonlyMap<string, string>;
	readonly rotation?: ManifestRotation;
}): string {
	const body: Manifest = {
		tool: 'kubepki',
		manifestVersion,
		generatedAt: input.generatedAt.toISOString(),
		layout: input.layout,
		source: input.source,
		cluster: input.cluster,
		...(input.serviceIp !== undefined && {serviceIp: input.serviceIp}),
		...(input.rotation && {rotation: input.rotation}),
		files: input.files.map(file => {
			const role = file.certId ? input.roles.get(file.certId) : undefined;
			return {
				path: file.path,
				kind: file.kind,
				mode: `0${file.mode.toString(8)}`,
				sha256: sha256Hex(file.content),
				...(file.certId && role !== undefined && {certId: file.certId, role}),
				...(file.certId && role !== undefined && file.kind === 'certificate' && {fingerprintSha256: certFingerprint(String(file.content))}),
				...(file.hosts && file.hosts.length > 0 && {hosts: [...file.hosts]}),
			};
		}),
	};
	return JSON.stringify(body, null, 2) + '\n';
}

/** Read a manifest's text; undefined when it is not one kubepki wrote (or not a version it knows). */
export function parseManifest(text: string): Manifest | undefined {
	try {
		const body = JSON.parse(text) as Partial<Manifest>;
		if (body?.tool !== 'kubepki' || !Array.isArray(body.files)) return undefined;
		if (typeof body.manifestVersion === 'number' && body.manifestVersion > manifestVersion) return undefined;
		const files = body.files.filter(
			(entry): entry is ManifestFileEntry => typeof entry?.path === 'string' && typeof entry.kind === 'string' && typeof entry.sha256 === 'string',
		);
		return {
			tool: 'kubepki',
			manifestVersion: body.manifestVersion ?? manifestVersion,
			generatedAt: String(body.generatedAt ?? ''),
			layout: typeof body.layout === 'string' ? body.layout : 'hardway',
			source: String(body.source ?? ''),
			cluster: body.cluster,
			...(typeof body.serviceIp === 'string' && {serviceIp: body.serviceIp}),
			...(readRotation(body.rotation) && {rotation: readRotation(body.rotation)}),
			files,
		};
	} catch {
		return undefined;
	}
}

/** The refusal of a command that would undo a CA rotation in progress (generate, renew): one line, or undefined. */
export function rotationInProgress(manifestText: string | undefined, command: string): string | undefined {
	const phase = manifestText === undefined ? undefined : parseManifest(manifestText)?.rotation?.phase;
	if (phase !== 'started' && phase !== 'reissued') return undefined;
	return `a CA rotation is in progress in this folder (phase ${phase}); ${command} would undo it: run kubepki rotate-ca ${phase === 'started' ? 'reissue' : 'finish'} first (kubepki rotate-ca status shows where it stands)`;
}

/**
 * Names the transaction keeps inside an output folder (write.ts): the staging folder and the lock. Folder
 * walks (inspect, lint) skip them, as they skip folders.ts's retired/ and .backup/: they are not the live PKI.
 */
export const privateEntries: readonly string[] = ['.kubepki-staging', '.kubepki-lock'];
