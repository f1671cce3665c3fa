// Read whatever a person points at: files and folders (recursively), PEM with any number of blocks, DER,
// kubeconfigs with embedded certificates. Every file becomes at least one item; a file that cannot be
// read becomes an `unreadable` item with a one-line reason. Nothing here throws on bad bytes.
import {createHash, createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto';
import type {Dirent, Stats} from 'node:fs';
import {lstat, open, readdir, realpath, stat} from 'node:fs/promises';
import path from 'node:path';
import {parseKubeconfig, type ParsedKubeconfig} from '../kubeconfig.js';
import {manifestName, parseManifest, privateEntries, type ManifestFileEntry} from '../manifest.js';
import type {CertInfo} from './cert-info.js';
import {kindOf} from '../reuse.js';
import {notLiveFolders} from '../folders.js';
import {kubernetesMeaning, kubernetesRoles, type KubernetesMeaning, type KubernetesRole} from './meaning.js';
import {readTlv, whole} from './der.js';
import {kubernetesObjects, looksLikeKubernetesObject, type ObjectsResult} from './k8s-objects.js';
import {parseCertificate, parseCsr, parsePublicKey, type CsrInfo, type ParsedCertificate} from './parse-der.js';

export type ItemKind = 'certificate' | 'private-key' | 'csr' | 'public-key' | 'kubeconfig' | 'unreadable';

/** A kubeconfig's outline: enough to show it and to lint its references. */
export type KubeconfigOutline = {
	readonly currentContext: string | null;
	readonly contexts: ReadonlyArray<{name: string; cluster: string; user: string}>;
	/** `certificateAuthority`: the file a cluster names instead of embedding its CA (as written in the kubeconfig). */
	readonly clusters: ReadonlyArray<{name: string; server: string | null; certificateAuthority?: string; insecureSkipTlsVerify?: boolean}>;
	/** `clientCertificate`, `clientKey`: the files a user names instead of embedding them. */
	readonly users: ReadonlyArray<{name: string; auth: string; clientCertificate?: string; clientKey?: string}>;
};

/** One thing found in a file. Fields not relevant to the kind are absent. */
/**
 * An unreadable item that is a broken PKI part (a PEM block, DER file or kubeconfig field that does not parse,
 * or a file kubepki may not read), as opposed to a file that never held one: a unit, a script, a YAML config.
 */
export function isBroken(item: Item): boolean {
	return item.kind === 'unreadable' && (item.source === 'pem' || item.source === 'der' || item.source === 'object' || item.source.startsWith('kubeconfig:') || item.error === 'permission denied');
}

export type Item = {
	/** The file, as given plus the path inside a given folder. */
	readonly path: string;
	readonly kind: ItemKind;
	/** `pem`, `der`, or `kubeconfig:<where>` (e.g. `kubeconfig:users[admin].client-certificate-data`). */
	readonly source: string;
	/** 1-based position of the PEM block, when the file has more than one. */
	readonly block?: number;
	readonly cert?: CertInfo & {readonly hasBasicConstraints: boolean};
	readonly csr?: CsrInfo;
	/** The key of a private-key or public-key item. */
	readonly publicKey?: CertInfo['publicKey'];
	/** A private key behind a passphrase: kubepki cannot look inside, and no Kubernetes component can either. */
	readonly encrypted?: boolean;
	readonly kubernetes?: KubernetesMeaning;
	readonly kubeconfig?: KubeconfigOutline;
	/** Why an unreadable item could not be read: one line. */
	readonly error?: string;
	/**
	 * For a kubeconfig field that names a file (`client-certificate: <file>`, source
	 * `kubeconfig:users[admin].client-certificate`): that file, relative paths taken from the kubeconfig's folder.
	 */
	readonly referenced?: string;
	/** File mode bits (0o644): key-permissions needs them. */
	readonly mode?: number;
	/** Raw material for the chain and key checks; never printed. Holds no private key material. */
	readonly raw?: {
		readonly der?: Uint8Array;
		readonly subjectDer?: Uint8Array;
		readonly issuerDer?: Uint8Array;
		/** SubjectPublicKeyInfo (for a private key: of its public half). */
		readonly spki?: Uint8Array;
		readonly parsedKubeconfig?: ParsedKubeconfig;
		/** The signed part of a certificate, its signature and the signature algorithm's OID. */
		readonly signed?: ParsedCertificate['signed'];
	};
};

/** What kubepki wrote next to a PKI (its manifest): the cluster it was made for. */
export type FolderManifest = {
	readonly dir: string;
	readonly cluster: unknown;
	readonly serviceIp?: string;
	readonly roles: ReadonlyMap<string, KubernetesRole>;
	/** Every file the manifest lists, with its digest (lint compares them with the folder). */
	readonly files?: readonly ManifestFileEntry[];
	/** The plan id of each file the manifest lists (absolute path → `kubelet:node1`, `apiserver`, ...). */
	readonly certIds: ReadonlyMap<string, string>;
	/** `hardway` or `kubeadm`, when the manifest says. */
	readonly layout?: string;
};

/** A file that was read whole: its digest and mode (lint compares copies, and files with their manifest). */
export type FileDigest = {readonly path: string; readonly sha256: string; readonly mode: number};
/** A folder the walk entered: its mode and owner (lint flags one anyone can write). */
export type FolderInfo = {readonly path: string; readonly mode: number; readonly uid: number};

export type LoadResult = {
	readonly items: Item[];
	readonly manifests: FolderManifest[];
	readonly files?: readonly FileDigest[];
	readonly folders?: readonly FolderInfo[];
};

// Bigger files are not certificates; reading them whole would only cost memory.
const maxFileBytes = 16 * 1024 * 1024;
const readConcurrency = 32;
export const manifestFileName = manifestName;

type Found = {readonly path: string; readonly stats?: Stats; readonly error?: string};

/** Read every path (files, folders recursively). Never throws for what the files contain. */
export async function loadPaths(paths: readonly string[], options: {readonly onProgress?: (read: number, total: number) => void} = {}): Promise<LoadResult> {
	const found: Found[] = [];
	const seenDirs = new Set<string>();
	const folders: FolderInfo[] = [];
	const digests: FileDigest[] = [];
	for (const given of paths) await collect(given, found, seenDirs, folders, undefined);
	// A file named twice (a.pem a.pem, or a folder and a file in it) is read once.
	const unique = [...new Map(found.map(file => [path.resolve(file.path), file])).values()];
	found.length = 0;
	found.push(...unique);
	const items: Item[][] = Array.from({length: found.length}, () => []);
	const manifests: FolderManifest[] = [];
	let next = 0;
	let read = 0;
	options.onProgress?.(0, found.length);
	const worker = async () => {
		while (next < found.length) {
			const index = next++;
			const file = found[index]!;
			items[index] = await loadFound(file, manifests, digests);
			options.onProgress?.(++read, found.length);
		}
	};

	await Promise.all(Array.from({length: Math.min(readConcurrency, found.length)}, worker));
	await findManifestsAbove(found, manifests);
	const all = applyManifests(items.flat(), manifests);
	return {items: adoptPartnerRoles(all), manifests, files: digests, folders};
}

/**
 * `root` is the real path of the folder the user named (undefined for the named path itself): a walk stays inside
 * it, so a symbolic link inside the tree that leads to a folder elsewhere (`/`, another user's home) is noted, not read.
 */
async function collect(given: string, found: Found[], seenDirs: Set<string>, folders: FolderInfo[], root: string | undefined): Promise<void> {
	const link = await lstat(given).catch((error: NodeJS.ErrnoException) => error);
	if (link instanceof Error) {
		found.push({path: given, error: fsReason(link)});
		return;
	}

	const stats = link.isSymbolicLink() ? await stat(given).catch((error: NodeJS.ErrnoException) => error) : link;
	if (stats instanceof Error) {
		found.push({path: given, error: stats.code === 'ENOENT' ? 'broken symbolic link' : fsReason(stats)});
		return;
	}

	if (!stats.isDirectory()) {
		found.push({path: given, stats});
		return;
	}

	// A folder reached twice (a symlink loop, or two links to one place) is read once.
	const real = await realpath(given).catch(() => given);
	if (root !== undefined && !isInside(root, real)) {
		found.push({path: given, error: `skipped: a symbolic link to a folder outside ${root} (${real}); name it to read it`});
		return;
	}

	if (seenDirs.has(real)) return;
	seenDirs.add(real);
	const entries = await readdir(given, {withFileTypes: true}).catch((error: NodeJS.ErrnoException) => error);
	if (entries instanceof Error) {
		found.push({path: given, error: fsReason(entries)});
		return;
	}

	folders.push({path: given, mode: stats.mode & 0o7777, uid: stats.uid});
	const sorted = [...entries].sort((a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	// The transaction's staging and lock, retired/ and .backup/ are not the live set: read only when named.
	for (const entry of sorted) {
		if (privateEntries.includes(entry.name) || (entry.isDirectory() && notLiveFolders.includes(entry.name))) continue;
		await collect(path.join(given, entry.name), found, seenDirs, folders, root ?? real);
	}
}

function isInside(root: string, real: string): boolean {
	const relative = path.relative(root, real);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function fsReason(error: NodeJS.ErrnoException): string {
	switch (error.code) {
		case 'ENOENT': {
			return 'no such file or folder';
		}

		case 'EACCES':
		case 'EPERM': {
			return 'permission denied';
		}

		case 'ELOOP': {
			return 'too many levels of symbolic links';
		}

		default: {
			return `cannot read (${error.code ?? error.message})`;
		}
	}
}

const unreadable = (file: string, error: string, source = 'file', mode?: number): Item => ({path: file, kind: 'unreadable', source, error, ...(mode === undefined ? {} : {mode})});

async function loadFound(file: Found, manifests: FolderManifest[], digests: FileDigest[]): Promise<Item[]> {
	if (file.error || !file.stats) return [unreadable(file.path, file.error ?? 'cannot read')];
	const mode = file.stats.mode & 0o777;
	// Never open a FIFO or a device: reading one can block forever.
	if (!file.stats.isFile()) return [unreadable(file.path, `skipped: ${kindOf(file.stats)}, not a regular file`, 'file', mode)];
	if (file.stats.size > maxFileBytes) return [unreadable(file.path, `larger than ${maxFileBytes / 1024 / 1024} MiB: not a certificate file`, 'file', mode)];
	let bytes: Buffer;
	try {
		const handle = await open(file.path, 'r');
		try {
			bytes = await handle.readFile();
		} finally {
			await handle.close();
		}
	} catch (error) {
		return [unreadable(file.path, fsReason(error as NodeJS.ErrnoException), 'file', mode)];
	}

	digests.push({path: file.path, sha256: createHash('sha256').update(bytes).digest('hex'), mode});
	if (path.basename(file.path) === manifestFileName) {
		const manifest = readManifest(path.dirname(file.path), bytes);
		if (manifest) manifests.push(manifest);
		return [unreadable(file.path, manifest ? 'a kubepki manifest (no certificates; used for the cluster\'s names and roles)' : 'not a valid kubepki manifest', 'file', mode)];
	}

	try {
		// A Secret's keys are read under paths of their own (secret.yaml#secret/x/tls.key): the file's mode is not theirs to name.
		return await followReferences(file.path, parseBytes(file.path, bytes).map(item => (item.path === file.path ? {...item, mode} : item)));
	} catch (error) {
		// A bug in a parser must still not stop the other files from being read.
		return [unreadable(file.path, `cannot read: ${oneLine((error as Error)?.message ?? String(error))}`, 'file', mode)];
	}
}

function oneLine(text: string): string {
	const first = text.split('\n')[0] ?? '';
	return first.length > 160 ? `${first.slice(0, 160)}…` : first;
}

/** Everything in one file's bytes. Exported for tests and for callers that hold bytes, not files. */
export function parseBytes(file: string, bytes: Uint8Array): Item[] {
	if (bytes.length === 0) return [unreadable(file, 'empty file')];
	// Control bytes other than tab and line breaks mean binary: DER always has some (its length bytes).
	const binary = bytes.subarray(0, 8192).some(byte => byte < 0x09 || (byte > 0x0d && byte < 0x20));
	if (!binary) {
		const text = Buffer.from(bytes).toString('utf8');
		if (looksLikeKubeconfig(text)) {
			const parsed = parseKubeconfig(text);
			if (parsed.ok) return kubeconfigItems(file, parsed.kubeconfig);
		}

		if (looksLikeKubernetesObject(text)) {
			const found = kubernetesObjects(file, text);
			if (found.objects > 0) return objectItems(file, found);
		}

		if (text.includes('-----BEGIN ')) return pemItems(file, text);
	}

	// DER starts with a SEQUENCE; anything else is not ours.
	if (binary && bytes[0] === 0x30) return [derItem(file, bytes)];
	return [unreadable(file, binary ? 'binary data that is not DER' : 'no certificate, key or kubeconfig in this file')];
}

/** A Secret's or ConfigMap's keys, each read as a file; keys that hold no certificate or key (a token, a namespace) are left out. */
function objectItems(file: string, found: ObjectsResult): Item[] {
	const items = [
		...found.entries.flatMap(entry => parseBytes(entry.path, entry.bytes).filter(item => item.kind !== 'unreadable' || isBroken(item))),
		...found.problems.map(problem => unreadable(problem.path, problem.error, 'object')),
	];
	return items.length > 0 ? items : [unreadable(file, `${found.objects === 1 ? 'a Secret or ConfigMap' : `${found.objects} Secrets or ConfigMaps`} with no certificate or key`)];
}

function looksLikeKubeconfig(text: string): boolean {
	return /^\s*(?:clusters|contexts|users|current-context)\s*:/m.test(text) || /"(?:clusters|contexts|current-context)"\s*:/.test(text);
}

// ---------------------------------------------------------------------------------------------------
// PEM

type PemBlock = {readonly label: string; readonly body: string; readonly whole: string};

/**
 * Every `-----BEGIN X----- … -----END X-----` block, in order, in one pass: each END is looked for once, and a label
 * found without its END is not looked for again. (A regular expression with a lazy body rescanned the rest of the
 * text for every BEGIN: 100,000 unterminated BEGIN lines took minutes.) Same blocks as that expression gave.
 */
export function pemBlocks(text: string): PemBlock[] {
	const blocks: PemBlock[] = [];
	const endless = new Set<string>();
	let at = 0;
	for (;;) {
		const begin = text.indexOf('-----BEGIN ', at);
		if (begin < 0) break;
		const labelStart = begin + 11;
		const dashes = text.slice(labelStart, labelStart + 46).indexOf('-----');
		const label = dashes < 0 ? '' : text.slice(labelStart, labelStart + dashes);
		if (!/^[A-Z\d ]{1,40}$/.test(label) || endless.has(label)) {
			at = labelStart;
			continue;
		}

		const bodyStart = labelStart + dashes + 5;
		const endMarker = `-----END ${label}-----`;
		const end = text.indexOf(endMarker, bodyStart);
		if (end < 0) {
			endless.add(label);
			at = labelStart;
			continue;
		}

		blocks.push({label, body: text.slice(bodyStart, end), whole: text.slice(begin, end + endMarker.length)});
		at = end + endMarker.length;
	}

	return blocks;
}

function pemItems(file: string, text: string): Item[] {
	const blocks = pemBlocks(text);
	if (blocks.length === 0) {
		const label = /-----BEGIN ([A-Z\d ]{1,40})-----/.exec(text)?.[1] ?? 'PEM';
		return [unreadable(file, `${label} block without its END line (truncated?)`, 'pem')];
	}

	const items: Item[] = [];
	// openssl ecparam -genkey writes EC PARAMETERS before the key: part of the key, not an item.
	const counted = blocks.filter(block => block.label !== 'EC PARAMETERS');
	let number = 0;
	for (const block of counted) {
		number++;
		const item = pemItem(file, block.label, block.body, block.whole);
		items.push(counted.length > 1 ? {...item, block: number} : item);
	}

	return items.length > 0 ? items : [unreadable(file, 'only EC PARAMETERS, no key', 'pem')];
}

function decodeBase64(body: string): Uint8Array | string {
	// Headers (Proc-Type, DEK-Info) end at a blank line; the base64 follows.
	const lines = body.split(/\r?\n/).filter(line => !/^[A-Za-z-]+:/.test(line.trim()));
	const compact = lines.join('').replace(/\s+/g, '');
	if (!/^[A-Za-z\d+/]*={0,2}$/.test(compact)) return 'PEM body is not base64';
	if (compact.length === 0) return 'empty PEM block';
	return Buffer.from(compact, 'base64');
}

function pemItem(file: string, label: string, body: string, whole: string): Item {
	const der = decodeBase64(body);
	if (typeof der === 'string') return unreadable(file, `${label}: ${der}`, 'pem');
	try {
		switch (label) {
			case 'CERTIFICATE':
			case 'X509 CERTIFICATE':
			case 'TRUSTED CERTIFICATE': {
				return certificateItem(file, 'pem', label === 'TRUSTED CERTIFICATE' ? firstElement(der) : der);
			}

			case 'CERTIFICATE REQUEST':
			case 'NEW CERTIFICATE REQUEST': {
				return csrItem(file, 'pem', der);
			}

			case 'PRIVATE KEY':
			case 'RSA PRIVATE KEY':
			case 'EC PRIVATE KEY': {
				if (/Proc-Type:\s*4,ENCRYPTED/.test(body)) return encryptedKeyItem(file, 'pem');
				return privateKeyItem(file, 'pem', createPrivateKey({key: whole, format: 'pem'}));
			}

			case 'ENCRYPTED PRIVATE KEY': {
				return encryptedKeyItem(file, 'pem');
			}

			case 'PUBLIC KEY': {
				return publicKeyItem(file, 'pem', der);
			}

			case 'RSA PUBLIC KEY': {
				const spki = createPublicKey({key: Buffer.from(der), format: 'der', type: 'pkcs1'}).export({format: 'der', type: 'spki'});
				return publicKeyItem(file, 'pem', spki);
			}

			default: {
				return unreadable(file, `a PEM ${label} block: not a certificate, CSR or key`, 'pem');
			}
		}
	} catch (error) {
		return unreadable(file, `${label} block cannot be parsed (${reason(error)})`, 'pem');
	}
}

function reason(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	// Node's crypto errors are long and name OpenSSL internals; the first clause is what matters.
	return oneLine(message.replace(/^error:[\dA-F]+:/i, ''));
}

function firstElement(der: Uint8Array): Uint8Array {
	// TRUSTED CERTIFICATE is a certificate followed by openssl's trust settings. The one DER reader, bounds checked:
	// a malformed header leaves the bytes as they are, for the certificate parser to name what is wrong.
	try {
		return whole(readTlv(der, 0));
	} catch {
		return der;
	}
}

// ---------------------------------------------------------------------------------------------------
// The kinds

function certificateItem(file: string, source: string, der: Uint8Array, parsed: ParsedCertificate = parseCertificate(der)): Item {
	return {
		path: file,
		kind: 'certificate',
		source,
		cert: parsed.info,
		kubernetes: kubernetesMeaning(file, parsed.info),
		raw: {der: parsed.der, subjectDer: parsed.subjectDer, issuerDer: parsed.issuerDer, spki: parsed.spki, signed: parsed.signed},
	};
}

function csrItem(file: string, source: string, der: Uint8Array): Item {
	const {info, spki} = parseCsr(der);
	return {path: file, kind: 'csr', source, csr: info, publicKey: info.publicKey, kubernetes: kubernetesMeaning(file, info), raw: {spki}};
}

function privateKeyItem(file: string, source: string, key: KeyObject): Item {
	// Keep only the public half: nothing downstream may hold or print private key material.
	const spki = createPublicKey(key).export({format: 'der', type: 'spki'});
	return {path: file, kind: 'private-key', source, publicKey: parsePublicKey(spki).publicKey, kubernetes: kubernetesMeaning(file, undefined), raw: {spki}};
}

function encryptedKeyItem(file: string, source: string): Item {
	return {path: file, kind: 'private-key', source, encrypted: true, publicKey: {algorithm: 'unknown'}, kubernetes: kubernetesMeaning(file, undefined)};
}

function publicKeyItem(file: string, source: string, spki: Uint8Array): Item {
	return {path: file, kind: 'public-key', source, publicKey: parsePublicKey(spki).publicKey, kubernetes: kubernetesMeaning(file, undefined), raw: {spki}};
}

// DER has no label: try each shape in turn and report the certificate reason when none fits.
function derItem(file: string, der: Uint8Array): Item {
	let certError: unknown;
	try {
		return certificateItem(file, 'der', der);
	} catch (error) {
		certError = error;
	}

	const attempts: Array<() => Item> = [
		() => csrItem(file, 'der', der),
		() => publicKeyItem(file, 'der', der),
		() => privateKeyItem(file, 'der', createPrivateKey({key: Buffer.from(der), format: 'der', type: 'pkcs8'})),
		() => privateKeyItem(file, 'der', createPrivateKey({key: Buffer.from(der), format: 'der', type: 'pkcs1'})),
		() => privateKeyItem(file, 'der', createPrivateKey({key: Buffer.from(der), format: 'der', type: 'sec1'})),
	];
	for (const attempt of attempts) {
		try {
			return attempt();
		} catch {
			// Not this shape; try the next.
		}
	}

	return unreadable(file, `not a certificate, CSR or key in DER: ${reason(certError)}`, 'der');
}

// ---------------------------------------------------------------------------------------------------
// Kubeconfigs

function kubeconfigItems(file: string, config: ParsedKubeconfig): Item[] {
	const outline: KubeconfigOutline = {
		currentContext: config.currentContext ?? null,
		contexts: config.contexts.map(c => ({name: c.name, cluster: c.cluster, user: c.user})),
		clusters: config.clusters.map(c => ({
			name: c.name,
			server: c.server ?? null,
			...(c.caFile && !c.caPem ? {certificateAuthority: c.caFile} : {}),
			...(c.insecureSkipTlsVerify ? {insecureSkipTlsVerify: true} : {}),
		})),
		users: config.users.map(u => ({
			name: u.name,
			auth: u.auth,
			...(u.certFile && !u.certPem ? {clientCertificate: u.certFile} : {}),
			...(u.keyFile && !u.keyPem ? {clientKey: u.keyFile} : {}),
		})),
	};
	const items: Item[] = [{path: file, kind: 'kubeconfig', source: 'kubeconfig', kubeconfig: outline, kubernetes: kubernetesMeaning(file, undefined), raw: {parsedKubeconfig: config}}];
	const embedded = (where: string, pem: string, cert: boolean): Item => {
		const source = `kubeconfig:${where}`;
		const first = pemBlocks(pem)[0];
		if (!first) return unreadable(file, 'no PEM block', source);
		const item = pemItem(file, first.label, first.body, first.whole);
		if (cert && item.kind !== 'certificate' && item.kind !== 'unreadable') return unreadable(file, `expected a certificate, found a ${item.kind}`, source);
		return {...item, source};
	};

	for (const cluster of config.clusters) {
		if (!cluster.caPem) continue;
		// Trust may be a bundle (two CAs while one is rotated): every certificate in it is an item, numbered.
		const where = `clusters[${cluster.name}].certificate-authority-data`;
		const blocks = pemBlocks(cluster.caPem);
		if (blocks.length <= 1) items.push(embedded(where, cluster.caPem, true));
		else blocks.forEach((block, index) => items.push({...embedded(where, block.whole, true), block: index + 1}));
	}

	for (const user of config.users) {
		if (user.certPem) items.push(embedded(`users[${user.name}].client-certificate-data`, user.certPem, true));
		if (user.keyPem) items.push(embedded(`users[${user.name}].client-key-data`, user.keyPem, false));
	}

	// Data fields that were there but could not be decoded are items too: the person should see them.
	for (const problem of config.problems) {
		if (problem.code === 'bad-base64' || problem.code === 'not-pem') items.push(unreadable(file, `${problem.message}`, `kubeconfig:${problem.field}`));
	}

	return items;
}

/** A kubeconfig field of a user or cluster, embedded (`client-key-data`) or a file reference (`client-key`). */
export function kubeconfigField(source: string): {section: 'users' | 'clusters'; name: string; field: 'client-certificate' | 'client-key' | 'certificate-authority'; referenced: boolean} | undefined {
	const match = /^kubeconfig:(users|clusters)\[(.*)\]\.(client-certificate|client-key|certificate-authority)(-data)?$/.exec(source);
	if (!match) return undefined;
	return {section: match[1] as 'users' | 'clusters', name: match[2]!, field: match[3] as 'client-certificate' | 'client-key' | 'certificate-authority', referenced: match[4] === undefined};
}

/**
 * A kubeconfig that names files (`certificate-authority: <file>`, `client-certificate`, `client-key`: what kubectl
 * writes without --embed-certs, and what ~/.kube/config often holds) is read with them, relative to its folder,
 * as if they were embedded. A file that is not there is an unreadable item naming the field and the file.
 */
async function followReferences(file: string, items: Item[]): Promise<Item[]> {
	const config = items.find(item => item.kind === 'kubeconfig')?.raw?.parsedKubeconfig;
	if (!config) return items;
	const refs = [
		...config.clusters.filter(c => c.caFile && !c.caPem).map(c => ({field: `clusters[${c.name}].certificate-authority`, ref: c.caFile!, cert: true})),
		...config.users.flatMap(u => [
			...(u.certFile && !u.certPem ? [{field: `users[${u.name}].client-certificate`, ref: u.certFile, cert: true}] : []),
			...(u.keyFile && !u.keyPem ? [{field: `users[${u.name}].client-key`, ref: u.keyFile, cert: false}] : []),
		]),
	];
	if (refs.length === 0) return items;
	const dir = path.dirname(file);
	const followed = await Promise.all(
		refs.map(async ({field, ref, cert}): Promise<Item[]> => {
			const source = `kubeconfig:${field}`;
			const target = path.isAbsolute(ref) ? ref : path.join(dir, ref);
			const bytes = await readFileBounded(target);
			if (!bytes) {
				const why = (await lstat(target).catch(() => undefined)) ? 'cannot be read' : 'no such file';
				return [{...unreadable(file, `${ref}: ${why} (relative paths are taken from the kubeconfig's folder, ${dir || '.'})`, source), referenced: target}];
			}

			const all = parseBytes(target, bytes);
			const readable = all.filter(item => item.kind !== 'unreadable');
			// A CA file may be a bundle (old and new CA, mid rotation): every certificate of it; a user's file: its first item.
			const chosen = field.endsWith('certificate-authority') && readable.length > 1 ? readable : [readable[0] ?? all[0]!];
			return chosen.map((parsed): Item => {
				if (cert && parsed.kind !== 'certificate' && parsed.kind !== 'unreadable') return {...unreadable(file, `${ref}: expected a certificate, found a ${parsed.kind}`, source), referenced: target};
				// The item belongs to the kubeconfig (its row, its checks); `referenced` says which file it came from.
				const {mode: _mode, ...rest} = parsed;
				return {...rest, path: file, source, referenced: target, kubernetes: parsed.cert ? kubernetesMeaning(file, parsed.cert) : rest.kubernetes};
			});
		}),
	);
	return [...items, ...followed.flat()];
}

// ---------------------------------------------------------------------------------------------------
// kubepki's manifest

function readManifest(dir: string, bytes: Uint8Array): FolderManifest | undefined {
	const body = parseManifest(Buffer.from(bytes).toString('utf8'));
	if (!body) return undefined;
	const roles = new Map<string, KubernetesRole>();
	const certIds = new Map<string, string>();
	for (const entry of body.files) {
		if (kubernetesRoles.includes(entry.role as KubernetesRole)) roles.set(path.resolve(dir, entry.path), entry.role as KubernetesRole);
		if (typeof entry.certId === 'string') certIds.set(path.resolve(dir, entry.path), entry.certId);
	}

	return {dir, cluster: body.cluster, serviceIp: body.serviceIp, roles, certIds, layout: body.layout, files: body.files};
}

// A file of pki/ named alone still belongs to pki/: nodes/<host>/ and kubeadm's <host>/pki/etcd/ are three below it.
const manifestSearchDepth = 4;

/**
 * A file named on its own (`inspect pki/<file>`) is judged with its folder's manifest too, so the
 * cluster's names are known: look in the folders above it, nearest first, for one not read already.
 */
async function findManifestsAbove(found: readonly Found[], manifests: FolderManifest[]): Promise<void> {
	const known = new Set(manifests.map(m => path.resolve(m.dir)));
	const dirs = new Set<string>();
	for (const file of found) {
		if (!file.stats?.isFile() || path.basename(file.path) === manifestFileName) continue;
		let dir = path.dirname(file.path);
		for (let depth = 0; depth < manifestSearchDepth; depth++) {
			dirs.add(dir);
			const up = path.dirname(dir);
			if (up === dir || path.resolve(up) === path.resolve(dir)) break;
			dir = up;
		}
	}

	// Nearest first per file is not needed: manifestFor picks the nearest of all that were found.
	for (const dir of dirs) {
		if (known.has(path.resolve(dir))) continue;
		known.add(path.resolve(dir));
		const bytes = await readFileBounded(path.join(dir, manifestFileName));
		const manifest = bytes && readManifest(dir, bytes);
		if (manifest) manifests.push(manifest);
	}
}

async function readFileBounded(file: string): Promise<Buffer | undefined> {
	try {
		const stats = await stat(file);
		if (!stats.isFile() || stats.size > maxFileBytes) return undefined;
		const handle = await open(file, 'r');
		try {
			return await handle.readFile();
		} finally {
			await handle.close();
		}
	} catch {
		return undefined;
	}
}

/** The manifest knows what each file it lists is for: that beats guessing from names and subjects. */
function applyManifests(items: Item[], manifests: readonly FolderManifest[]): Item[] {
	if (manifests.length === 0) return items;
	return items.map(item => {
		const role = manifests.map(m => m.roles.get(path.resolve(item.path))).find(Boolean);
		if (!role || !item.kubernetes) return item;
		const subject = item.cert ?? item.csr;
		return {...item, kubernetes: kubernetesMeaning(item.path, subject && {...subject, isCA: item.cert?.isCA}, role)};
	});
}

// ---------------------------------------------------------------------------------------------------
// Keys and their certificates

/** The file names a key's certificate has next to it: hard way (x-key.pem → x.pem), kubeadm (x.key → x.crt, or x.pub for the service-account pair). */
function partnerNames(keyPath: string): string[] {
	const dir = path.dirname(keyPath);
	const name = path.basename(keyPath);
	const names: string[] = [];
	const hardway = /^(.*)-key\.pem$/.exec(name);
	if (hardway) names.push(`${hardway[1]}.pem`, `${hardway[1]}.crt`);
	const kubeadm = /^(.*)\.key$/.exec(name);
	if (kubeadm) names.push(`${kubeadm[1]}.crt`, `${kubeadm[1]}.pem`, `${kubeadm[1]}.pub`);
	return names.map(n => path.join(dir, n));
}

/** The certificate (or public key) a private key item belongs with, when the set has one. */
export function partnerOf(key: Item, items: readonly Item[]): Item | undefined {
	const withPublic = (item: Item) => (item.kind === 'certificate' || item.kind === 'public-key') && item.raw?.spki !== undefined;
	// A kubeconfig user's key pairs with that user's certificate.
	const field = kubeconfigField(key.source);
	if (field?.field === 'client-key') {
		return items.find(item => item.path === key.path && withPublic(item) && kubeconfigField(item.source)?.field === 'client-certificate' && kubeconfigField(item.source)?.name === field.name && kubeconfigField(item.source)?.section === 'users');
	}
	if (key.source.startsWith('kubeconfig:')) return undefined;
	// A PEM file holding both: the certificate in the same file.
	const same = items.find(item => item.path === key.path && item.kind === 'certificate' && withPublic(item));
	if (same) return same;
	for (const name of partnerNames(key.path)) {
		const found = items.find(item => item.path === name && withPublic(item) && !item.source.startsWith('kubeconfig'));
		if (found) return found;
	}

	return undefined;
}

/** A key whose name says nothing (worker-0-key.pem) takes the role of the certificate it pairs with. */
function adoptPartnerRoles(items: Item[]): Item[] {
	return items.map(item => {
		if (item.kind !== 'private-key' || item.kubernetes?.roleFrom !== 'subject') return item;
		const partner = partnerOf(item, items);
		const role = partner?.kubernetes?.role;
		return role && role !== 'other' ? {...item, kubernetes: {...item.kubernetes, role}} : item;
	});
}
