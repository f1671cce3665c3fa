import {stat} from 'node:fs/promises';
import path from 'node:path';
import {clusterChange, etcdMembershipSteps, readPreviousRun} from './cluster-change.js';
import {layoutFiles} from './layout-files.js';
import {manifestName} from './manifest.js';
import {commitPrepared, loadExisting, manifest, retiringFiles, type CertOutcome} from './generate.js';
import {buildPlan, signingOrder, type CertSpec, type Plan} from './plan.js';
import {certInfo, type CertInfo} from './pki/cert-info.js';
import {issueAll, type Issued} from './pki/issue.js';
import {startKeyGeneration, type KeyPair} from './pki/keys.js';
import {defaultEncryptionProvider, type EncryptionProvider} from './encryption.js';
import type {Algorithm, Topology} from './topology.js';
import type {OutputFile} from './write.js';

/*
 * The wizard's side of the engine: issue the whole PKI in memory (the preview), show it, then write
 * exactly those bytes. `generate` does the same three steps in one call; here they are apart because a
 * person looks at the certificates between them.
 */

/** One certificate of the preview: what the plan asked, what was really issued, and whether it was kept. */
export type PreviewCert = {
	readonly spec: CertSpec;
	readonly info: CertInfo;
	readonly status: CertOutcome['status'];
	readonly reason?: string;
};

/** A whole PKI issued in memory for one topology. `issued` holds the keys: only write() uses it. */
export type Preview = {
	readonly plan: Plan;
	readonly certs: readonly PreviewCert[];
	readonly issued: readonly Issued[];
};

/** Every file Review & write will write, decided before the confirm. */
export type Prepared = {
	readonly files: readonly OutputFile[];
	/** What became of the encryption config: a new key, or an existing file kept. */
	readonly encryption: {readonly status: 'new' | 'kept' | 'replaced'; readonly provider: string};
	/** The cluster the files are for (a write refuses another cluster's folder and retires removed machines). */
	readonly topology?: Topology;
	/** Files of the folder's previous run for machines no longer in the cluster: they move to retired/. */
	readonly retiring?: readonly string[];
	/** True when the folder already holds a kubepki run (Review & write must not say "nothing is on disk"). */
	readonly hasPreviousRun?: boolean;
	/** The etcdctl member remove / add commands a change of masters needs, in order. */
	readonly etcdSteps?: readonly string[];
};

export type PreviewSession = {
	/** Issue (or reuse, from outDir) every certificate of the topology, in memory. */
	preview(topology: Topology, onProgress?: (done: number, total: number) => void): Promise<Preview>;
	/** The files to write: certificates, kubeconfigs, encryption config, etcd units, bundles, manifest. */
	prepare(preview: Preview, options?: {encryptionProvider?: EncryptionProvider}): Promise<Prepared>;
	/** Write prepared files atomically (0600 keys, 0700 folders). Returns the absolute paths. */
	write(prepared: Prepared): Promise<string[]>;
};

/** What issuing puts into a certificate: specs that differ only in where the files go make the same certificate. */
function certContent(spec: CertSpec): string {
	const {isCA, signer, algorithm, validityHours, commonName, organizations, extKeyUsages, sans} = spec;
	return JSON.stringify([isCA, signer, algorithm, validityHours, commonName, organizations, extKeyUsages, sans.map(san => [san.type, san.value])]);
}

/**
 * A session bound to one output folder. Keys are kept by certificate id and algorithm, so editing an extra
 * SAN re-signs in milliseconds instead of making every RSA key again.
 */
export function createPreviewSession(options: {
	outDir: string;
	source: string;
	now?: () => Date;
	/** Keys already being made (startKeyGeneration, before this module and x509 had loaded), by spec. */
	prestarted?: ReadonlyArray<{readonly id: string; readonly algorithm: Algorithm; readonly keys: Promise<KeyPair>}>;
}): PreviewSession {
	const keys = new Map<string, Promise<KeyPair>>();
	const settled = new Set<string>();
	const now = options.now ?? (() => new Date());
	const keyId = (spec: {readonly id: string; readonly algorithm: Algorithm}) => `${spec.id}|${spec.algorithm}`;
	const remember = (spec: {readonly id: string; readonly algorithm: Algorithm}, promise: Promise<KeyPair>) => {
		// A key that is made is remembered as settled, so a later preview counts it at once.
		const tracked = promise.then(pair => {
			settled.add(keyId(spec));
			return pair;
		});
		// A failed key is not cached: the next preview tries again.
		tracked.catch(() => keys.delete(keyId(spec)));
		keys.set(keyId(spec), tracked);
	};

	for (const item of options.prestarted ?? []) remember(item, item.keys);

	// What the last preview issued, by certificate id: an unchanged certificate under an unchanged signer is
	// shown again as it was, so editing one SAN re-signs only the API server certificate and the cards of the
	// other stages keep their serials and fingerprints.
	const lastIssued = new Map<string, {readonly content: string; readonly signerPem?: string; readonly item: Issued}>();
	const reusable = (plan: Plan, existing: ReadonlyMap<string, Issued>): Map<string, Issued> => {
		const reuse = new Map(existing);
		// Signers first: a certificate is reused only after its signer is.
		for (const spec of signingOrder(plan.certs)) {
			const last = lastIssued.get(spec.id);
			if (reuse.has(spec.id) || !last || last.content !== certContent(spec)) continue;
			const signerPem = spec.signer === 'self' ? undefined : reuse.get(spec.signer)?.certPem;
			// The certificate is the same; where it goes and who reads it come from the new plan.
			if (spec.signer === 'self' || (signerPem !== undefined && signerPem === last.signerPem)) reuse.set(spec.id, {...last.item, spec});
		}

		return reuse;
	};

	return {
		async preview(topology, onProgress) {
			const plan = buildPlan(topology);
			const at = now();
			// An existing CA in the folder signs the rest; a broken one is a RefusedError the wizard shows.
			const {existing, outcomes, keptKeys} = await loadExisting(plan, options.outDir, at);
			const wanted = plan.certs.filter(spec => !existing.has(spec.id));
			for (const [id, promise] of startKeyGeneration(wanted.filter(spec => !keys.has(keyId(spec))))) {
				remember(wanted.find(s => s.id === id)!, promise);
			}

			// Progress counts keys as they arrive, whoever asked for them first (the wizard starts the
			// first preview before its screen exists, then asks again with a progress callback).
			let done = wanted.filter(spec => settled.has(keyId(spec))).length;
			onProgress?.(done, wanted.length);
			for (const spec of wanted.filter(s => !settled.has(keyId(s)))) {
				keys.get(keyId(spec))!.then(
					() => onProgress?.(++done, wanted.length),
					() => undefined,
				);
			}

			// The service-account key in the folder is kept under a new certificate: ServiceAccount tokens stay valid.
			const started = new Map(wanted.map(spec => [spec.id, keptKeys.has(spec.id) ? Promise.resolve(keptKeys.get(spec.id)!) : keys.get(keyId(spec))!]));
			const issued = await issueAll(plan.certs, {existing: reusable(plan, existing), keys: started, now: at});
			const byIdIssued = new Map(issued.map(item => [item.spec.id, item]));
			lastIssued.clear();
			for (const item of issued) {
				// What the folder already holds is read again each time; only what this session signed is remembered.
				if (existing.has(item.spec.id)) continue;
				const signerPem = item.spec.signer === 'self' ? undefined : byIdIssued.get(item.spec.signer)?.certPem;
				lastIssued.set(item.spec.id, {content: certContent(item.spec), signerPem, item});
			}

			const byId = new Map(outcomes.map(o => [o.id, o]));
			const certs = issued.map((item): PreviewCert => {
				const outcome = byId.get(item.spec.id);
				const status = outcome?.status ?? 'issued';
				return {spec: item.spec, info: certInfo(item.certPem), status, ...(outcome?.reason && {reason: outcome.reason})};
			});
			return {plan, certs, issued};
		},

		async prepare(preview, prepareOptions = {}) {
			let encryption: Prepared['encryption'] = {status: 'new', provider: prepareOptions.encryptionProvider ?? defaultEncryptionProvider};
			// As generate: a master that joins an existing etcd starts with --initial-cluster-state=existing.
			const change = clusterChange((await readPreviousRun(options.outDir, manifestName))?.topology, preview.plan.topology);
			const extra = await layoutFiles(preview.plan, preview.issued, {
				outDir: options.outDir,
				joiningMasters: change.addedMasters.map(host => host.name),
				encryptionProvider: prepareOptions.encryptionProvider,
				onEncryption(decision) {
					encryption = {status: decision.status, provider: decision.provider};
				},
			});
			const files = extra;
			const all = [...files, manifest(preview.plan, preview.issued, files, options.source, now())];
			const retiring = await retiringFiles(options.outDir, all);
			const hasPreviousRun = await stat(path.join(options.outDir, manifestName)).then(s => s.isFile(), () => false);
			return {files: all, encryption, topology: preview.plan.topology, retiring, hasPreviousRun, etcdSteps: etcdMembershipSteps(change)};
		},

		async write(prepared) {
			// As generate: one transaction under the lock; a removed machine's files go to retired/.
			if (!prepared.topology) throw new Error('bug: prepared files without their cluster');
			return (await commitPrepared(options.outDir, prepared.files, prepared.topology, {command: 'wizard', now: now()})).written;
		},
	};
}
