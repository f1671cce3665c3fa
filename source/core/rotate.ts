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
// whose bytes change are written, nodes/copy.sh copies those, and the restart order comes from renew's tiers. The
// phase is recorded in the manifest; a phase can be neither skipped nor run twice. The service-account key and the
// encryption key are never touched. Every path comes from the plan (hardwayPaths, rotationPaths, distribution).
import {X509Certificate as NodeX509} from 'node:crypto';
import path from 'node:path';
import {clusterFiles} from './cluster-files.js';
import {bundlesDir, copyScript, distribution, installDirs, installedAt, type Bundle, type Delivery} from './distribute.js';
import {backupDir as backupFolder, folderTimestamp, retiredDir} from './folders.js';
import {certificateFiles, loadRootCa} from './generate.js';
import {parseKubeconfig} from './kubeconfig.js';
import {buildManifest, manifestName, parseManifest, type Manifest, type ManifestRotation} from './manifest.js';
import {buildPlan, hardwayPaths, rotationPaths, signingPaths, type CertSpec, type Plan, type Rotation} from './plan.js';
import {issue, issueAll, type Issued} from './pki/issue.js';
import {generateKeyPair, importPrivateKeyPem, type KeyPair} from './pki/keys.js';
import {pemBlocks} from './pki/load.js';
import {readLeaf, restartSteps, type MachineChange, type RestartStep} from './renew.js';
import {readFolderFile, requireTrusted} from './reuse.js';
import {validateTopology, type Topology} from './topology.js';
import {lockFolder, RefusedError, type OutputFile} from './write.js';

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
type FolderState = {readonly topology: Topology; readonly source: string; readonly manifest: Manifest; readonly phase: FolderPhase};

async function readFolderState(outDir: string): Promise<FolderState> {
	const file = await readFolderFile(outDir, manifestName, {maxBytes: 256 * 1024 * 1024});
	if (!file) throw new RefusedError(`${path.join(outDir, manifestName)} not found: rotate-ca needs a folder kubepki made (kubepki generate)`);
	const manifest = parseManifest(file.text);
	if (!manifest) throw new RefusedError(`${path.join(outDir, manifestName)} is not a kubepki manifest; restore it from a backup or run kubepki generate`);
	if (manifest.layout !== 'hardway') throw new RefusedError(`rotate-ca knows the hard-way layout so far; this folder is ${manifest.layout}'s`);
	const result = validateTopology(manifest.cluster);
	if (!result.ok) throw new RefusedError(`the cluster in ${manifestName} does not validate (${result.problems[0]?.field}: ${result.problems[0]?.message})`);
	return {topology: result.topology, source: manifest.source || manifestName, manifest, phase: manifest.rotation?.phase ?? 'none'};
}

/** The certificates of a PEM file, each block's text as written. */
export function certificateBlocks(text: string): string[] {
	return pemBlocks(text)
		.filter(block => block.label === 'CERTIFICATE')
		.map(block => (block.whole.endsWith('\n') ? block.whole : `${block.whole}\n`));
}

type CaPair = {readonly issued: Issued; readonly cert: NodeX509; readonly pem: string};

/** The old CA (its own key file, and the first certificate of its file) and, mid-rotation, the new one and the bundle's check. */
async function readCas(outDir: string, spec: CertSpec, phase: FolderPhase, now: Date): Promise<{old: CaPair; next?: CaPair}> {
	const paths = hardwayPaths(spec);
	const old = await loadRootCa(spec, outDir, paths, now);
	if (!old) throw new RefusedError(`${path.join(outDir, paths.cert)} is missing: rotate-ca starts from the folder's own CA`);
	const blocks = certificateBlocks(old.issued.certPem);
	const oldPair = {issued: {...old.issued, certPem: blocks[0]!}, cert: old.cert, pem: blocks[0]!};
	if (phase !== 'started' && phase !== 'reissued') {
		if (blocks.length !== 1) throw new RefusedError(`${paths.cert} holds ${blocks.length} certificates but no rotation is in progress; restore it from ${backupFolder}/`);
		return {old: oldPair};
	}

	const nextPaths = rotationPaths(paths).next;
	const next = await loadRootCa(spec, outDir, nextPaths, now);
	if (!next) throw new RefusedError(`${path.join(outDir, nextPaths.cert)} is missing but the manifest says a rotation is in phase ${phase}; restore it from ${backupFolder}/`);
	const nextPem = certificateBlocks(next.issued.certPem)[0]!;
	if (blocks.length !== 2 || blocks[1] !== nextPem) throw new RefusedError(`${paths.cert} is not the bundle of the old CA and ${nextPaths.cert}; restore it from ${backupFolder}/`);
	return {old: oldPair, next: {issued: {...next.issued, certPem: nextPem}, cert: next.cert, pem: nextPem}};
}

/** Every leaf of the plan as the folder holds it, checked against `signer`. Refuses when one cannot be used. */
async function readLeaves(outDir: string, plan: Plan, signer: NodeX509, why: string): Promise<Map<string, Issued>> {
	const leaves = new Map<string, Issued>();
	for (const spec of plan.certs.filter(s => s.signer !== 'self')) {
		const state = await readLeaf(outDir, spec, signer);
		if (state.broken || !state.certPem || !state.keyPem) throw new RefusedError(`${spec.id} (${hardwayPaths(spec).cert}): ${state.broken ?? 'unreadable'}; ${why}`);
		leaves.set(spec.id, {spec, certPem: state.certPem, keyPem: state.keyPem, keys: await importPrivateKeyPem(state.keyPem)});
	}

	return leaves;
}

/** The service-account key as the folder holds it (checked like every key read back): kept through a rotation. */
async function serviceAccountKey(outDir: string, plan: Plan): Promise<{spec: CertSpec; keys: KeyPair} | undefined> {
	const spec = plan.certs.find(s => s.role === 'service-account');
	if (!spec) return undefined;
	const file = await readFolderFile(outDir, hardwayPaths(spec).key);
	await requireTrusted(file, 'secret');
	if (!file) throw new RefusedError(`${hardwayPaths(spec).key} is missing: rotate-ca keeps the service-account key (every token depends on it) and never makes one; restore it`);
	return {spec, keys: await importPrivateKeyPem(file.text)};
}

/** The subject of a new CA: the plan's, told apart from the old one by its date, so no verifier can mix the two by name. */
function nextCaSpec(spec: CertSpec, now: Date): CertSpec {
	return {...spec, commonName: `${spec.commonName} ${now.toISOString().slice(0, 19).replace(/:/g, '')}Z`};
}

const checksAfter: Record<RotationStep, (plan: Plan, bundles: readonly Bundle[]) => string[]> = {
	start: (plan, bundles) => {
		const master = plan.topology.masters[0]!.name;
		const trust = installedAt(bundles, master, hardwayPaths(specCa(plan)).cert, installDirs.kubernetes);
		return [
			'every machine above has its files and was restarted, in the order above',
			`on each machine the CA file holds both CAs: openssl storeutl -noout -certs ${trust} ends with "Total found: 2"`,
			'kubectl get nodes: every node Ready; etcdctl endpoint health on every member',
			'kube-root-ca.crt holds both CAs (kubectl get configmap kube-root-ca.crt -o jsonpath=\'{.data.ca\\.crt}\' | grep -c BEGIN says 2); then restart the workloads that call the API server (kubectl rollout restart), which read ca.crt once when they start',
		];
	},
	reissue: () => [
		'every machine above has its files and was restarted, in the order above: from now on each serves and logs in with a certificate of the new CA',
		'each API server presents the new CA\'s certificate: openssl s_client -connect <master>:6443 </dev/null 2>/dev/null | openssl x509 -noout -issuer names the new CA',
		'kubectl get nodes: every node Ready; etcdctl endpoint health on every member',
		'every copy of a kubeconfig handed to people (admin.kubeconfig) replaced by the new one: after finish the old ones stop working',
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
	const order = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'];
	return bundles
		.map(bundle => {
			const files = bundle.files.filter(d => changedSources.has(d.source));
			const services = new Set(files.flatMap(d => d.services));
			return {host: bundle.host, ip: bundle.ip, role: bundle.role, files, services: order.filter(s => services.has(s as never))};
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

/** Run one step of the rotation on a folder, under its lock, as one transaction. */
export async function rotateCa(options: RotateOptions): Promise<RotationResult> {
	const now = options.now ?? new Date();
	const folder = await lockFolder(options.outDir, {command: `rotate-ca ${options.step}`});
	try {
		const outDir = folder.dir;
		const state = await readFolderState(outDir);
		const refusal = stepRefusal(options.step, state.phase);
		if (refusal) throw new RotateUsageError(refusal);
		const basePlan = buildPlan(state.topology);
		const cas = options.step === 'start' ? chosenCas(basePlan, options.ca) : [...state.manifest.rotation!.cas];
		if (options.step !== 'start' && options.ca !== 'all' && chosenCas(basePlan, options.ca).join() !== cas.join()) {
			throw new RotateUsageError(`--ca: the rotation in progress is of ${cas.join(', ')}; run ${options.step} without --ca, or with --ca all`);
		}

		const caSpec = specCa(basePlan);
		const caPaths = hardwayPaths(caSpec);
		const rotating = rotationPaths(caPaths);
		const {old, next} = await readCas(outDir, caSpec, state.phase, now);
		const made: string[] = [];
		let reissued: string[] = [];
		let plan: Plan;
		let issued: Issued[];
		let rotationFiles: OutputFile[] = [];
		let retiredFiles: OutputFile[] = [];
		let retiredTo: string | undefined;
		const previousRotation: Rotation | undefined = state.phase === 'started' || state.phase === 'reissued' ? {phase: state.phase, cas} : undefined;
		const previousPlan = buildPlan(state.topology, previousRotation ? {rotation: previousRotation} : {});
		const nextFiles = (pair: CaPair): OutputFile[] => [
			{path: rotating.next.cert, content: pair.pem, mode: 0o644, kind: 'certificate', certId: caSpec.id},
			{path: rotating.next.key, content: pair.issued.keyPem, mode: 0o600, kind: 'private-key', certId: caSpec.id},
		];

		if (options.step === 'start') {
			plan = buildPlan(state.topology, {rotation: {phase: 'started', cas}});
			const leaves = await readLeaves(outDir, plan, old.cert, 'rotate-ca start needs every leaf signed by the current CA: run kubepki renew first');
			const keys = await generateKeyPair(caSpec.algorithm);
			const fresh = await issue(nextCaSpec(caSpec, now), keys, undefined, now);
			const nextPair: CaPair = {issued: {...fresh, spec: caSpec}, cert: new NodeX509(fresh.certPem), pem: fresh.certPem};
			made.push(`a new CA key was made: ${rotating.next.key} (${caSpec.algorithm}), with its certificate ${rotating.next.cert} (CN ${nextCaSpec(caSpec, now).commonName}); the old CA key stays in ${caPaths.key} until rotate-ca finish`);
			issued = plan.certs.map(spec => (spec.id === caSpec.id ? {...old.issued, certPem: old.pem + nextPair.pem} : leaves.get(spec.id)!));
			rotationFiles = [...nextFiles(nextPair), {path: rotating.old, content: old.pem, mode: 0o644, kind: 'certificate', certId: caSpec.id}];
		} else if (options.step === 'reissue') {
			plan = buildPlan(state.topology, {rotation: {phase: 'reissued', cas}});
			const sa = await serviceAccountKey(outDir, plan);
			const keys = new Map<string, Promise<KeyPair>>(sa ? [[sa.spec.id, Promise.resolve(sa.keys)]] : []);
			// Every leaf from the new CA with a fresh key; the service-account certificate again from its own key.
			const signed = await issueAll(plan.certs, {existing: new Map([[caSpec.id, next!.issued]]), keys, now, onProgress: options.onProgress});
			reissued = plan.certs.filter(s => s.signer !== 'self').map(s => s.id);
			made.push(`${reissued.length - (sa ? 1 : 0)} new leaf keys were made, one per certificate, each signed by the new CA ${rotating.next.cert}`);
			if (sa) made.push(`the service-account key ${hardwayPaths(sa.spec).key} is kept (every token stays valid); its certificate is signed again by the new CA`);
			issued = signed.map(item => (item.spec.id === caSpec.id ? {...old.issued, certPem: old.pem + next!.pem} : item));
			rotationFiles = nextFiles(next!);
		} else {
			plan = buildPlan(state.topology);
			const leaves = await readLeaves(outDir, plan, next!.cert, 'finish needs every leaf signed by the new CA (rotate-ca reissue makes them)');
			issued = plan.certs.map(spec => (spec.id === caSpec.id ? next!.issued : leaves.get(spec.id)!));
			retiredTo = `${retiredDir}/${folderTimestamp(now)}`;
			retiredFiles = [
				{path: `${retiredTo}/${caPaths.cert}`, content: old.pem, mode: 0o644, kind: 'certificate'},
				{path: `${retiredTo}/${caPaths.key}`, content: old.issued.keyPem, mode: 0o600, kind: 'private-key'},
			];
		}

		// The whole folder as this phase has it, then only what differs from the disk.
		const full = [...certificateFiles(issued), ...rotationFiles, ...(await clusterFiles(plan, issued, {outDir, alsoDelivered: rotationFiles}))];
		const onDisk = await Promise.all(full.map(async file => (await readFolderFile(outDir, file.path).catch(() => undefined))?.text));
		const differs = full.filter((file, index) => onDisk[index] !== (typeof file.content === 'string' ? file.content : Buffer.from(file.content).toString('utf8')));
		const bundles = distribution(plan);
		const changedSources = new Set(differs.filter(f => !f.path.startsWith(`${bundlesDir}/`)).map(f => f.path));
		const machines = changedMachines(bundles, changedSources);
		const changedBundles: Bundle[] = bundles.map(b => ({...b, files: b.files.filter(d => changedSources.has(d.source))})).filter(b => b.files.length > 0);
		const scripts: OutputFile[] = [
			{path: `${bundlesDir}/copy.sh`, content: copyScript(plan, changedBundles), mode: 0o755, kind: 'copy-script'},
			{path: `${bundlesDir}/copy-all.sh`, content: copyScript(plan, bundles), mode: 0o755, kind: 'copy-script'},
		];
		const live = [...full.filter(f => f.path !== `${bundlesDir}/copy.sh`), ...scripts];
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
				layout: 'hardway',
				source: state.source,
				cluster: plan.topology,
				serviceIp: plan.serviceIp,
				generatedAt: now,
				files: live,
				roles: new Map(plan.certs.map(spec => [spec.id, spec.role])),
				rotation: record,
			}),
		};
		const changed = [...differs.filter(f => f.path !== `${bundlesDir}/copy.sh`), ...scripts, ...retiredFiles, manifestFile];
		// The step in the name: phases run within one second (a script) keep a backup each.
		const backupDir = `${backupFolder}/${folderTimestamp(now)}-rotate-ca-${options.step}`;
		await folder.commit(changed, {backupDir, remove: removed});
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
			leftovers: leftoversOf(distribution(previousPlan), bundles),
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
 * - `phase`: none | started | reissued | finished; `cas`: the CA ids rotated; `startedAt`, `reissuedAt`, `finishedAt`;
 * - `next`: the next command (`kubepki rotate-ca reissue`), null when none is due;
 * - `trust`: one entry per file that holds trust (the CA file, each kubeconfig's certificate-authority-data):
 *   `{path, trusts: old|new|both|other}`;
 * - `leaves`: one per leaf certificate: `{path, id, signedBy: old|new|other}`;
 * - `copyNext`: what the last phase changed per machine, `{host, files: [name in nodes/<host>/]}`: nodes/copy.sh copies them;
 * - `counts`: `{trust: {old, new, both, other}, leaves: {old, new, other}}`.
 */
export type RotationStatus = {
	readonly folder: string;
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

/** Read where a folder's rotation stands. Writes nothing. */
export async function rotationStatus(outDir: string): Promise<RotationStatus> {
	const state = await readFolderState(outDir);
	const rotation = state.manifest.rotation;
	const plan = buildPlan(state.topology, state.phase === 'started' || state.phase === 'reissued' ? {rotation: {phase: state.phase, cas: rotation!.cas}} : {});
	const caSpec = specCa(plan);
	const caPaths = hardwayPaths(caSpec);
	const read = async (rel: string) => (await readFolderFile(outDir, rel).catch(() => undefined))?.text;
	const fingerprints = (text: string | undefined) => (text ? certificateBlocks(text).map(pem => new NodeX509(pem).fingerprint256) : []);
	// Old and new as this phase keeps them: mid-rotation the bundle's two; after finish the live CA is the new one.
	const live = certificateBlocks((await read(caPaths.cert)) ?? '');
	let oldPem: string | undefined;
	let newPem: string | undefined;
	if (state.phase === 'started' || state.phase === 'reissued') [oldPem, newPem] = live;
	else if (state.phase === 'finished') {
		newPem = live[0];
		oldPem = rotation?.retiredTo ? certificateBlocks((await read(`${rotation.retiredTo}/${caPaths.cert}`)) ?? '')[0] : undefined;
	} else oldPem = live[0];
	const oldFp = oldPem ? new NodeX509(oldPem).fingerprint256 : undefined;
	const newFp = newPem ? new NodeX509(newPem).fingerprint256 : undefined;
	const trusts = (prints: readonly string[]): TrustState => {
		const hasOld = oldFp !== undefined && prints.includes(oldFp);
		const hasNew = newFp !== undefined && prints.includes(newFp);
		if (prints.some(p => p !== oldFp && p !== newFp) || prints.length === 0) return 'other';
		return hasOld && hasNew ? 'both' : hasOld ? 'old' : 'new';
	};

	const trust: Array<{path: string; trusts: TrustState}> = [{path: caPaths.cert, trusts: trusts(fingerprints(await read(caPaths.cert)))}];
	for (const entry of state.manifest.files.filter(f => f.kind === 'kubeconfig')) {
		const parsed = parseKubeconfig((await read(entry.path)) ?? '');
		const caPem = parsed.ok ? parsed.kubeconfig.clusters[0]?.caPem : undefined;
		trust.push({path: entry.path, trusts: trusts(fingerprints(caPem))});
	}

	const signer = (certPem: string | undefined): SignerState => {
		if (!certPem) return 'other';
		const cert = new NodeX509(certPem);
		const by = (pem: string | undefined) => pem !== undefined && cert.checkIssued(new NodeX509(pem)) && cert.verify(new NodeX509(pem).publicKey);
		return by(oldPem) ? 'old' : by(newPem) ? 'new' : 'other';
	};

	const leaves: Array<{path: string; id: string; signedBy: SignerState}> = [];
	for (const spec of plan.certs.filter(s => s.signer !== 'self')) {
		const file = hardwayPaths(spec).cert;
		leaves.push({path: file, id: spec.id, signedBy: signer(certificateBlocks((await read(file)) ?? '')[0])});
	}

	const count = <T extends string>(keys: readonly T[], values: readonly T[]) => Object.fromEntries(keys.map(k => [k, values.filter(v => v === k).length])) as Record<T, number>;
	return {
		folder: outDir,
		phase: state.phase,
		cas: rotation?.cas ?? [],
		...(rotation?.startedAt && {startedAt: rotation.startedAt}),
		...(rotation?.reissuedAt && {reissuedAt: rotation.reissuedAt}),
		...(rotation?.finishedAt && {finishedAt: rotation.finishedAt}),
		...(rotation?.retiredTo && {retiredTo: rotation.retiredTo}),
		next: state.phase === 'started' || state.phase === 'reissued' ? `kubepki rotate-ca ${nextStep(state.phase)}` : null,
		trust,
		leaves,
		copyNext: rotation?.lastCopy ?? [],
		counts: {trust: count(['old', 'new', 'both', 'other'], trust.map(t => t.trusts)), leaves: count(['old', 'new', 'other'], leaves.map(l => l.signedBy))},
	};
}

export {signingPaths};
