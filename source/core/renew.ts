// `kubepki renew`: re-issue leaves of a folder kubepki made, from the folder's own CA and the cluster its
// manifest records. Subject, SANs and usages come from the same plan generate used; only the dates (and, unless
// asked otherwise, the key) are new. Everything derived from a renewed certificate (kubeconfigs, nodes/<host>/
// copies, the copy scripts) is rebuilt from the same functions generate uses, and the result is compared with what is on
// disk: only files whose bytes change are written, and each replaced file is kept under .backup/<timestamp>/.
// The CA, the service-account pair and the encryption key are never touched.
import {createHash, createPrivateKey, X509Certificate as NodeX509} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {copyScript, distribution, type Bundle, type Delivery} from './distribute.js';
import {backupDir as backupFolder, folderTimestamp} from './folders.js';
import {loadRootCa, manifest, RefusedError} from './generate.js';
import {layoutFiles} from './layout-files.js';
import {bundlesDir, copyAllScriptPath, copyScriptPath, fileModes, hardwayCaCert, manifestName} from './placement.js';
import {rotationInProgress} from './manifest.js';
import {buildPlan, hardwayPaths, type CertSpec, type Plan} from './plan.js';
import {urlHost} from './ip.js';
import {certInfo} from './pki/cert-info.js';
import {issueAll, type Issued} from './pki/issue.js';
import type {PreviewCert} from './preview.js';
import {readingsByCert, type Reading} from './readings.js';
import {importPrivateKeyPem, type KeyPair} from './pki/keys.js';
import {validateTopology, type Topology} from './topology.js';
import type {OutputFile} from './write.js';

/** Which leaves to renew: those ending within a window (the default), every one, or the ones named. */
export type RenewSelection = {readonly kind: 'within'; readonly seconds: number} | {readonly kind: 'all'} | {readonly kind: 'only'; readonly ids: readonly string[]};

/** The bad input renew can meet: one line, exit 2. */
export class RenewUsageError extends Error {}

/** What one leaf is now, as read from the folder. */
export type LeafState = {
	readonly spec: CertSpec;
	/** Absent when the certificate or its key is missing or unreadable. */
	readonly notAfter?: Date;
	readonly certPem?: string;
	readonly keyPem?: string;
	/** Why it cannot be kept as it is regardless of the selection (missing, another CA, key mismatch). */
	readonly broken?: string;
};

/** One leaf renew will re-issue, and why. */
export type RenewItem = {
	readonly id: string;
	readonly file: string;
	readonly reason: string;
	readonly oldNotAfter?: string;
	readonly newNotAfter: string;
	readonly keyReused: boolean;
};

/** A renewed certificate as the wizard's card shows it, before the write: the certificate itself, the file it lands in, who reads it. */
export type RenewalCard = {readonly cert: PreviewCert; readonly file: string; readonly readings: readonly Reading[]};

/** What changes on one machine: the files to copy (with where they go) and the services to restart. */
export type MachineChange = {
	readonly host: string;
	readonly ip: string;
	readonly role: Bundle['role'];
	readonly files: readonly Delivery[];
	readonly services: readonly string[];
};

/** One step of the restart order. */
export type RestartStep = {readonly host: string; readonly services: readonly string[]; readonly check: string};

export type RenewalPlan = {
	readonly plan: Plan;
	readonly renewed: readonly RenewItem[];
	/** Leaves not renewed, with why (still valid past the window, the service-account pair). */
	readonly kept: ReadonlyArray<{readonly id: string; readonly reason: string}>;
	/** The CA's end, and whether it cuts short the validity asked for. */
	readonly caNotAfter: string;
	readonly cappedByCa: boolean;
	/** Files whose bytes change (the manifest included), in write order. */
	readonly changed: readonly OutputFile[];
	/** Of those, the ones that exist now and are replaced (kept in the backup). */
	readonly replaced: readonly string[];
	readonly machines: readonly MachineChange[];
	readonly restart: readonly RestartStep[];
	readonly backupDir: string;
	/** One card per renewed certificate, from the same issue as `changed` (what is shown is what is written). */
	readonly cards: readonly RenewalCard[];
	/** The manifest's bytes when the renewal was planned, hashed: every kubepki write changes them. */
	readonly manifestDigest: string;
};

export type RenewOptions = {
	readonly outDir: string;
	readonly selection: RenewSelection;
	/** Leaf validity in hours; default: the manifest's. Recorded in the manifest. */
	readonly validityHours?: number;
	readonly reuseKeys?: boolean;
	readonly now?: Date;
	readonly onProgress?: (done: number, total: number) => void;
	/** A renewal planned before (and shown): written as it is, refused when the folder changed since. */
	readonly prepared?: RenewalPlan;
};

/**
 * The services that read the PKI, as restart tiers in their safe order: etcd members one at a time (quorum
 * holds), then the API servers one at a time (the load balancer sends clients to the others), then
 * controller-manager and scheduler, then each worker's kubelet and kube-proxy. Each tier goes machine by
 * machine; the check says when the next may go.
 */
export const restartTiers: ReadonlyArray<{readonly services: readonly string[]; readonly check: string}> = [
	{services: ['etcd'], check: 'etcdctl endpoint health, before the next member'},
	{services: ['kube-apiserver'], check: `curl --cacert ${hardwayCaCert} https://<ip>:6443/livez, before the next API server`},
	{services: ['kube-controller-manager', 'kube-scheduler'], check: 'journalctl -u kube-controller-manager -u kube-scheduler (leader election hands over)'},
	{services: ['kubelet', 'kube-proxy'], check: 'kubectl get nodes (Ready)'},
];

export const restartOrder: readonly string[] = restartTiers.flatMap(t => t.services);

const services = new Set(restartOrder);

/** The services a certificate's consumers run as (`kubelet (node1)` is the kubelet); kubectl and the like restart nothing. */
export function servicesReading(spec: CertSpec): string[] {
	const names = spec.consumers.map(c => c.component.replace(/ \(.*\)$/, ''));
	return [...new Set(names.filter(name => services.has(name)))];
}

/** The leaves renew may touch: not a CA, not the service-account pair (its keys outlive every certificate). */
export function renewable(spec: CertSpec): boolean {
	return !spec.isCA && spec.role !== 'service-account';
}

/** Pick the leaves to renew, with a reason each. Throws RenewUsageError for an id that is not a renewable leaf. */
export function selectLeaves(states: readonly LeafState[], selection: RenewSelection, now: Date): {renew: Array<{state: LeafState; reason: string}>; kept: Array<{id: string; reason: string}>} {
	const renew: Array<{state: LeafState; reason: string}> = [];
	const kept: Array<{id: string; reason: string}> = [];
	if (selection.kind === 'only') {
		for (const id of selection.ids) {
			const state = states.find(s => s.spec.id === id && renewable(s.spec));
			if (!state) {
				const known = states.filter(s => renewable(s.spec)).map(s => s.spec.id);
				if (id === 'ca' || id === 'service-account') throw new RenewUsageError(`--only: ${id} is never renewed (${id === 'ca' ? 'a new CA is a CA rotation: kubepki rotate-ca' : 'Kubernetes uses only its keys; a new pair invalidates every service account token'})`);
				throw new RenewUsageError(`--only: ${JSON.stringify(id)} is not a certificate of this folder; the ids are ${known.join(', ')}`);
			}
		}
	}

	for (const state of states) {
		const {spec} = state;
		if (!renewable(spec)) continue;
		const left = state.notAfter ? state.notAfter.getTime() - now.getTime() : Number.NEGATIVE_INFINITY;
		const ends = state.notAfter?.toISOString().slice(0, 10);
		let reason: string | undefined;
		if (selection.kind === 'all') reason = state.broken ?? 'all leaves asked for (--all)';
		else if (selection.kind === 'only') reason = selection.ids.includes(spec.id) ? (state.broken ?? 'named with --only') : undefined;
		else if (state.broken) reason = state.broken;
		else if (left < 0) reason = `expired on ${ends}`;
		else if (left < selection.seconds * 1000) reason = `ends on ${ends}, within ${Math.round(selection.seconds / 86_400)}d`;
		if (reason) renew.push({state, reason});
		else kept.push({id: spec.id, reason: selection.kind === 'within' ? `valid until ${ends}` : 'not selected'});
	}

	return {renew, kept};
}

/**
 * What changes on each machine, given the top-level files that change: the deliveries whose source changed,
 * and the services that read the certificates in them.
 */
export function machineChanges(plan: Plan, bundles: readonly Bundle[], changedSources: ReadonlySet<string>, certIdOf: ReadonlyMap<string, string>): MachineChange[] {
	const specs = new Map(plan.certs.map(spec => [spec.id, spec]));
	return bundles
		.map(bundle => {
			const files = bundle.files.filter(d => changedSources.has(d.source));
			const names = new Set(files.flatMap(d => {
				const spec = specs.get(certIdOf.get(d.source) ?? '');
				return spec ? servicesReading(spec) : [];
			}));
			return {host: bundle.host, ip: bundle.ip, role: bundle.role, files, services: restartOrder.filter(s => names.has(s))};
		})
		.filter(change => change.files.length > 0);
}

/** The restart steps for a set of machine changes: tier by tier, machine by machine (see restartTiers). */
export function restartSteps(machines: readonly MachineChange[]): RestartStep[] {
	return restartTiers.flatMap(tier =>
		machines
			.map(m => ({host: m.host, services: tier.services.filter(s => m.services.includes(s)), check: tier.check.replace('<ip>', urlHost(m.ip))}))
			.filter(step => step.services.length > 0),
	);
}

type ManifestBody = {tool?: unknown; layout?: unknown; source?: unknown; cluster?: unknown};

/** The cluster the folder was made for, from its manifest. RefusedError when there is none kubepki can use. */
export async function folderCluster(outDir: string): Promise<{topology: Topology; source: string; manifestDigest: string}> {
	const text = await readFile(path.join(outDir, manifestName), 'utf8').catch(() => undefined);
	if (text === undefined) throw new RefusedError(`${path.join(outDir, manifestName)} not found: renew needs the cluster the folder was made for (make it with kubepki generate)`);
	const manifestDigest = createHash('sha256').update(text).digest('hex');
	let body: ManifestBody;
	try {
		body = JSON.parse(text) as ManifestBody;
	} catch {
		throw new RefusedError(`${path.join(outDir, manifestName)} is not JSON; restore it from a backup or run kubepki generate`);
	}

	if (body.tool !== 'kubepki') throw new RefusedError(`${path.join(outDir, manifestName)} was not written by kubepki`);
	const rotating = rotationInProgress(text, 'renew');
	if (rotating) throw new RefusedError(rotating);
	if ((body.layout ?? 'hardway') !== 'hardway') throw new RefusedError(`renew knows the hard-way layout; for --layout kubeadm run kubepki generate again (it signs every leaf afresh from the kept CAs)`);
	const result = validateTopology(body.cluster);
	if (!result.ok) throw new RefusedError(`the cluster in ${manifestName} does not validate (${result.problems[0]?.field}: ${result.problems[0]?.message}); run kubepki generate --config FILE`);
	return {topology: result.topology, source: typeof body.source === 'string' ? body.source : manifestName, manifestDigest};
}

/** One leaf as the folder holds it, checked against the CA that must have signed it. */
export async function readLeaf(outDir: string, spec: CertSpec, ca: NodeX509): Promise<LeafState> {
	const paths = hardwayPaths(spec);
	const read = async (file: string) => readFile(path.join(outDir, file), 'utf8').catch(() => undefined);
	const [certPem, keyPem] = await Promise.all([read(paths.cert), read(paths.key)]);
	if (!certPem || !keyPem) return {spec, broken: `${certPem ? paths.key : paths.cert} is missing`};
	try {
		const cert = new NodeX509(certPem);
		const notAfter = new Date(cert.validTo);
		if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return {spec, notAfter, certPem, keyPem, broken: 'not signed by the folder\'s CA'};
		if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return {spec, notAfter, certPem, broken: `${paths.key} does not match it`};
		return {spec, notAfter, certPem, keyPem};
	} catch (error) {
		return {spec, broken: `unreadable (${(error as Error).message.split('\n')[0]})`};
	}
}

/** Work out the whole renewal without writing anything: what is re-issued, which files change, what to restart. */
export async function planRenewal(options: RenewOptions): Promise<RenewalPlan> {
	const now = options.now ?? new Date();
	const {outDir} = options;
	const {topology: recorded, source, manifestDigest} = await folderCluster(outDir);
	const topology: Topology = options.validityHours ? {...recorded, validity: {...recorded.validity, leaf: options.validityHours}} : recorded;
	const plan = buildPlan(topology);
	const caSpec = plan.certs.find(spec => spec.signer === 'self');
	if (!caSpec) throw new Error('bug: a plan without a root CA');
	const root = await loadRootCa(caSpec, outDir, hardwayPaths(caSpec), now);
	if (!root) throw new RefusedError(`${path.join(outDir, hardwayPaths(caSpec).cert)} is missing: renew signs with the folder's own CA and never makes one`);
	const states = await Promise.all(plan.certs.filter(spec => spec !== caSpec).map(async spec => readLeaf(outDir, spec, root.cert)));
	const {renew, kept} = selectLeaves(states, options.selection, now);
	const sa = states.find(s => s.spec.role === 'service-account');
	if (sa?.broken) throw new RefusedError(`service-account: ${sa.broken}; renew never makes a new service-account pair (every token would stop working); restore it from a backup`);

	// Everything not renewed is kept byte for byte: the CA, the service-account pair, the other leaves.
	const existing = new Map<string, Issued>([[caSpec.id, root.issued]]);
	const keys = new Map<string, Promise<KeyPair>>();
	const renewIds = new Set(renew.map(r => r.state.spec.id));
	for (const state of states) {
		if (renewIds.has(state.spec.id)) {
			if (options.reuseKeys && state.keyPem && !state.broken?.includes('does not match')) keys.set(state.spec.id, importPrivateKeyPem(state.keyPem));
			continue;
		}

		if (!state.certPem || !state.keyPem) throw new Error(`bug: ${state.spec.id} is kept but not readable`);
		existing.set(state.spec.id, {spec: state.spec, certPem: state.certPem, keyPem: state.keyPem, keys: await importPrivateKeyPem(state.keyPem)});
	}

	const issued = await issueAll(plan.certs, {existing, keys, now, onProgress: options.onProgress});
	const caNotAfter = new Date(root.cert.validTo);
	const asked = new Date(now.getTime() + topology.validity.leaf * 3600 * 1000);
	const readings = readingsByCert(plan);
	const cards: RenewalCard[] = renew.map(({state, reason}) => {
		const made = issued.find(item => item.spec.id === state.spec.id)!;
		return {
			cert: {spec: made.spec, info: certInfo(made.certPem), status: 'issued', reason: `${reason}; ${keys.has(state.spec.id) ? 'the same key' : 'a new key'}`},
			file: hardwayPaths(state.spec).cert,
			readings: readings.get(state.spec.id) ?? [],
		};
	});
	const renewed: RenewItem[] = renew.map(({state, reason}) => {
		const made = issued.find(item => item.spec.id === state.spec.id)!;
		return {
			id: state.spec.id,
			file: hardwayPaths(state.spec).cert,
			reason,
			...(state.notAfter && {oldNotAfter: state.notAfter.toISOString()}),
			newNotAfter: new Date(new NodeX509(made.certPem).validTo).toISOString(),
			keyReused: keys.has(state.spec.id),
		};
	});

	// The whole folder as generate would write it with these certificates, then only what differs from the disk.
	const full = await layoutFiles(plan, issued, {outDir});
	const onDisk = await Promise.all(full.map(async file => readFile(path.join(outDir, file.path)).catch(() => undefined)));
	const differs = full.filter((file, index) => {
		const old = onDisk[index];
		return !old || !old.equals(Buffer.from(file.content));
	});
	const changedSources = new Set(differs.filter(f => !f.path.startsWith(`${bundlesDir}/`)).map(f => f.path));
	const bundles = distribution(plan);
	const certIdOf = new Map(full.filter(f => f.certId).map(f => [f.path, f.certId!]));
	const machines = machineChanges(plan, bundles, changedSources, certIdOf);
	const changedBundles: Bundle[] = bundles.map(b => ({...b, files: b.files.filter(d => changedSources.has(d.source))})).filter(b => b.files.length > 0);
	// The copy script: what changed; the copy-all script: every file, for a machine rebuilt from scratch.
	const scripts: OutputFile[] = [
		{path: copyScriptPath, content: copyScript(plan, changedBundles), mode: fileModes.script, kind: 'copy-script'},
		{path: copyAllScriptPath, content: copyScript(plan, bundles), mode: fileModes.script, kind: 'copy-script'},
	];
	const withScripts = [...full.filter(f => f.path !== copyScriptPath), ...scripts];
	const record = manifest(plan, issued, withScripts, source, now);
	const nothing = renewed.length === 0;
	const changed = nothing ? [] : [...differs.filter(f => f.path !== copyScriptPath), ...scripts, record];
	const replaced = (await Promise.all(changed.map(async f => ((await readFile(path.join(outDir, f.path)).catch(() => undefined)) ? f.path : undefined)))).filter((p): p is string => Boolean(p));
	return {
		plan,
		renewed,
		kept,
		caNotAfter: caNotAfter.toISOString(),
		cappedByCa: renewed.length > 0 && asked > caNotAfter,
		changed,
		replaced,
		machines,
		restart: restartSteps(machines),
		backupDir: `${backupFolder}/${folderTimestamp(now)}`,
		cards,
		manifestDigest,
	};
}

/**
 * Put a renewal in place: every replaced file is first kept under backupDir (0700, same relative paths),
 * then the changed files are written, the manifest last. It takes the folder's lock only to write: a run that
 * changed the folder between planRenewal and this call would be overwritten. renewFolder reads and writes
 * under one lock; prefer it.
 */
export async function applyRenewal(outDir: string, renewal: RenewalPlan): Promise<void> {
	if (renewal.changed.length === 0) return;
	const {commitFolder} = await import('./write.js');
	await commitFolder(outDir, renewal.changed, {backupDir: renewal.backupDir, command: 'renew'});
}

/**
 * The whole renewal as one transaction: the folder's lock is taken first (a killed run's commit is finished
 * or dropped then), everything is read and issued under it, and the changed files are committed before it is
 * released (write.ts: a kill leaves the old complete set or the new one). RefusedError when another run holds
 * the folder. `dryRun` plans without the lock and writes nothing, not even the lock file.
 */
export async function renewFolder(options: RenewOptions & {readonly dryRun?: boolean}): Promise<RenewalPlan & {readonly warnings: readonly string[]}> {
	// Refuse a folder that is not kubepki's before the lock, which would make a missing folder.
	await folderCluster(options.outDir);
	if (options.dryRun) return {...(await planRenewal(options)), warnings: []};
	const {lockFolder} = await import('./write.js');
	const folder = await lockFolder(options.outDir, {command: 'renew'});
	try {
		// What was shown is written as it is, unless another run changed the folder since (its manifest then differs).
		if (options.prepared && (await folderCluster(options.outDir)).manifestDigest !== options.prepared.manifestDigest) {
			throw new RefusedError('renew: the folder changed since the new certificates were shown (another kubepki run?); nothing was written: look again before writing');
		}

		const renewal = options.prepared ?? (await planRenewal(options));
		if (renewal.changed.length > 0) await folder.commit(renewal.changed, {backupDir: renewal.backupDir});
		return {...renewal, warnings: folder.warnings};
	} finally {
		await folder.release();
	}
}
