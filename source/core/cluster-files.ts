import {ansibleFiles, hostsOf} from './ansible.js';
import {bundleFiles, bundlesDir, distribution, hardwayServices, installDirs} from './distribute.js';
import {decideEncryptionConfig, encryptionConfigName, type EncryptionDecision, type EncryptionProvider} from './encryption.js';
import {etcdFiles} from './etcd.js';
import {bundleCopies, refuseIfOldSurvives} from './old-copies.js';
import {previousManifest, readFolderFile, requireTrusted} from './reuse.js';
import {kubeconfigFiles} from './kubeconfig.js';
import type {Plan} from './plan.js';
import type {Issued} from './pki/issue.js';
import {hardwayAnsibleDir, hardwayCertFiles} from './placement.js';
import {loadBalancerHost, unitFiles} from './units.js';
import {RefusedError, type OutputFile} from './write.js';

export type ClusterFilesOptions = {
	/** Where an earlier encryption config may be (the output folder). */
	readonly outDir: string;
	readonly encryptionProvider?: EncryptionProvider;
	readonly force?: boolean;
	/** Masters joining a running etcd cluster: their units start with --initial-cluster-state existing. */
	readonly joiningMasters?: readonly string[];
	/** Files made elsewhere that machines receive too (a CA rotation's signing pair): layoutFiles writes them after the certificates, and they are copied into nodes/ (kubeadm: placed in the host folders) like the rest. */
	readonly alsoDelivered?: readonly OutputFile[];
	/** Told what became of the encryption config (the CLI reports a kept key). */
	readonly onEncryption?: (decision: Exclude<EncryptionDecision, {status: 'refused'}>) => void;
};

/** The certificate and key files of the hard-way layout. */
export function certificateFiles(issued: readonly Issued[]): OutputFile[] {
	return issued.flatMap(item =>
		hardwayCertFiles(item.spec).map((file): OutputFile =>
			file.part === 'cert'
				? {path: file.path, content: item.certPem, mode: file.mode, kind: 'certificate', certId: item.spec.id}
				: {path: file.path, content: item.keyPem, mode: file.mode, kind: 'private-key', certId: item.spec.id},
		),
	);
}

/**
 * Everything the guide makes after the certificates: kubeconfigs, the encryption config, the etcd units,
 * the units and configs of the services that read the PKI (units.ts), and the per-machine bundles with their copy script.
 * layoutFiles (layout-files.ts) puts the certificates before them: that is the hard way's whole folder.
 */
export async function clusterFiles(plan: Plan, issued: readonly Issued[], options: ClusterFilesOptions): Promise<OutputFile[]> {
	const file = await readFolderFile(options.outDir, encryptionConfigName);
	// Its key decrypts every secret in etcd: reused only when it is the caller's and closed to others.
	await requireTrusted(file, 'secret');
	if (!file) {
		const previous = await previousManifest(options.outDir);
		const recorded = previous?.files.some(entry => entry.path === encryptionConfigName);
		await refuseIfOldSurvives(options.outDir, 'encryption key', [encryptionConfigName], bundleCopies(plan, encryptionConfigName), recorded ? encryptionConfigName : undefined, {
			force: options.force ?? false,
			allowForce: false,
		});
	}

	const decision = decideEncryptionConfig(file?.text, options.encryptionProvider, options.force ?? false);
	if (decision.status === 'refused') throw new RefusedError(decision.reason);
	options.onEncryption?.(decision);
	const made = [...kubeconfigFiles(plan, issued), decision.file, ...etcdFiles(plan, options.joiningMasters), ...unitFiles(plan)];
	const originals = [...certificateFiles(issued), ...made, ...(options.alsoDelivered ?? [])];
	const bundles = bundleFiles(plan, originals);
	// The playbook copies from the nodes/<host>/ folders (and haproxy's configuration from the top) to where each file is installed.
	const ansible = ansibleFiles({
		hosts: [...hostsOf(distribution(plan), bundlesDir), loadBalancerHost(plan)],
		files: [...originals, ...bundles],
		dir: hardwayAnsibleDir,
		services: [...hardwayServices.map(s => s.name), 'haproxy'],
		unitDir: installDirs.systemd,
	});
	return [...made, ...bundles, ...ansible];
}
