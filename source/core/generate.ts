import {createPrivateKey, X509Certificate as NodeX509} from 'node:crypto';
import {link, rm, rmdir, stat} from 'node:fs/promises';
import path from 'node:path';
import {backupDir, folderTimestamp, retiredDir} from './folders.js';
import {clusterChange, etcdMembershipSteps, leavingFiles, otherClusterRefusal, readPreviousRun, retiredCertificates, type ClusterChange, type PreviousRun} from './cluster-change.js';
import type {EncryptionDecision, EncryptionProvider} from './encryption.js';
import {certificateFiles, layoutFiles, placed} from './layout-files.js';
import {bundleCopies, refuseIfOldSurvives} from './old-copies.js';
import {fileModes, kubeadmPaths, kubeadmServiceAccount, kubeadmServiceAccountPaths, manifestName} from './placement.js';
import {buildPlan, hardwayPaths, renewWithinDays, type CertSpec, type Layout, type Plan} from './plan.js';
import {certInfo} from './pki/cert-info.js';
import {issueAll, type Issued} from './pki/issue.js';
import {importPrivateKeyPem, KeyTypeError, type KeyPair} from './pki/keys.js';
import type {Topology} from './topology.js';
import {buildManifest, rotationInProgress, type Manifest} from './manifest.js';
import {DistrustError, existingPaths, previousManifest, publicDistrust, readFolderFile, requireTrusted, secretDistrust} from './reuse.js';
import {ensurePrivateDir, lockFolder, modeText, RefusedError, resolveInside, type LockedFolder, type OutputFile} from './write.js';

export {hardwayPaths} from './plan.js';

export {RefusedError} from './write.js';

export {certificateFiles} from './layout-files.js';

/** What became of each certificate: made now, or kept from an earlier run. */
export type CertOutcome = {readonly id: string; readonly status: 'issued' | 'kept' | 'reused-ca'; readonly reason?: string};

export type GenerateOptions = {
	readonly outDir: string;
	readonly force?: boolean;
	/** Which names and folders: the guide's (default) or kubeadm's. */
	readonly layout?: Layout;
	readonly now?: Date;
	/** Where the cluster came from, recorded in the manifest. */
	readonly source?: string;
	readonly onProgress?: (done: number, total: number) => void;
	/** Keys already being made, by spec id (see startKeyGeneration). */
	readonly keys?: ReadonlyMap<string, Promise<KeyPair>>;
	/** The hard way's encryption config, when there is none to keep (default: encryption.ts's). */
	readonly encryptionProvider?: EncryptionProvider;
	/** Told what became of the hard way's encryption config (the CLI reports a kept key). */
	readonly onEncryption?: (decision: Exclude<EncryptionDecision, {status: 'refused'}>) => void;
};

export type GenerateResult = {
	readonly plan: Plan;
	readonly issued: readonly Issued[];
	readonly outcomes: readonly CertOutcome[];
	readonly files: readonly OutputFile[];
	readonly written: readonly string[];
	/** Each key or CA made anew, in words (the summary prints every one). */
	readonly made?: readonly string[];
	/** What the trust check changed (a folder tightened to 0700). */
	readonly warnings?: readonly string[];
	/** Machines added and removed since the folder's previous run. */
	readonly change?: ClusterChange;
	/** What left the live set, kept under `to` (relative to outDir), with each retired certificate's end. */
	readonly retired?: {readonly to: string; readonly files: readonly string[]; readonly certificates: ReadonlyArray<{host: string; file: string; notAfter: string}>};
	/** The etcdctl commands a change of masters needs. */
	readonly etcdSteps?: readonly string[];
};

// A leaf this close to its end is replaced rather than kept (the same bound as lint's expires-soon).
const renewWithinMs = renewWithinDays * 24 * 3600 * 1000;

/**
 * Read a root CA an earlier run (or the user) left at `paths` in outDir, checked before anything is signed
 * with it: both halves plain files of the caller's (the key 0600), a CA, the key matching, not expired, a key
 * kubepki can sign with. Undefined when neither file is there.
 */
export async function loadRootCa(
	spec: CertSpec,
	outDir: string,
	caPaths: {cert: string; key: string},
	now: Date,
): Promise<{issued: Issued; cert: NodeX509} | undefined> {
	const [certFile, keyFile] = await Promise.all([readFolderFile(outDir, caPaths.cert), readFolderFile(outDir, caPaths.key)]);
	await requireTrusted(keyFile, 'secret');
	await requireTrusted(certFile, 'public');
	const caCertPem = certFile?.text;
	const caKeyPem = keyFile?.text;
	if (!certFile && !keyFile) return undefined;
	if (!caCertPem || !caKeyPem) {
		const missing = certFile ? caPaths.key : caPaths.cert;
		throw new RefusedError(
			`${path.join(outDir, missing)} is missing but ${certFile ? caPaths.cert : caPaths.key} exists; restore it, or pass --force to make a new CA (every certificate signed by the old one stops being trusted)`,
		);
	}

	let caCert: NodeX509;
	try {
		caCert = new NodeX509(caCertPem);
		if (!caCert.ca) throw new RefusedError(`${caPaths.cert} is not a CA certificate (basicConstraints CA:FALSE)`);
		if (!caCert.checkPrivateKey(createPrivateKey(caKeyPem))) {
			throw new RefusedError(`${caPaths.key} does not match ${caPaths.cert}`);
		}
	} catch (error) {
		if (error instanceof RefusedError) throw new RefusedError(`${error.message}; fix it or pass --force to make a new CA`);
		throw new RefusedError(`${path.join(outDir, caPaths.cert)} cannot be read as a CA: ${(error as Error).message}; pass --force to replace it`);
	}

	if (now.getTime() > new Date(caCert.validTo).getTime()) {
		throw new RefusedError(`${path.join(outDir, caPaths.cert)} expired on ${caCert.validTo}; pass --force to make a new CA`);
	}

	let caKeys;
	try {
		caKeys = await importPrivateKeyPem(caKeyPem);
	} catch (error) {
		if (error instanceof KeyTypeError) throw new RefusedError(`${caPaths.key}: ${error.message}; kubepki signs with RSA or ECDSA P-256 CAs`);
		throw error;
	}

	return {issued: {spec, certPem: caCertPem, keyPem: caKeyPem, keys: caKeys}, cert: caCert};
}

/** What an earlier run left that this one keeps or must not lose. */
export type Existing = {
	/** Certificates kept as they are (a reused CA, valid leaves), by spec id. */
	readonly existing: Map<string, Issued>;
	readonly outcomes: CertOutcome[];
	/** Keys kept under a certificate signed again (the service-account pair), by spec id. */
	readonly keptKeys: Map<string, KeyPair>;
	/** Each key or CA this run makes anew, in words, for the summary. */
	readonly made: string[];
	/** Files this run replaces that hold a key or CA: kept under .backup/ first. */
	readonly backup: boolean;
};

/** Spec ids whose key outlives its certificates: made anew only when the user deleted it. */
const lastingKey = (spec: CertSpec) => spec.role === 'service-account';

/** The spec ids the earlier manifest recorded a file of (what existed before, whatever is left of it). */
export function recordedIds(previous: Manifest | undefined): Set<string> {
	return new Set((previous?.files ?? []).flatMap(entry => (entry.certId && entry.kind !== 'bundle' ? [entry.certId] : [])));
}

function recordedFingerprint(previous: Manifest | undefined, id: string): string | undefined {
	return previous?.files.find(entry => entry.certId === id && entry.fingerprintSha256)?.fingerprintSha256;
}

/** Read what an earlier run left in outDir: the CA to sign with, the leaves still worth keeping, the SA key. */
export async function loadExisting(plan: Plan, outDir: string, now: Date, options: {force?: boolean} = {}): Promise<Existing> {
	const force = options.force ?? false;
	const result: Existing = {existing: new Map(), outcomes: [], keptKeys: new Map(), made: [], backup: force};
	const previous = await previousManifest(outDir);
	const recorded = recordedIds(previous);
	const ca = plan.certs.find(spec => spec.signer === 'self');
	if (!ca) throw new Error('bug: a plan without a root CA');
	const caPaths = hardwayPaths(ca);
	// Read and checked even with --force: a planted or exposed CA is refused, not quietly replaced; a broken
	// one is what --force is for.
	const root = await loadRootCa(ca, outDir, caPaths, now).catch((error: unknown) => {
		if (force && error instanceof RefusedError && !(error instanceof DistrustError)) return undefined;
		throw error;
	});
	if (root && !force) {
		result.existing.set(ca.id, root.issued);
		result.outcomes.push({id: ca.id, status: 'reused-ca'});
	} else {
		if (!root) {
			const copies = [...bundleCopies(plan, caPaths.cert), ...bundleCopies(plan, caPaths.key)];
			await refuseIfOldSurvives(outDir, 'CA', [caPaths.cert, caPaths.key], copies, recorded.has(ca.id) ? (recordedFingerprint(previous, ca.id) ?? caPaths.cert) : undefined, {force, allowForce: true});
		}

		result.made.push(
			root
				? `CA ${caPaths.cert} (--force): every certificate signed by the old one stops being trusted; the old files are kept in .backup/`
				: force && (await existingPaths(outDir, [caPaths.cert, caPaths.key])).length > 0
					? `CA ${caPaths.cert} (--force): the old files are kept in .backup/`
					: recorded.has(ca.id)
					? `CA ${caPaths.cert} (--force; the old one is gone): every certificate signed by the old one stops being trusted`
					: `CA ${caPaths.cert}: there was none in the folder`,
		);
	}

	for (const spec of plan.certs) {
		if (spec === ca) continue;
		const paths = hardwayPaths(spec);
		if (lastingKey(spec)) {
			await loadLastingKey(plan, spec, outDir, now, result, root && !force ? root.cert : undefined, {force, recorded, previous});
			continue;
		}

		if (!root || force) continue;
		const [certFile, keyFile] = await Promise.all([readFolderFile(outDir, paths.cert).catch(() => undefined), readFolderFile(outDir, paths.key).catch(() => undefined)]);
		if (!certFile || !keyFile) continue;
		// A leaf is cheap to make again: one someone else could read or change is replaced, not refused.
		const distrust = secretDistrust(keyFile) ?? publicDistrust(certFile);
		const reason = distrust
			? `${paths.key} was ${distrust === 'owner' ? 'not yours' : `open to others (mode ${modeText(keyFile.stats.mode)})`}: a new key`
			: whyNotReusable(spec, certFile.text, keyFile.text, root.cert, now);
		if (reason) {
			result.outcomes.push({id: spec.id, status: 'issued', reason});
			continue;
		}

		const keys = await importPrivateKeyPem(keyFile.text).catch(() => undefined);
		if (!keys) continue;
		result.existing.set(spec.id, {spec, certPem: certFile.text, keyPem: keyFile.text, keys});
		result.outcomes.push({id: spec.id, status: 'kept'});
	}

	return result;
}

/**
 * The service-account pair signs every ServiceAccount token: its key is kept on every run, renewal,
 * algorithm change and --force. Its certificate (the guide's) is signed again when it must be, from the same key.
 */
async function loadLastingKey(
	plan: Plan,
	spec: CertSpec,
	outDir: string,
	now: Date,
	result: Existing,
	caCert: NodeX509 | undefined,
	context: {force: boolean; recorded: Set<string>; previous: Manifest | undefined},
): Promise<void> {
	const paths = hardwayPaths(spec);
	const keyFile = await readFolderFile(outDir, paths.key);
	await requireTrusted(keyFile, 'secret');
	if (!keyFile) {
		await refuseIfOldSurvives(outDir, 'service-account key', [paths.key], bundleCopies(plan, paths.key), context.recorded.has(spec.id) ? paths.key : undefined, {
			force: context.force,
			allowForce: false,
		});
		result.made.push(
			context.recorded.has(spec.id)
				? `service-account key ${paths.key} (the old one was deleted): every ServiceAccount token signed by the old key stops working`
				: `service-account key ${paths.key}: there was none in the folder`,
		);
		return;
	}

	let keys: KeyPair;
	try {
		keys = await importPrivateKeyPem(keyFile.text);
	} catch (error) {
		throw new RefusedError(`${keyFile.full} cannot be read as a private key (${(error as Error).message}); restore it, or remove it and every copy to make a new one (every ServiceAccount token stops working)`);
	}

	const certFile = await readFolderFile(outDir, paths.cert).catch(() => undefined);
	const why = !certFile ? 'no certificate' : caCert ? whyNotReusable(spec, certFile.text, keyFile.text, caCert, now, {anyAlgorithm: true}) : 'a new CA';
	if (certFile && !why && publicDistrust(certFile) === undefined) {
		result.existing.set(spec.id, {spec, certPem: certFile.text, keyPem: keyFile.text, keys});
		result.outcomes.push({id: spec.id, status: 'kept'});
		return;
	}

	result.keptKeys.set(spec.id, keys);
	result.outcomes.push({id: spec.id, status: 'issued', reason: `${why ?? 'certificate open to others'}; the key is kept, so ServiceAccount tokens stay valid`});
}

/** Why an existing leaf cannot be kept, or undefined when it still says exactly what the plan asks. */
export function whyNotReusable(spec: CertSpec, certPem: string, keyPem: string, caCert: NodeX509, now: Date, options: {anyAlgorithm?: boolean} = {}): string | undefined {
	try {
		const cert = new NodeX509(certPem);
		if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return 'not signed by the current CA';
		if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'key does not match';
		if (new Date(cert.validTo).getTime() - now.getTime() < renewWithinMs) return `expires within ${renewWithinDays} days`;
		const info = certInfo(certPem);
		const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
		if (info.commonName !== spec.commonName) return `CN is ${info.commonName}, the plan says ${spec.commonName}`;
		if (!same(info.organizations, spec.organizations)) return 'O differs from the plan';
		if (!same(info.extKeyUsage, spec.extKeyUsages)) return 'extended key usages differ from the plan';
		const planned = (type: 'dns' | 'ip') => spec.sans.filter(s => s.type === type).map(s => s.value);
		if (!same(info.dnsNames, planned('dns')) || !same(info.ipAddresses, planned('ip'))) return 'SANs differ from the plan';
		const wanted = spec.algorithm === 'ecdsa-p256' ? 'ECDSA' : 'RSA';
		const bits = spec.algorithm === 'rsa-4096' ? 4096 : spec.algorithm === 'rsa-2048' ? 2048 : 256;
		if (options.anyAlgorithm) return undefined;
		if (info.publicKey.algorithm !== wanted || info.publicKey.bits !== bits) return `key is not ${spec.algorithm}`;
		return undefined;
	} catch (error) {
		return `unreadable: ${(error as Error).message}`;
	}
}

export {manifestName} from './placement.js';

/** What was made, from which cluster, with fingerprints and the machines each file goes to: the record a later run or an auditor reads. */
export function manifest(plan: Plan, issued: readonly Issued[], files: readonly OutputFile[], source: string, now: Date): OutputFile {
	const content = buildManifest({
		layout: plan.layout ?? 'hardway',
		source,
		cluster: plan.topology,
		serviceIp: plan.serviceIp,
		generatedAt: now,
		files: placed(plan, files),
		roles: new Map(issued.map(item => [item.spec.id, item.spec.role])),
	});
	return {path: manifestName, content, mode: fileModes.plain, kind: 'manifest'};
}

/** Make (or complete) the whole PKI for a topology and write it to outDir, as one transaction under the folder's lock. */
export async function generate(topology: Topology, options: GenerateOptions): Promise<GenerateResult> {
	const now = options.now ?? new Date();
	const plan = buildPlan(topology, {layout: options.layout});
	const folder = await lockFolder(options.outDir, {command: 'generate'});
	try {
		const rotating = rotationInProgress((await readFolderFile(folder.dir, manifestName, {maxBytes: 256 * 1024 * 1024}).catch(() => undefined))?.text, 'generate');
		if (rotating) throw new RefusedError(rotating);
		const previous = await readPreviousRun(folder.dir, manifestName);
		const refusal = options.force ? undefined : otherClusterRefusal(previous, topology, options.outDir);
		if (refusal) throw new RefusedError(refusal);
		const change = clusterChange(previous?.topology, topology);
		const context: RunContext = {previous, change, now};
		const result = plan.layout === 'kubeadm' ? await generateKubeadm(plan, options, now, folder, context) : await generateHardway(plan, options, now, folder, context);
		return {...result, change, etcdSteps: etcdMembershipSteps(change), warnings: [...folder.warnings, ...(result.warnings ?? [])]};
	} finally {
		await folder.release();
	}
}

/**
 * Write files prepared elsewhere (the wizard's Review & write) as generate writes its own: under the folder's
 * lock, another cluster's folder refused, and what the previous run wrote for machines no longer in the cluster
 * moved to retired/<UTC time>/ in the same transaction.
 */
export async function commitPrepared(outDir: string, files: readonly OutputFile[], topology: Topology, options: {readonly command: string; readonly now?: Date; readonly force?: boolean}): Promise<{written: string[]; retired: NonNullable<GenerateResult['retired']>; change: ClusterChange; etcdSteps: string[]}> {
	const now = options.now ?? new Date();
	const folder = await lockFolder(outDir, {command: options.command});
	try {
		const previous = await readPreviousRun(folder.dir, manifestName);
		const refusal = options.force ? undefined : otherClusterRefusal(previous, topology, outDir);
		if (refusal) throw new RefusedError(refusal);
		const change = clusterChange(previous?.topology, topology);
		const retired = await retire(folder.dir, files, {previous, change, now});
		const written = await folder.commit(files, {remove: retired.files});
		await removeEmptied(folder.dir, retired.files);
		return {written, retired, change, etcdSteps: etcdMembershipSteps(change)};
	} finally {
		await folder.release();
	}
}

/** The files of the folder's previous run that a write of `files` would move to retired/ (shown before writing). */
export async function retiringFiles(outDir: string, files: readonly OutputFile[]): Promise<string[]> {
	const previous = await readPreviousRun(outDir, manifestName);
	const leaving: string[] = [];
	for (const file of leavingFiles(previous, files.map(f => f.path), manifestName)) {
		if (await stat(path.join(outDir, file)).then(s => s.isFile(), () => false)) leaving.push(file);
	}

	return leaving;
}

/** `.backup/20261201T101500Z`: where a run that replaces a CA or key keeps the old files. */
export function backupDirFor(now: Date): string {
	return `${backupDir}/${folderTimestamp(now)}`;
}

/** The keys issueAll should use: those already being made, with the lasting ones kept from the folder. */
function keysWith(started: ReadonlyMap<string, Promise<KeyPair>> | undefined, kept: ReadonlyMap<string, KeyPair>): ReadonlyMap<string, Promise<KeyPair>> | undefined {
	if (kept.size === 0) return started;
	const keys = new Map(started ?? []);
	for (const [id, pair] of kept) keys.set(id, Promise.resolve(pair));
	return keys;
}

/** What a run knows of the folder's previous run. */
type RunContext = {readonly previous: PreviousRun | undefined; readonly change: ClusterChange; readonly now: Date};

/** Why a certificate that did not exist before is issued on a re-run. */
export const newMachineReason = 'new machine in the cluster file';

/**
 * What the previous run wrote and this one does not (a removed machine's certificate, kubeconfig, bundle,
 * units): hard-linked into retired/<UTC time>/ under the same relative paths before the commit removes them
 * from the live set, so a kill in between leaves a duplicate, never a loss.
 */
async function retire(outDir: string, files: readonly OutputFile[], context: RunContext): Promise<NonNullable<GenerateResult['retired']>> {
	const to = `${retiredDir}/${folderTimestamp(context.now)}`;
	const leaving: string[] = [];
	for (const file of leavingFiles(context.previous, files.map(f => f.path), manifestName)) {
		if (await stat(path.join(outDir, file)).then(s => s.isFile(), () => false)) leaving.push(file);
	}

	const removed = [...context.change.removedMasters, ...context.change.removedWorkers];
	const certificates = context.previous && leaving.length > 0 ? await retiredCertificates(outDir, context.previous, leaving, removed) : [];
	for (const file of leaving) {
		const target = resolveInside(outDir, path.join(to, file));
		const parts = path.relative(outDir, path.dirname(target)).split(path.sep);
		for (let i = 1; i <= parts.length; i++) await ensurePrivateDir(path.join(outDir, ...parts.slice(0, i)));
		await rm(target, {force: true});
		await link(resolveInside(outDir, file), target);
	}

	return {to, files: leaving, certificates};
}

/** After the commit: folders the retirement emptied (nodes/node3/, units/node3/) go too. */
async function removeEmptied(outDir: string, files: readonly string[]): Promise<void> {
	for (const dir of new Set(files.map(f => path.dirname(resolveInside(outDir, f))))) await rmdir(dir).catch(() => undefined);
}

async function generateHardway(plan: Plan, options: GenerateOptions, now: Date, folder: LockedFolder, context: RunContext): Promise<GenerateResult> {
	const found = await loadExisting(plan, folder.dir, now, {force: options.force});
	// Each certificate and key goes to the staging folder as it is issued, while later keys are still being made;
	// the commit then writes the rest (kubeconfigs, copies, the manifest last) and puts the whole set live.
	const issued = await issueAll(plan.certs, {
		existing: found.existing,
		now,
		keys: keysWith(options.keys, found.keptKeys),
		onProgress: options.onProgress,
		onIssued: item => folder.stage(certificateFiles([item])),
	});
	const known = new Set(found.outcomes.map(o => o.id));
	const added = new Set([...context.change.addedMasters, ...context.change.addedWorkers].map(h => h.name));
	const newReason = (s: CertSpec) => (context.previous && s.id.includes(':') && added.has(s.id.slice(s.id.indexOf(':') + 1)) ? {reason: newMachineReason} : {});
	const allOutcomes = [...found.outcomes, ...plan.certs.filter(s => !known.has(s.id)).map((s): CertOutcome => ({id: s.id, status: 'issued', ...newReason(s)}))];
	// Masters that join a running etcd start with --initial-cluster-state existing.
	const files = await layoutFiles(plan, issued, {
		outDir: folder.dir,
		encryptionProvider: options.encryptionProvider,
		force: options.force,
		joiningMasters: context.change.addedMasters.map(h => h.name),
		onEncryption: options.onEncryption,
	});
	const all = [...files, manifest(plan, issued, files, options.source ?? 'built-in example cluster', now)];
	const retired = await retire(folder.dir, all, context);
	const written = await folder.commit(all, {...(found.backup ? {backupDir: backupDirFor(now)} : {}), remove: retired.files});
	await removeEmptied(folder.dir, retired.files);
	return {plan, issued, outcomes: allOutcomes, files: all, written, made: found.made, retired};
}

/**
 * The kubeadm layout. Its three CAs and the service-account key are looked for in every master's folder
 * (all copies must agree), so a master added first in the list finds them in the others'. They are checked
 * and reused, never made anew while a copy or the manifest's record of them remains (a CA: unless --force);
 * every leaf is signed afresh, as `kubeadm certs renew` would.
 */
async function generateKubeadm(plan: Plan, options: GenerateOptions, now: Date, folder: LockedFolder, context: RunContext): Promise<GenerateResult> {
	const outDir = folder.dir;
	const force = options.force ?? false;
	const existing = new Map<string, Issued>();
	const outcomes: CertOutcome[] = [];
	const made: string[] = [];
	const keptKeys = new Map<string, KeyPair>();
	const previous = await previousManifest(outDir);
	const recorded = recordedIds(previous);
	const masters = plan.topology.masters.map(m => m.name);
	const everyHost = [...masters, ...plan.topology.workers.map(w => w.name)];
	for (const spec of plan.certs.filter(s => s.signer === 'self')) {
		const found: Array<{host: string; cert: NodeX509; issued: Issued}> = [];
		for (const host of masters) {
			const paths = kubeadmPaths(spec, host);
			const root =
				paths &&
				(await loadRootCa(spec, outDir, paths, now).catch((error: unknown) => {
					if (force && error instanceof RefusedError && !(error instanceof DistrustError)) return undefined;
					throw error;
				}));
			if (root) found.push({host, cert: root.cert, issued: root.issued});
		}

		const differ = found.find(f => f.cert.fingerprint256 !== found[0]!.cert.fingerprint256);
		if (differ) {
			throw new RefusedError(
				`${kubeadmPaths(spec, found[0]!.host)!.cert} and ${kubeadmPaths(spec, differ.host)!.cert} in ${outDir} are two different CAs (${spec.id}); keep the one the cluster uses in every master's folder and remove the other`,
			);
		}

		const paths = (host: string) => kubeadmPaths(spec, host)!;
		if (found[0] && !force) {
			existing.set(spec.id, found[0].issued);
			outcomes.push({id: spec.id, status: 'reused-ca'});
			continue;
		}

		if (!found[0]) {
			// Workers hold the CA's certificate (no key): a copy of the old CA all the same.
			const copies = everyHost.flatMap(host => [paths(host).cert, paths(host).key]);
			await refuseIfOldSurvives(outDir, `CA ${spec.id}`, [paths(masters[0]!).cert, paths(masters[0]!).key], copies, recorded.has(spec.id) ? (recordedFingerprint(previous, spec.id) ?? spec.id) : undefined, {force, allowForce: true});
		}

		made.push(found[0] ? `CA ${spec.id} (--force): every certificate signed by the old one stops being trusted; the old files are kept in .backup/` : `CA ${spec.id}: there was none in the folder`);
	}

	const sa = plan.certs.find(lastingKey);
	if (sa) {
		const keyPath = (host: string) => kubeadmServiceAccountPaths(host).key;
		const found: Array<{host: string; text: string}> = [];
		for (const host of masters) {
			const file = await readFolderFile(outDir, keyPath(host));
			await requireTrusted(file, 'secret');
			if (file) found.push({host, text: file.text});
		}

		const differ = found.find(f => f.text !== found[0]!.text);
		if (differ) throw new RefusedError(`${keyPath(found[0]!.host)} and ${keyPath(differ.host)} in ${outDir} are two different service-account keys; keep the one the cluster uses in every master's folder and remove the other`);
		if (found[0]) {
			try {
				keptKeys.set(sa.id, await importPrivateKeyPem(found[0].text));
			} catch (error) {
				throw new RefusedError(`${path.join(outDir, keyPath(found[0].host))} cannot be read as a private key (${(error as Error).message}); restore it, or remove every copy to make a new one (every ServiceAccount token stops working)`);
			}
		} else {
			await refuseIfOldSurvives(outDir, 'service-account key', [keyPath(masters[0]!)], [], recorded.has(sa.id) ? keyPath(masters[0]!) : undefined, {force, allowForce: false});
			made.push(recorded.has(sa.id) ? `service-account key ${kubeadmServiceAccount.key} (the old one was deleted): every ServiceAccount token signed by the old key stops working` : `service-account key ${kubeadmServiceAccount.key}: there was none in the folder`);
		}
	}

	const issued = await issueAll(plan.certs, {existing, now, keys: keysWith(options.keys, keptKeys), onProgress: options.onProgress});
	const files = await layoutFiles(plan, issued, {outDir});
	const all = [...files, manifest(plan, issued, files, options.source ?? 'built-in example cluster', now)];
	const retired = await retire(outDir, all, context);
	const written = await folder.commit(all, {...(force ? {backupDir: backupDirFor(now)} : {}), remove: retired.files});
	await removeEmptied(outDir, retired.files);
	const fresh = plan.certs.filter(spec => !existing.has(spec.id)).map((spec): CertOutcome => ({id: spec.id, status: 'issued'}));
	return {plan, issued, outcomes: [...outcomes, ...fresh], files: all, written, made, retired};
}
