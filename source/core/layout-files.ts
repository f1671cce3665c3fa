import {ansibleFiles, hostsOf} from './ansible.js';
import {certificateFiles, clusterFiles, type ClusterFilesOptions} from './cluster-files.js';
import {distribution, installDirs, installScript} from './distribute.js';
import {kubeadmFiles} from './kubeadm.js';
import {kubeadmPlacement, kubeadmServices, kubeadmUnitFiles} from './kubeadm-units.js';
import {ansibleDirName, bundlePath, copyScriptPaths, fileModes} from './placement.js';
import type {Plan} from './plan.js';
import type {Issued} from './pki/issue.js';
import {loadBalancerHost} from './units.js';
import type {OutputFile} from './write.js';

export {certificateFiles} from './cluster-files.js';
export type {ClusterFilesOptions} from './cluster-files.js';

/*
 * The files of a layout with the machines each goes to: the one list generate writes, the wizard's preview and
 * Review show and write, and renew and rotate-ca compare with the disk. The names and paths come from
 * placement.ts; which machine gets what from the plan's copyTo (the hard way's distribution list, kubeadm's host
 * folders).
 */

/** A file to write and the machines it goes to (none: it stays in the folder, or is embedded elsewhere). */
export type PlacedFile = OutputFile & {readonly hosts: readonly string[]};

/** Each file with its machines: a file of the folder goes to every host whose bundle (hard way) or folder (kubeadm) holds it; a copy to its own host. */
export function placed(plan: Plan, files: readonly OutputFile[]): PlacedFile[] {
	const hosts = new Map<string, string[]>();
	const add = (file: string, host: string) => {
		const list = hosts.get(file) ?? [];
		if (!list.includes(host)) hosts.set(file, [...list, host]);
	};
	if (plan.layout === 'kubeadm') {
		const names = new Set([...plan.topology.masters, ...plan.topology.workers].map(h => h.name));
		for (const file of files) {
			const host = file.path.split('/')[0]!;
			if (file.path.includes('/') && names.has(host)) add(file.path, host);
		}
	} else {
		for (const bundle of distribution(plan)) {
			for (const delivery of bundle.files) {
				add(delivery.source, bundle.host);
				add(bundlePath(bundle.host, delivery.target), bundle.host);
			}
		}
	}

	return files.map(file => ({...file, hosts: hosts.get(file.path) ?? []}));
}

/**
 * Every file a layout writes for these certificates, but the manifest (it records the rest): the hard way's
 * certificates, kubeconfigs, encryption config, units, bundles and playbook, or kubeadm's host folders, units
 * and playbook. `options` as clusterFiles takes them (the folder, for an encryption config to keep; a CA
 * rotation's files as `alsoDelivered`, written after the certificates and delivered like them).
 */
export async function layoutFiles(plan: Plan, issued: readonly Issued[], options: ClusterFilesOptions): Promise<PlacedFile[]> {
	const files =
		plan.layout === 'kubeadm'
			? kubeadmLayoutFiles(plan, issued, options.alsoDelivered)
			: [...certificateFiles(issued), ...(options.alsoDelivered ?? []), ...(await clusterFiles(plan, issued, options))];
	return placed(plan, files);
}

/**
 * Every file of the kubeadm layout for these certificates: the host folders, the units, haproxy's configuration and the
 * Ansible files. `alsoPlaced`: files of the host folders made elsewhere (a CA rotation's), placed and copied like the rest.
 */
function kubeadmLayoutFiles(plan: Plan, issued: readonly Issued[], alsoPlaced: readonly OutputFile[] = []): OutputFile[] {
	const folders = [...kubeadmFiles(plan, issued), ...kubeadmUnitFiles(plan), ...alsoPlaced];
	const bundles = kubeadmPlacement(plan, folders);
	// The copy script, beside the host folders: every file of each machine to its full path (/etc/kubernetes/…,
	// the units to /etc/systemd/system/), or under DEST=dir to look first. A CA rotation writes its own pair.
	const copy = copyScriptPaths('kubeadm').changed;
	const script: OutputFile = {path: copy, content: installScript(plan, bundles, 'every file', copy), mode: fileModes.script, kind: 'copy-script'};
	// ansible/ sits beside the host folders; haproxy's configuration is at the top, as in the hard way.
	const ansible = ansibleFiles({
		hosts: [...hostsOf(bundles, '.'), loadBalancerHost(plan)],
		files: folders,
		dir: ansibleDirName,
		services: [...kubeadmServices.map(s => s.name), 'haproxy'],
		unitDir: installDirs.systemd,
	});
	return [...folders, script, ...ansible];
}

/** What each machine's bundle holds (hard way): its folder under the bundles folder and the file names in it. */
export type MachineCopies = {readonly host: string; readonly role: 'master' | 'worker'; readonly ip: string; readonly files: readonly string[]};

export function machineCopies(plan: Plan): MachineCopies[] {
	return distribution(plan).map(bundle => ({host: bundle.host, role: bundle.role, ip: bundle.ip, files: bundle.files.map(f => f.target)}));
}
