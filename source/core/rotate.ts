// `kubepki rotate-ca`: replace a CA in three phases, so that machines one phase apart keep talking while they
// restart one by one.
//
//   start    a new CA is made beside the old; every trust file (the CA file every component reads, each
//            kubeconfig's certificate-authority-data) becomes the bundle old + new. No leaf changes.
//   reissue  every leaf is signed by the new CA, with a fresh key; kubeconfigs rebuilt; trust still both. The
//            controller-manager signs CSRs with the new CA from here on.
//   finish   trust is the new CA alone; the old CA's certificate and key go to retired/<UTC time>/.
//
// Each phase runs under the folder's lock as one transaction with a backup (write.ts), like renew: only the files
// whose bytes change are written, the copy script copies those, and the restart order comes from renew's tiers. The
// phase is recorded in the manifest; a phase can be neither skipped nor run twice. The service-account key and the
// encryption key are never touched. Every path comes from the plan (hardwayPaths, rotationPaths, distribution).
import {createHash, createPrivateKey, X509Certificate as NodeX509} from 'node:crypto';
import path from 'node:path';
import {copyScript, distribution, installDirs, installedAt, installScript, type Bundle, type Delivery} from './distribute.js';
import {backupDir as backupFolder, folderTimestamp, retiredDir} from './folders.js';
import {loadRootCa} from './generate.js';
import {kubeadmConfs} from './kubeadm.js';
import {layoutFiles, placed} from './layout-files.js';
import {kubeadmInstalledAt, kubeadmPlacement} from './kubeadm-units.js';
import {parseKubeconfig} from './kubeconfig.js';
import {buildManifest, parseManifest, type Manifest, type ManifestRotation} from './manifest.js';
import {bundlesDir, copyScriptPaths, fileModes, kubeadmPaths, kubeadmServiceAccount, kubeadmServiceAccountPaths, manifestName} from './placement.js';
import {buildPlan, hardwayPaths, isLayout, rotationPaths, signingPaths, type CertSpec, type Layout, type Plan, type RotationPhase} from './plan.js';
import {issue, issueAll, type Issued} from './pki/issue.js';
import {generateKeyPair, importPrivateKeyPem, type KeyPair} from './pki/keys.js';
import {pemBlocks} from './pki/load.js';
import {certInfo} from './pki/cert-info.js';
import type {PreviewCert} from './preview.js';
import {readingsByCert, type Reading} from './readings.js';
import {restartOrder, restartSteps, type MachineChange, type RestartStep} from './renew.js';
import {readFolderFile, requireTrusted} from './reuse.js';
import {validateTopology, type Topology} from './topology.js';
import {lockFolder, recoverFolder, RefusedError, type OutputFile} from './write.js';

export const rotationSteps = ['start', 'reissue', 'finish'] as const;
export type RotationStep = (typeof rotationSteps)[number];

/** `--ca`: which CA to rotate. The hard way has one (cluster); kubeadm's layout three. */
export const caChoices = ['cluster', 'etcd', 'front-proxy', 'all'] as const;
export type CaChoice = (typeof caChoices)[number];

/** Where a folder stands: no rotation since generate, one of the two in-between phases, or the last one finished. */
export type FolderPhase = 'none' | ManifestRotation['phase'];

/** Bad input or a step out of order: one line, exit 2, nothing written. */
export class RotateUsageError extends Error {}

/** The phase each step needs the folder in, the one it leaves, and the step that comes next. */
export const stepTable: Readonly<Record<RotationStep, {readonly needs: readonly FolderPhase[]; readonly leaves: ManifestRotation['phase']; readonly next?: RotationStep}>> = {
	start: {needs: ['none', 'finished'], leaves: 'started', next: 'reissue'},
	reissue: {needs: ['started'], leaves: 'reissued', next: 'finish'},
	finish: {needs: ['reissued'], leaves: 'finished'},
};

/** The step a folder in this phase is ready for. */
export function nextStep(phase: FolderPhase): RotationStep {
	return rotationSteps.find(step => stepTable[step].needs.includes(phase))!;
}

/** The one-line refusal of a step the folder is not ready for, or undefined. */
export function stepRefusal(step: RotationStep, phase: FolderPhase): string | undefined {
	if (stepTable[step].needs.includes(phase)) return undefined;
	const where = phase === 'none' ? 'no rotation is in progress' : phase === 'finished' ? 'the last rotation is finished' : `the rotation is in phase ${phase}`;
	const done = rotationSteps.indexOf(step) < rotationSteps.indexOf(nextStep(phase)) || (phase === 'finished' && step !== 'start');
	return `rotate-ca ${step}: ${where}, so ${step} ${done ? 'was already run' : 'cannot come yet'}; the next step is kubepki rotate-ca ${nextStep(phase)}`;
}

/** The plan ids of the CAs `--ca` names in a layout; RotateUsageError for one the layout does not have. */
export function chosenCas(plan: Plan, choice: CaChoice): string[] {
	const roots = plan.certs.filter(spec => spec.signer === 'self').map(spec => spec.id);
	const byChoice: Record<Exclude<CaChoice, 'all'>, string> = {cluster: 'ca', etcd: 'etcd-ca', 'front-proxy': 'front-proxy-ca'};
	if (choice === 'all') return roots;
	const id = byChoice[choice];
	if (!roots.includes(id)) {
		throw new RotateUsageError(`--ca: ${JSON.stringify(choice)} is not a CA of the ${plan.layout ?? 'hardway'} layout, which has ${roots.length === 1 ? 'one CA: cluster' : `the CAs ${roots.join(', ')}`}`);
	}

	return [id];
}

export type RotateOptions = {
	readonly outDir: string;
	readonly step: RotationStep;
	readonly ca: CaChoice;
	readonly now?: Date;
	readonly onProgress?: (done: number, total: number) => void;
	/** What previewRotation made and showed: written as shown (refused when the folder changed since). */
	readonly prepared?: RotationPrepared;
};

/**
 * The keys and certificates a step makes, made before the write so they can be shown first (the wizard's cards):
 * start's new CA(s), reissue's new leaves. Holds private keys: only rotateCa reads it; never printed.
 */
export type RotationPrepared = {
	readonly step: RotationStep;
	readonly cas: readonly string[];
	readonly manifestDigest: string;
	readonly nextCas?: ReadonlyMap<string, CaPair>;
	readonly leaves?: ReadonlyMap<string, Issued>;
};

/** A file a machine no longer needs after this phase (a rotation file of the phase before). */
export type Leftover = {readonly host: string; readonly target: string; readonly installTo: readonly string[]};

export type RotationResult = {
	readonly step: RotationStep;
	readonly phase: ManifestRotation['phase'];
	readonly plan: Plan;
	readonly cas: readonly string[];
	/** Each key made anew, in words. */
	readonly made: readonly string[];
	/** Leaves signed by the new CA in this phase. */
	readonly reissued: readonly string[];
	/** Relative paths written (the manifest last) and removed from the live set. */
	readonly changed: readonly string[];
	readonly removed: readonly string[];
	readonly backupDir: string;
	readonly retiredTo?: string;
	readonly machines: readonly MachineChange[];
	readonly leftovers: readonly Leftover[];
	readonly restart: readonly RestartStep[];
	/** What to check on the machines before the next step. */
	readonly checks: readonly string[];
	readonly next?: RotationStep;
};

/** The folder as a rotation reads it: the cluster, the manifest, where it stands. */
type FolderState = {
	readonly topology: Topology;
	readonly layout: Layout;
	readonly source: string;
	readonly manifest: Manifest;
	readonly phase: FolderPhase;
	/** The manifest's bytes, hashed: every kubepki write changes it, so a preview made from it can tell it is still current. */
	readonly manifestDigest: string;
};

async function readFolderState(outDir: string): Promise<FolderState> {
	const file = await readFolderFile(outDir, manifestName, {maxBytes: 256 * 1024 * 1024});
	if (!file) throw new RefusedError(`${path.join(outDir, manifestName)} not found: rotate-ca needs a folder kubepki made (kubepki generate)`);
	const manifest = parseManifest(file.text);
	if (!manifest) throw new RefusedError(`${path.join(outDir, manifestName)} is not a kubepki manifest; restore it from a backup or run kubepki generate`);
	if (!isLayout(manifest.layout)) throw new RefusedError(`${manifestName} names layout ${JSON.stringify(manifest.layout)}, which kubepki does not know`);
	const result = validateTopology(manifest.cluster);
	if (!result.ok) throw new RefusedError(`the cluster in ${manifestName} does not validate (${result.problems[0]?.field}: ${result.problems[0]?.message})`);
	const manifestDigest = createHash('sha256').update(file.text).digest('hex');
	return {topology: result.topology, layout: manifest.layout, source: manifest.source || manifestName, manifest, phase: manifest.rotation?.phase ?? 'none', manifestDigest};
}

/** The cluster and layout a folder's manifest records, checked as a rotation reads them (the folder screen's start). */
export async function rotationFolder(outDir: string): Promise<{topology: Topology; layout: Layout}> {
	const state = await readFolderState(outDir);
	return {topology: state.topology, layout: state.layout};
}

/** The certificates of a PEM file, each block's text as written. */
export function certificateBlocks(text: string): string[] {
	return pemBlocks(text)
		.filter(block => block.label === 'CERTIFICATE')
		.map(block => (block.whole.endsWith('\n') ? block.whole : `${block.whole}\n`));
}

type CaPair = {readonly issued: Issued; readonly cert: NodeX509; readonly pem: string};

/** Where a CA's own pair sits in the folder: one place in the hard way, each master's folder in kubeadm's layout. */
export function caLocations(plan: Plan, spec: CertSpec): Array<{cert: string; key: string}> {
	if (plan.layout !== 'kubeadm') return [hardwayPaths(spec)];
	return plan.topology.masters.map(m => kubeadmPaths(spec, m.name)!);
}

/** The old CA (its own key file, and the first certificate of its file) and, mid-rotation, the new one and the bundle's check. */
async function readCaAt(outDir: string, spec: CertSpec, paths: {cert: string; key: string}, rotating: boolean, now: Date): Promise<{old: CaPair; next?: CaPair}> {
	const old = await loadRootCa(spec, outDir, paths, now);
	if (!old) throw new RefusedError(`${path.join(outDir, paths.cert)} is missing: rotate-ca starts from the folder's own CA`);
	const blocks = certificateBlocks(old.issued.certPem);
	const oldPair = {issued: {...old.issued, certPem: blocks[0]!}, cert: old.cert, pem: blocks[0]!};
	if (!rotating) {
		if (blocks.length !== 1) throw new RefusedError(`${paths.cert} holds ${blocks.length} certificates but no rotation of it is in progress; restore it from ${backupFolder}/`);
		return {old: oldPair};
	}

	const nextPaths = rotationPaths(paths).next;
	const next = await loadRootCa(spec, outDir, nextPaths, now);
	if (!next) throw new RefusedError(`${path.join(outDir, nextPaths.cert)} is missing but the manifest says a rotation is in progress; restore it from ${backupFolder}/`);
	const nextPem = certificateBlocks(next.issued.certPem)[0]!;
	if (blocks.length !== 2 || blocks[1] !== nextPem) throw new RefusedError(`${paths.cert} is not the bundle of the old CA and ${path.basename(nextPaths.cert)}; restore it from ${backupFolder}/`);
	return {old: oldPair, next: {issued: {...next.issued, certPem: nextPem}, cert: next.cert, pem: nextPem}};
}

/** A CA read at every place it sits; every copy must be the same. */
async function readCa(outDir: string, plan: Plan, spec: CertSpec, rotating: boolean, now: Date): Promise<{old: CaPair; next?: CaPair}> {
	const [first, ...others] = caLocations(plan, spec);
	const found = await readCaAt(outDir, spec, first!, rotating, now);
	for (const paths of others) {
		const copy = await readCaAt(outDir, spec, paths, rotating, now);
		if (copy.old.pem !== found.old.pem || copy.old.issued.keyPem !== found.old.issued.keyPem || copy.next?.pem !== found.next?.pem || copy.next?.issued.keyPem !== found.next?.issued.keyPem) {
			throw new RefusedError(`${first!.cert} and ${paths.cert} are not the same CA (${spec.id}); every master's copy must be the same: restore them from ${backupFolder}/`);
		}
	}

	return found;
}

/** Where a leaf's certificate and key are read back: its own files, or (kubeadm's identities) the .conf that embeds them. */
function leafLocation(plan: Plan, spec: CertSpec): {cert: string; key: string} | {conf: string} | undefined {
	if (plan.layout !== 'kubeadm') return hardwayPaths(spec);
	const holder = spec.copyTo.cert[0] ?? plan.topology.masters[0]!.name;
	const paths = kubeadmPaths(spec, holder);
	if (paths) return paths;
	const conf = kubeadmConfs(plan).find(c => c.certId === spec.id);
	return conf ? {conf: `${conf.host}/${conf.file}`} : undefined;
}

/** A leaf's certificate and key as the folder holds them (undefined parts when missing). */
async function readLeafText(outDir: string, plan: Plan, spec: CertSpec): Promise<{where: string; certPem?: string; keyPem?: string}> {
	const at = leafLocation(plan, spec);
	if (!at) return {where: spec.id};
	const text = async (rel: string) => (await readFolderFile(outDir, rel).catch(() => undefined))?.text;
	if ('conf' in at) {
		const parsed = parseKubeconfig((await text(at.conf)) ?? '');
		const user = parsed.ok ? parsed.kubeconfig.users[0] : undefined;
		return {where: at.conf, certPem: user?.certPem, keyPem: user?.keyPem};
	}

	return {where: at.cert, certPem: await text(at.cert), keyPem: await text(at.key)};
}

/** Every leaf of the plan but the service-account pair, checked against the CA that must have signed it. Refuses when one cannot be used. */
async function readLeaves(outDir: string, plan: Plan, signerOf: (spec: CertSpec) => NodeX509, why: string, only: (spec: CertSpec) => boolean = () => true): Promise<Map<string, Issued>> {
	const leaves = new Map<string, Issued>();
	for (const spec of plan.certs.filter(s => s.signer !== 'self' && s.role !== 'service-account' && only(s))) {
		const {where, certPem, keyPem} = await readLeafText(outDir, plan, spec);
		const signer = signerOf(spec);
		let broken: string | undefined;
		if (!certPem || !keyPem) broken = 'missing';
		else {
			try {
				const cert = new NodeX509(certPem);
				if (!cert.checkIssued(signer) || !cert.verify(signer.publicKey)) broken = 'not signed by the CA it should be';
				else if (!cert.checkPrivateKey(createPrivateKey(keyPem))) broken = 'its key does not match';
			} catch (error) {
				broken = `unreadable (${(error as Error).message.split('\n')[0]})`;
			}
		}

		if (broken) throw new RefusedError(`${spec.id} (${where}): ${broken}; ${why}`);
		leaves.set(spec.id, {spec, certPem: certPem!, keyPem: keyPem!, keys: await importPrivateKeyPem(keyPem!)});
	}

	return leaves;
}

/** The service-account key as the folder holds it (checked like every key read back): kept through a rotation. */
async function serviceAccountKey(outDir: string, plan: Plan): Promise<{spec: CertSpec; keyPem: string; keys: KeyPair} | undefined> {
	const spec = plan.certs.find(s => s.role === 'service-account');
	if (!spec) return undefined;
	const rel = plan.layout === 'kubeadm' ? kubeadmServiceAccountPaths(plan.topology.masters[0]!.name).key : hardwayPaths(spec).key;
	const file = await readFolderFile(outDir, rel);
	await requireTrusted(file, 'secret');
	if (!file) throw new RefusedError(`${rel} is missing: rotate-ca keeps the service-account key (every token depends on it) and never makes one; restore it`);
	return {spec, keyPem: file.text, keys: await importPrivateKeyPem(file.text)};
}

/** The subject of a new CA: the plan's, told apart from the old one by its time, so no verifier can mix the two by name. */
function nextCaSpec(spec: CertSpec, now: Date): CertSpec {
	return {...spec, commonName: `${spec.commonName} ${now.toISOString().slice(0, 19).replace(/:/g, '')}Z`};
}

/** Where the machine reads the cluster CA's trust file (for the checks). */
function trustOnMachine(plan: Plan, bundles: readonly Bundle[]): string {
	const master = plan.topology.masters[0]!.name;
	const spec = specCa(plan);
	if (plan.layout === 'kubeadm') return kubeadmInstalledAt(master, kubeadmPaths(spec, master)!.cert);
	return installedAt(bundles, master, hardwayPaths(spec).cert, installDirs.kubernetes);
}

const checksAfter: Record<RotationStep, (plan: Plan, bundles: readonly Bundle[]) => string[]> = {
	start: (plan, bundles) => [
		'every machine above has its files and was restarted, in the order above',
		`on each machine the CA file holds both CAs: openssl storeutl -noout -certs ${trustOnMachine(plan, bundles)} ends with "Total found: 2"`,
		'kubectl get nodes: every node Ready; etcdctl endpoint health on every member',
		'kube-root-ca.crt holds both CAs (kubectl get configmap kube-root-ca.crt -o jsonpath=\'{.data.ca\\.crt}\' | grep -c BEGIN says 2); then restart the workloads that call the API server (kubectl rollout restart), which read it once when they start',
	],
	reissue: () => [
		'every machine above has its files and was restarted, in the order above: from now on each serves and logs in with a certificate of the new CA',
		'each API server presents the new CA\'s certificate: openssl s_client -connect <master>:6443 </dev/null 2>/dev/null | openssl x509 -noout -issuer names the new CA',
		'kubectl get nodes: every node Ready; etcdctl endpoint health on every member',
		'every copy of a kubeconfig handed to people (admin) replaced by the new one: after finish the old ones stop working',
	],
	finish: () => [
		'every machine above has its files and was restarted, in the order above: anything still signed by the old CA is refused from now on',
		'kubectl get nodes: every node Ready; etcdctl endpoint health on every member; kubepki lint reports no error',
	],
};

function specCa(plan: Plan): CertSpec {
	const spec = plan.certs.find(s => s.signer === 'self');
	if (!spec) throw new Error('bug: a plan without a root CA');
	return spec;
}

/** Each machine's deliveries whose source changed, with the services that read them (Delivery.services), in restart order. */
function changedMachines(bundles: readonly Bundle[], changedSources: ReadonlySet<string>): MachineChange[] {
	return bundles
		.map(bundle => {
			const files = bundle.files.filter(d => changedSources.has(d.source));
			const services = new Set<string>(files.flatMap(d => d.services));
			return {host: bundle.host, ip: bundle.ip, role: bundle.role, files, services: restartOrder.filter(s => services.has(s))};
		})
		.filter(change => change.files.length > 0);
}

/** Deliveries of the phase before that this phase no longer has: files to delete from the machine. */
function leftoversOf(before: readonly Bundle[], after: readonly Bundle[]): Leftover[] {
	return before.flatMap(bundle => {
		const still = new Set(after.find(b => b.host === bundle.host)?.files.map(d => d.target));
		return bundle.files.filter((d: Delivery) => !still.has(d.target)).map(d => ({host: bundle.host, target: d.target, installTo: d.installTo}));
	});
}

/** Every file of the folder for these certificates (and the rotation's own files), and where each goes on the machines. */
async function folderFiles(outDir: string, plan: Plan, issued: readonly Issued[], rotationFiles: readonly OutputFile[]): Promise<{full: OutputFile[]; bundles: readonly Bundle[]}> {
	const full = await layoutFiles(plan, issued, {outDir, alsoDelivered: rotationFiles});
	return {full, bundles: plan.layout === 'kubeadm' ? kubeadmPlacement(plan, full) : distribution(plan)};
}

/** The step checked against the folder's phase, the CAs it rotates, and every CA as the folder holds it (old, and mid-rotation the new). */
async function readForStep(outDir: string, state: FolderState, step: RotationStep, choice: CaChoice, now: Date) {
	const refusal = stepRefusal(step, state.phase);
	if (refusal) throw new RotateUsageError(refusal);
	const basePlan = buildPlan(state.topology, {layout: state.layout});
	const cas = step === 'start' ? chosenCas(basePlan, choice) : [...state.manifest.rotation!.cas];
	if (step !== 'start' && choice !== 'all' && chosenCas(basePlan, choice).join() !== cas.join()) {
		throw new RotateUsageError(`--ca: the rotation in progress is of ${cas.join(', ')}; run ${step} without --ca, or with --ca all`);
	}

	const rotatingNow = state.phase === 'started' || state.phase === 'reissued';
	const roots = basePlan.certs.filter(spec => spec.signer === 'self');
	const rotated = roots.filter(spec => cas.includes(spec.id));
	const read = new Map<string, {old: CaPair; next?: CaPair}>();
	for (const spec of roots) read.set(spec.id, await readCa(outDir, basePlan, spec, rotatingNow && cas.includes(spec.id), now));
	return {basePlan, cas, rotatingNow, roots, rotated, read};
}

/** start: a new key and self-signed certificate per CA rotated, named apart from the old by its time. */
async function makeNextCas(rotated: readonly CertSpec[], now: Date, onProgress?: (done: number, total: number) => void): Promise<Map<string, CaPair>> {
	const fresh = new Map<string, CaPair>();
	onProgress?.(0, rotated.length);
	for (const spec of rotated) {
		const keys = await generateKeyPair(spec.algorithm);
		onProgress?.(fresh.size + 1, rotated.length);
		const made = await issue(nextCaSpec(spec, now), keys, undefined, now);
		fresh.set(spec.id, {issued: {...made, spec}, cert: new NodeX509(made.certPem), pem: made.certPem});
	}

	return fresh;
}

/** Where a CA's new pair goes, as a person finds it (kubeadm: inside a master's folder, under pki/). */
function nextCaFiles(plan: Plan, spec: CertSpec): {cert: string; key: string} {
	const at = rotationPaths(caLocations(plan, spec)[0]!).next;
	const shown = (rel: string) => (plan.layout === 'kubeadm' ? rel.slice(rel.indexOf('/') + 1) : rel);
	return {cert: shown(at.cert), key: shown(at.key)};
}

/** start's keys, in words. */
function nextCaWords(plan: Plan, rotated: readonly CertSpec[], fresh: ReadonlyMap<string, CaPair>): string[] {
	return rotated.map(spec => {
		const at = nextCaFiles(plan, spec);
		return `a new CA key was made: ${at.key} for the ${spec.title.toLowerCase()} (${spec.algorithm}), with its certificate ${at.cert} (CN ${new NodeX509(fresh.get(spec.id)!.pem).subject.split('\n').find(part => part.startsWith('CN='))?.slice(3) ?? spec.commonName}); the old CA key stays until rotate-ca finish`;
	});
}

/** The leaves reissue signs anew: every leaf of a CA rotated but the service-account pair (whose key is kept). */
function reissuedIds(plan: Plan, cas: readonly string[]): string[] {
	return plan.certs.filter(s => s.signer !== 'self' && cas.includes(s.signer) && s.role !== 'service-account').map(s => s.id);
}

/** reissue's keys, in words. */
function reissueWords(plan: Plan, reissued: readonly string[], sa: CertSpec | undefined): string[] {
	return [
		`${reissued.length} new leaf keys were made, one per certificate, each signed by the new CA`,
		...(sa ? [plan.layout === 'kubeadm' ? `the service-account key ${kubeadmServiceAccount.key} is kept (every token stays valid)` : `the service-account key ${hardwayPaths(sa).key} is kept (every token stays valid); its certificate is signed again by the new CA`] : []),
	];
}

/**
 * reissue: every certificate of the plan, the leaves of the CAs rotated signed by the new CA with fresh keys (or as
 * made before, `made`); the leaves of a CA not rotated as they are; the service-account key kept.
 */
async function reissueLeaves(
	outDir: string,
	plan: Plan,
	read: ReadonlyMap<string, {old: CaPair; next?: CaPair}>,
	cas: readonly string[],
	sa: {spec: CertSpec; keys: KeyPair} | undefined,
	options: {now: Date; onProgress?: (done: number, total: number) => void; made?: ReadonlyMap<string, Issued>},
): Promise<Issued[]> {
	const roots = plan.certs.filter(spec => spec.signer === 'self');
	const signers = new Map(roots.map(spec => [spec.id, cas.includes(spec.id) ? read.get(spec.id)!.next!.issued : read.get(spec.id)!.old.issued]));
	// Leaves of a CA not rotated stay as they are; the rest are made anew (fresh keys) by the new CA.
	const kept = await readLeaves(outDir, plan, spec => read.get(spec.signer)!.old.cert, 'restore it from the backup', spec => !cas.includes(spec.signer));
	const keys = new Map<string, Promise<KeyPair>>(sa ? [[sa.spec.id, Promise.resolve(sa.keys)]] : []);
	return issueAll(plan.certs, {existing: new Map([...signers, ...kept, ...(options.made ?? [])]), keys, now: options.now, onProgress: options.onProgress});
}

/** A certificate a step makes, as the wizard's card shows it: the certificate itself, the file it lands in, who reads it. */
export type RotationCard = {readonly cert: PreviewCert; readonly file: string; readonly readings: readonly Reading[]};

/** What a step will do, made in memory before anything is written: the wizard shows it, then writes it with rotateCa({prepared}). */
export type RotationPreview = {
	readonly step: RotationStep;
	readonly layout: Layout;
	/** The phase the folder is in now, and the CAs the step rotates. */
	readonly phase: FolderPhase;
	readonly cas: readonly string[];
	/** The new CA(s) (start) or the new leaves (reissue); none for finish, which makes nothing. */
	readonly cards: readonly RotationCard[];
	/** Each key made anew (in memory, not yet written), in words. */
	readonly made: readonly string[];
	readonly prepared: RotationPrepared;
};

/**
 * Make what a step makes (keys, certificates) without writing, for the wizard to show before its confirm; refuses as
 * rotateCa does (a step out of order, a CA the layout lacks, a folder it cannot use). Reads without the lock.
 */
export async function previewRotation(options: Omit<RotateOptions, 'prepared'>): Promise<RotationPreview> {
	const now = options.now ?? new Date();
	const state = await readFolderState(options.outDir);
	const {basePlan, cas, rotated, read} = await readForStep(options.outDir, state, options.step, options.ca, now);
	const base = {step: options.step, layout: state.layout, phase: state.phase, cas};
	const prepared = {step: options.step, cas, manifestDigest: state.manifestDigest};
	if (options.step === 'start') {
		const plan = buildPlan(state.topology, {layout: state.layout, rotation: {phase: 'started', cas}});
		await readLeaves(options.outDir, plan, spec => read.get(spec.signer)!.old.cert, 'rotate-ca start needs every leaf signed by its current CA: run kubepki renew (or generate, for kubeadm\'s layout) first');
		const fresh = await makeNextCas(rotated, now, options.onProgress);
		const readings = readingsByCert(plan);
		// The new CA is trusted (in the bundle) from start on, but signs nothing before reissue: the controller-manager's
		// signing settings name the old pair, so they are not shown as reading it (kubeadm's cards list consumers instead).
		const cards = rotated.map(spec => ({
			cert: {
				spec: {...spec, consumers: spec.consumers.filter(consumer => !consumer.flag.includes('signing'))},
				info: certInfo(fresh.get(spec.id)!.pem),
				status: 'issued' as const,
				reason: 'the next CA, beside the old one',
			},
			file: nextCaFiles(basePlan, spec).cert,
			readings: (readings.get(spec.id) ?? []).filter(reading => !reading.setting.includes(path.basename(caLocations(basePlan, spec)[0]!.key))),
		}));
		return {...base, cards, made: nextCaWords(basePlan, rotated, fresh), prepared: {...prepared, nextCas: fresh}};
	}

	if (options.step === 'reissue') {
		const plan = buildPlan(state.topology, {layout: state.layout, rotation: {phase: 'reissued', cas}});
		const sa = await serviceAccountKey(options.outDir, basePlan);
		const signed = await reissueLeaves(options.outDir, plan, read, cas, sa, {now, onProgress: options.onProgress});
		// The leaves of the CAs rotated (the service-account certificate too: the same key, signed again).
		const fresh = signed.filter(item => item.spec.signer !== 'self' && cas.includes(item.spec.signer) && !(plan.layout === 'kubeadm' && item.spec.role === 'service-account'));
		const readings = readingsByCert(plan);
		const cards = fresh.map(item => {
			const at = leafLocation(plan, item.spec);
			const reason = item.spec.role === 'service-account' ? 'the same key, signed by the new CA' : 'a new key, signed by the new CA';
			return {cert: {spec: item.spec, info: certInfo(item.certPem), status: 'issued' as const, reason}, file: at ? ('conf' in at ? at.conf : at.cert) : item.spec.id, readings: readings.get(item.spec.id) ?? []};
		});
		return {...base, cards, made: reissueWords(plan, reissuedIds(plan, cas), sa?.spec), prepared: {...prepared, leaves: new Map(fresh.map(item => [item.spec.id, item]))}};
	}

	return {...base, cards: [], made: [], prepared};
}

/** Run one step of the rotation on a folder, under its lock, as one transaction. */
export async function rotateCa(options: RotateOptions): Promise<RotationResult> {
	const now = options.now ?? new Date();
	const folder = await lockFolder(options.outDir, {command: `rotate-ca ${options.step}`});
	try {
		const outDir = folder.dir;
		const state = await readFolderState(outDir);
		const {basePlan, cas, rotatingNow, rotated, read} = await readForStep(outDir, state, options.step, options.ca, now);
		if (options.prepared && (options.prepared.step !== options.step || options.prepared.cas.join() !== cas.join() || options.prepared.manifestDigest !== state.manifestDigest)) {
			throw new RefusedError(`rotate-ca ${options.step}: the folder changed since the new certificates were shown (another kubepki run?); nothing was written: look again before writing`);
		}

		const {layout} = state;
		const made: string[] = [];
		let reissued: string[] = [];
		let plan: Plan;
		let issued: Issued[];
		const rotationFiles: OutputFile[] = [];
		const retiredFiles: OutputFile[] = [];
		let retiredTo: string | undefined;
		const previousPlan = buildPlan(state.topology, {layout, ...(rotatingNow && {rotation: {phase: state.phase as RotationPhase, cas}})});
		const sa = await serviceAccountKey(outDir, basePlan);
		// Kept as it is where no leaf changes (kubeadm writes only the key and its public half: no certificate of its own).
		const saCertPem = sa && layout !== 'kubeadm' ? (await readLeafText(outDir, basePlan, sa.spec)).certPem : '';
		if (sa && saCertPem === undefined) throw new RefusedError(`${hardwayPaths(sa.spec).cert} is missing; restore it from ${backupFolder}/ (rotate-ca keeps the service-account pair)`);
		const saIssued = (): Map<string, Issued> => (sa ? new Map([[sa.spec.id, {spec: sa.spec, certPem: saCertPem ?? '', keyPem: sa.keyPem, keys: sa.keys}]]) : new Map());
		/** The rotation's own files of a CA, at each place the CA sits: the new pair and, while the old one signs CSRs, the old certificate alone. */
		const addRotationFiles = (spec: CertSpec, next: CaPair, old?: CaPair) => {
			for (const paths of caLocations(basePlan, spec)) {
				const at = rotationPaths(paths);
				rotationFiles.push(
					{path: at.next.cert, content: next.pem, mode: fileModes.certificate, kind: 'certificate', certId: spec.id},
					{path: at.next.key, content: next.issued.keyPem, mode: fileModes.privateKey, kind: 'private-key', certId: spec.id},
				);
				// Only the cluster CA signs anything on the machines (the controller-manager's CSRs).
				if (old && spec.id === specCa(basePlan).id) rotationFiles.push({path: at.old, content: old.pem, mode: fileModes.certificate, kind: 'certificate', certId: spec.id});
			}
		};

		const bundleOf = (id: string, withNext: CaPair) => ({...read.get(id)!.old.issued, certPem: read.get(id)!.old.pem + withNext.pem});
		if (options.step === 'start') {
			plan = buildPlan(state.topology, {layout, rotation: {phase: 'started', cas}});
			const leaves = await readLeaves(outDir, plan, spec => read.get(spec.signer)!.old.cert, 'rotate-ca start needs every leaf signed by its current CA: run kubepki renew (or generate, for kubeadm\'s layout) first');
			const fresh = options.prepared?.nextCas ?? (await makeNextCas(rotated, now, options.onProgress));
			made.push(...nextCaWords(basePlan, rotated, fresh));
			for (const spec of rotated) addRotationFiles(spec, fresh.get(spec.id)!, read.get(spec.id)!.old);

			const existing = new Map([...leaves, ...saIssued()]);
			issued = plan.certs.map(spec => (fresh.has(spec.id) ? bundleOf(spec.id, fresh.get(spec.id)!) : spec.signer === 'self' ? read.get(spec.id)!.old.issued : existing.get(spec.id)!));
		} else if (options.step === 'reissue') {
			plan = buildPlan(state.topology, {layout, rotation: {phase: 'reissued', cas}});
			const signed = await reissueLeaves(outDir, plan, read, cas, sa, {now, onProgress: options.onProgress, made: options.prepared?.leaves});
			reissued = reissuedIds(plan, cas);
			made.push(...reissueWords(plan, reissued, sa?.spec));
			issued = signed.map(item => (rotated.some(r => r.id === item.spec.id) ? bundleOf(item.spec.id, read.get(item.spec.id)!.next!) : item));
			for (const spec of rotated) addRotationFiles(spec, read.get(spec.id)!.next!);
		} else {
			plan = buildPlan(state.topology, {layout});
			const leaves = await readLeaves(outDir, plan, spec => (cas.includes(spec.signer) ? read.get(spec.signer)!.next! : read.get(spec.signer)!.old).cert, 'finish needs every leaf signed by the new CA (rotate-ca reissue makes them)');
			const existing = new Map([...leaves, ...saIssued()]);

			issued = plan.certs.map(spec => (spec.signer === 'self' ? (cas.includes(spec.id) ? read.get(spec.id)!.next!.issued : read.get(spec.id)!.old.issued) : existing.get(spec.id)!));
			retiredTo = `${retiredDir}/${folderTimestamp(now)}`;
			for (const spec of rotated) {
				const paths = caLocations(basePlan, spec)[0]!;
				retiredFiles.push(
					{path: `${retiredTo}/${paths.cert}`, content: read.get(spec.id)!.old.pem, mode: fileModes.certificate, kind: 'certificate'},
					{path: `${retiredTo}/${paths.key}`, content: read.get(spec.id)!.old.issued.keyPem, mode: fileModes.privateKey, kind: 'private-key'},
				);
			}
		}

		// The whole folder as this phase has it, then only what differs from the disk.
		const {full, bundles} = await folderFiles(outDir, plan, issued, rotationFiles);
		const onDisk = await Promise.all(full.map(async file => (await readFolderFile(outDir, file.path).catch(() => undefined))?.text));
		const differs = full.filter((file, index) => onDisk[index] !== (typeof file.content === 'string' ? file.content : Buffer.from(file.content).toString('utf8')));
		const changedSources = new Set(differs.filter(f => !f.path.startsWith(`${bundlesDir}/`)).map(f => f.path));
		const machines = changedMachines(bundles, changedSources);
		const changedBundles: Bundle[] = bundles.map(b => ({...b, files: b.files.filter(d => changedSources.has(d.source))})).filter(b => b.files.length > 0);
		// The copy script copies what changed, the copy-all script everything; kubeadm's to each file's full path under /etc/kubernetes.
		const scriptPaths = copyScriptPaths(layout);
		const script = (list: readonly Bundle[], what: string, at: string) => (layout === 'kubeadm' ? installScript(plan, list, what, path.basename(at)) : copyScript(plan, list));
		const scripts: OutputFile[] = [
			{path: scriptPaths.changed, content: script(changedBundles, `the files rotate-ca ${options.step} changed`, scriptPaths.changed), mode: fileModes.script, kind: 'copy-script'},
			{path: scriptPaths.all, content: script(bundles, 'every file', scriptPaths.all), mode: fileModes.script, kind: 'copy-script'},
		];
		const live = [...full.filter(f => f.path !== scriptPaths.changed && f.path !== scriptPaths.all), ...scripts];
		const livePaths = new Set(live.map(f => f.path));
		const removed = state.manifest.files.map(f => f.path).filter(p => p !== manifestName && !livePaths.has(p));
		const record: ManifestRotation = {
			phase: stepTable[options.step].leaves,
			cas,
			startedAt: options.step === 'start' ? now.toISOString() : state.manifest.rotation!.startedAt,
			...((options.step === 'reissue' || options.step === 'finish') && {reissuedAt: options.step === 'reissue' ? now.toISOString() : state.manifest.rotation!.reissuedAt ?? now.toISOString()}),
			...(options.step === 'finish' && {finishedAt: now.toISOString(), retiredTo}),
			lastCopy: changedBundles.map(b => ({host: b.host, files: b.files.map(d => d.target)})),
		};
		const manifestFile: OutputFile = {
			path: manifestName,
			mode: 0o644,
			kind: 'manifest',
			content: buildManifest({
				layout,
				source: state.source,
				cluster: plan.topology,
				serviceIp: plan.serviceIp,
				generatedAt: now,
				files: placed(plan, live),
				roles: new Map(plan.certs.map(spec => [spec.id, spec.role])),
				rotation: record,
			}),
		};
		const changed = [...differs.filter(f => f.path !== scriptPaths.changed && f.path !== scriptPaths.all), ...scripts, ...retiredFiles, manifestFile];
		// The step in the name: phases run within one second (a script) keep a backup each.
		const backupDir = `${backupFolder}/${folderTimestamp(now)}-rotate-ca-${options.step}`;
		await folder.commit(changed, {backupDir, remove: removed});
		const previousBundles = layout === 'kubeadm' ? kubeadmPlacement(previousPlan, state.manifest.files.map(f => ({path: f.path, content: '', mode: 0o644, kind: f.kind, ...(f.certId && {certId: f.certId})}))) : distribution(previousPlan);
		return {
			step: options.step,
			phase: record.phase,
			plan,
			cas,
			made,
			reissued,
			changed: changed.map(f => f.path),
			removed,
			backupDir,
			...(retiredTo && {retiredTo}),
			machines,
			leftovers: leftoversOf(previousBundles, bundles),
			restart: restartSteps(machines),
			checks: checksAfter[options.step](plan, bundles),
			...(stepTable[options.step].next && {next: stepTable[options.step].next}),
		};
	} finally {
		await folder.release();
	}
}

// ---------------------------------------------------------------------------------------------------
// status

/** Which CA a trust file trusts, or which signed a leaf. `other`: neither the old nor the new. */
export type TrustState = 'old' | 'new' | 'both' | 'other';
export type SignerState = 'old' | 'new' | 'other';

/**
 * `kubepki rotate-ca status --json`, a stable shape:
 * - `folder`; `layout`: hardway | kubeadm;
 * - `phase`: none | started | reissued | finished; `cas`: the CA ids rotated; `startedAt`, `reissuedAt`, `finishedAt`;
 * - `next`: the next command (`kubepki rotate-ca reissue`), null when none is due;
 * - `trust`: one entry per file that holds trust (the CA file, each kubeconfig's certificate-authority-data):
 *   `{path, trusts: old|new|both|other}`; once a rotation began, only the files of the CAs it rotates;
 * - `leaves`: one per leaf certificate (of those CAs): `{path, id, signedBy: old|new|other}`;
 * - `copyNext`: what the last phase changed per machine, `{host, files: [name in nodes/<host>/]}`: the copy script copies them;
 * - `counts`: `{trust: {old, new, both, other}, leaves: {old, new, other}}`.
 */
export type RotationStatus = {
	readonly folder: string;
	readonly layout: Layout;
	readonly phase: FolderPhase;
	readonly cas: readonly string[];
	readonly startedAt?: string;
	readonly reissuedAt?: string;
	readonly finishedAt?: string;
	readonly retiredTo?: string;
	readonly next: string | null;
	readonly trust: ReadonlyArray<{readonly path: string; readonly trusts: TrustState}>;
	readonly leaves: ReadonlyArray<{readonly path: string; readonly id: string; readonly signedBy: SignerState}>;
	readonly copyNext: ReadonlyArray<{readonly host: string; readonly files: readonly string[]}>;
	readonly counts: {readonly trust: Record<TrustState, number>; readonly leaves: Record<SignerState, number>};
};

/** Read where a folder's rotation stands. Writes nothing but the finish of a killed phase (recoverFolder). */
export async function rotationStatus(outDir: string): Promise<RotationStatus> {
	// What a killed phase left is finished (past its commit point) or dropped first: the status is of one complete set.
	const recovery = await recoverFolder(outDir);
	if (recovery.status === 'busy' || recovery.status === 'failed') throw new RefusedError(recovery.message);
	const state = await readFolderState(outDir);
	const rotation = state.manifest.rotation;
	const rotatingNow = state.phase === 'started' || state.phase === 'reissued';
	const plan = buildPlan(state.topology, {layout: state.layout, ...(rotatingNow && {rotation: {phase: state.phase as RotationPhase, cas: rotation!.cas}})});
	const read = async (rel: string) => (await readFolderFile(outDir, rel).catch(() => undefined))?.text;
	const fingerprint = (pem: string | undefined) => (pem ? new NodeX509(pem).fingerprint256 : undefined);
	// Per CA, old and new as this phase keeps them: mid-rotation the bundle's two; after finish the live CA is the new one.
	const roots = plan.certs.filter(spec => spec.signer === 'self');
	const known = new Map<string, {oldPem?: string; newPem?: string}>();
	for (const spec of roots) {
		const location = caLocations(plan, spec)[0]!;
		const live = certificateBlocks((await read(location.cert)) ?? '');
		const rotated = rotation?.cas.includes(spec.id) ?? false;
		if (rotatingNow && rotated) known.set(spec.id, {oldPem: live[0], newPem: live[1]});
		else if (state.phase === 'finished' && rotated) {
			const retired = rotation?.retiredTo ? certificateBlocks((await read(`${rotation.retiredTo}/${location.cert}`)) ?? '')[0] : undefined;
			known.set(spec.id, {oldPem: retired, newPem: live[0]});
		} else known.set(spec.id, {oldPem: live[0]});
	}

	const trusts = (caId: string, pems: readonly string[]): TrustState => {
		const {oldPem, newPem} = known.get(caId) ?? {};
		const prints = pems.map(pem => fingerprint(pem)!);
		const oldFp = fingerprint(oldPem);
		const newFp = fingerprint(newPem);
		if (prints.length === 0 || prints.some(p => p !== oldFp && p !== newFp)) return 'other';
		const hasOld = oldFp !== undefined && prints.includes(oldFp);
		const hasNew = newFp !== undefined && prints.includes(newFp);
		return hasOld && hasNew ? 'both' : hasOld ? 'old' : 'new';
	};

	const trust: Array<{path: string; trusts: TrustState}> = [];
	const hosts = [...state.topology.masters, ...state.topology.workers].map(h => h.name);
	// Once a rotation has begun, the status is about its CAs (kubeadm: a CA not rotated is neither old nor new).
	const concerned = (caId: string) => state.phase === 'none' || (rotation?.cas.includes(caId) ?? false);
	for (const spec of roots.filter(r => concerned(r.id))) {
		const places = plan.layout === 'kubeadm' ? hosts.map(host => kubeadmPaths(spec, host)!.cert) : [hardwayPaths(spec).cert];
		for (const place of places) {
			const text = await read(place);
			if (text !== undefined) trust.push({path: place, trusts: trusts(spec.id, certificateBlocks(text))});
		}
	}

	const clusterCa = specCa(plan).id;
	for (const entry of state.manifest.files.filter(f => f.kind === 'kubeconfig' && concerned(clusterCa))) {
		const parsed = parseKubeconfig((await read(entry.path)) ?? '');
		const caPem = parsed.ok ? parsed.kubeconfig.clusters[0]?.caPem : undefined;
		trust.push({path: entry.path, trusts: trusts(clusterCa, caPem ? certificateBlocks(caPem) : [])});
	}

	const signer = (caId: string, certPem: string | undefined): SignerState => {
		if (!certPem) return 'other';
		const cert = new NodeX509(certPem);
		const by = (pem: string | undefined) => pem !== undefined && cert.checkIssued(new NodeX509(pem)) && cert.verify(new NodeX509(pem).publicKey);
		const {oldPem, newPem} = known.get(caId) ?? {};
		return by(oldPem) ? 'old' : by(newPem) ? 'new' : 'other';
	};

	const leaves: Array<{path: string; id: string; signedBy: SignerState}> = [];
	for (const spec of plan.certs.filter(s => s.signer !== 'self' && concerned(s.signer) && !(plan.layout === 'kubeadm' && s.role === 'service-account'))) {
		const {where, certPem} = await readLeafText(outDir, plan, spec);
		leaves.push({path: where, id: spec.id, signedBy: signer(spec.signer, certPem ? certificateBlocks(certPem)[0] : undefined)});
	}

	const count = <T extends string>(keys: readonly T[], values: readonly T[]) => Object.fromEntries(keys.map(k => [k, values.filter(v => v === k).length])) as Record<T, number>;
	return {
		folder: outDir,
		layout: state.layout,
		phase: state.phase,
		cas: rotation?.cas ?? [],
		...(rotation?.startedAt && {startedAt: rotation.startedAt}),
		...(rotation?.reissuedAt && {reissuedAt: rotation.reissuedAt}),
		...(rotation?.finishedAt && {finishedAt: rotation.finishedAt}),
		...(rotation?.retiredTo && {retiredTo: rotation.retiredTo}),
		next: rotatingNow ? `kubepki rotate-ca ${nextStep(state.phase)}` : null,
		trust,
		leaves,
		copyNext: rotation?.lastCopy ?? [],
		counts: {trust: count(['old', 'new', 'both', 'other'], trust.map(t => t.trusts)), leaves: count(['old', 'new', 'other'], leaves.map(l => l.signedBy))},
	};
}

export {signingPaths};
