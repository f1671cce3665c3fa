import {createHash, createPrivateKey, X509Certificate as NodeX509} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {ansibleFiles, hostsOf} from './ansible.js';
import {installDirs} from './distribute.js';
import {kubeadmFiles, kubeadmPaths} from './kubeadm.js';
import {kubeadmPlacement, kubeadmServices, kubeadmUnitFiles} from './kubeadm-units.js';
import {buildPlan, hardwayPaths, renewWithinDays, type CertSpec, type Layout, type Plan} from './plan.js';
import {certInfo} from './pki/cert-info.js';
import {issueAll, type Issued} from './pki/issue.js';
import {importPrivateKeyPem, KeyTypeError, type KeyPair} from './pki/keys.js';
import {ansibleDirName, type Topology} from './topology.js';
import {loadBalancerHost} from './units.js';
import {writeAll, type OutputFile} from './write.js';

export {hardwayPaths} from './plan.js';

/** An action the user must change something to allow (exit 1): e.g. a CA cert without its key. */
export class RefusedError extends Error {}

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
	/** Extra files derived from the issued certificates (kubeconfigs, encryption config, ...). */
	readonly extraFiles?: (plan: Plan, issued: readonly Issued[]) => OutputFile[] | Promise<OutputFile[]>;
};

export type GenerateResult = {
	readonly plan: Plan;
	readonly issued: readonly Issued[];
	readonly outcomes: readonly CertOutcome[];
	readonly files: readonly OutputFile[];
	readonly written: readonly string[];
};

// A leaf this close to its end is replaced rather than kept (the same bound as lint's expires-soon).
const renewWithinMs = renewWithinDays * 24 * 3600 * 1000;

/**
 * Read a root CA an earlier run (or the user) left at `paths` in outDir, checked before anything is signed
 * with it: both halves present, a CA, the key matching, not expired, a key kubepki can sign with.
 * Undefined when neither file is there.
 */
export async function loadRootCa(
	spec: CertSpec,
	outDir: string,
	caPaths: {cert: string; key: string},
	now: Date,
): Promise<{issued: Issued; cert: NodeX509} | undefined> {
	const read = async (file: string) => readFile(path.join(outDir, file), 'utf8').catch(() => undefined);
	const [caCertPem, caKeyPem] = await Promise.all([read(caPaths.cert), read(caPaths.key)]);
	if (!caCertPem && !caKeyPem) return undefined;
	if (!caCertPem || !caKeyPem) {
		const missing = caCertPem ? caPaths.key : caPaths.cert;
		throw new RefusedError(
			`${path.join(outDir, missing)} is missing but ${caCertPem ? caPaths.cert : caPaths.key} exists; restore it, or pass --force to make a new CA (every certificate signed by the old one stops being trusted)`,
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

/** Read what an earlier run left in outDir: the CA to sign with, and the leaves still worth keeping. */
export async function loadExisting(
	plan: Plan,
	outDir: string,
	now: Date,
): Promise<{existing: Map<string, Issued>; outcomes: CertOutcome[]}> {
	const existing = new Map<string, Issued>();
	const outcomes: CertOutcome[] = [];
	const read = async (file: string) => readFile(path.join(outDir, file), 'utf8').catch(() => undefined);
	const ca = plan.certs.find(spec => spec.signer === 'self');
	if (!ca) throw new Error('bug: a plan without a root CA');
	const root = await loadRootCa(ca, outDir, hardwayPaths(ca), now);
	if (!root) return {existing, outcomes};
	const caCert = root.cert;
	existing.set(ca.id, root.issued);
	outcomes.push({id: ca.id, status: 'reused-ca'});

	for (const spec of plan.certs) {
		if (spec === ca) continue;
		const paths = hardwayPaths(spec);
		const [certPem, keyPem] = await Promise.all([read(paths.cert), read(paths.key)]);
		if (!certPem || !keyPem) continue;
		const reason = whyNotReusable(spec, certPem, keyPem, caCert, now);
		if (reason) {
			outcomes.push({id: spec.id, status: 'issued', reason});
			continue;
		}

		const keys = await importPrivateKeyPem(keyPem).catch(() => undefined);
		if (!keys) continue;
		existing.set(spec.id, {spec, certPem, keyPem, keys});
		outcomes.push({id: spec.id, status: 'kept'});
	}

	return {existing, outcomes};
}

/** Why an existing leaf cannot be kept, or undefined when it still says exactly what the plan asks. */
export function whyNotReusable(spec: CertSpec, certPem: string, keyPem: string, caCert: NodeX509, now: Date): string | undefined {
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
		if (info.publicKey.algorithm !== wanted || info.publicKey.bits !== bits) return `key is not ${spec.algorithm}`;
		return undefined;
	} catch (error) {
		return `unreadable: ${(error as Error).message}`;
	}
}

/** The certificate and key files of the hard-way layout. */
export function certificateFiles(issued: readonly Issued[]): OutputFile[] {
	return issued.flatMap(item => {
		const paths = hardwayPaths(item.spec);
		return [
			{path: paths.cert, content: item.certPem, mode: 0o644, kind: 'certificate', certId: item.spec.id},
			{path: paths.key, content: item.keyPem, mode: 0o600, kind: 'private-key', certId: item.spec.id},
		] satisfies OutputFile[];
	});
}

export const manifestName = 'kubepki-manifest.json';

/** What was made, from which cluster, with fingerprints: the record a later run or an auditor reads. */
export function manifest(plan: Plan, issued: readonly Issued[], files: readonly OutputFile[], source: string, now: Date): OutputFile {
	const byId = new Map(issued.map(item => [item.spec.id, item]));
	const body = {
		tool: 'kubepki',
		manifestVersion: 1,
		generatedAt: now.toISOString(),
		layout: plan.layout ?? 'hardway',
		source,
		cluster: plan.topology,
		serviceIp: plan.serviceIp,
		files: files.map(file => {
			const item = file.certId ? byId.get(file.certId) : undefined;
			return {
				path: file.path,
				kind: file.kind,
				mode: `0${file.mode.toString(8)}`,
				sha256: createHash('sha256').update(file.content).digest('hex'),
				...(item && {certId: item.spec.id, role: item.spec.role}),
				...(item && file.kind === 'certificate' && {fingerprintSha256: certInfo(item.certPem).fingerprintSha256}),
			};
		}),
	};
	return {path: manifestName, content: JSON.stringify(body, null, 2) + '\n', mode: 0o644, kind: 'manifest'};
}

/** Make (or complete) the whole PKI for a topology and write it to outDir. */
export async function generate(topology: Topology, options: GenerateOptions): Promise<GenerateResult> {
	const now = options.now ?? new Date();
	const plan = buildPlan(topology, {layout: options.layout});
	if (plan.layout === 'kubeadm') return generateKubeadm(plan, options, now);
	const {existing, outcomes} = options.force ? {existing: new Map<string, Issued>(), outcomes: []} : await loadExisting(plan, options.outDir, now);
	const issued = await issueAll(plan.certs, {existing, now, keys: options.keys, onProgress: options.onProgress});
	const known = new Set(outcomes.map(o => o.id));
	const allOutcomes = [...outcomes, ...plan.certs.filter(s => !known.has(s.id)).map((s): CertOutcome => ({id: s.id, status: 'issued'}))];
	const files = [...certificateFiles(issued), ...((await options.extraFiles?.(plan, issued)) ?? [])];
	const all = [...files, manifest(plan, issued, files, options.source ?? 'built-in example cluster', now)];
	const written = await writeAll(options.outDir, all);
	return {plan, issued, outcomes: allOutcomes, files: all, written};
}

/**
 * The kubeadm layout. Its three CAs, when an earlier run (or the user, as kubeadm's "external CA" setups do)
 * left them in the first master's pki/, are checked and reused, never overwritten without --force; every
 * leaf is signed afresh, as `kubeadm certs renew` would.
 */
async function generateKubeadm(plan: Plan, options: GenerateOptions, now: Date): Promise<GenerateResult> {
	const existing = new Map<string, Issued>();
	const outcomes: CertOutcome[] = [];
	const first = plan.topology.masters[0];
	if (!first) throw new Error('bug: a topology without masters');
	for (const spec of options.force ? [] : plan.certs.filter(s => s.signer === 'self')) {
		const paths = kubeadmPaths(spec, first.name);
		const root = paths && (await loadRootCa(spec, options.outDir, paths, now));
		if (!root) continue;
		existing.set(spec.id, root.issued);
		outcomes.push({id: spec.id, status: 'reused-ca'});
	}

	const issued = await issueAll(plan.certs, {existing, now, keys: options.keys, onProgress: options.onProgress});
	const layoutFiles = [...kubeadmFiles(plan, issued), ...kubeadmUnitFiles(plan)];
	// ansible/ sits beside the host folders; haproxy.cfg is at the top, as in the hard way.
	const ansible = ansibleFiles({
		hosts: [...hostsOf(kubeadmPlacement(plan, layoutFiles), '.'), loadBalancerHost(plan)],
		files: layoutFiles,
		dir: ansibleDirName,
		services: [...kubeadmServices.map(s => s.name), 'haproxy'],
		unitDir: installDirs.systemd,
	});
	const files = [...layoutFiles, ...ansible];
	const all = [...files, manifest(plan, issued, files, options.source ?? 'built-in example cluster', now)];
	const written = await writeAll(options.outDir, all);
	const made = plan.certs.filter(spec => !existing.has(spec.id)).map((spec): CertOutcome => ({id: spec.id, status: 'issued'}));
	return {plan, issued, outcomes: [...outcomes, ...made], files: all, written};
}
