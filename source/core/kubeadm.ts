import {createPublicKey} from 'node:crypto';
import {stringify} from 'yaml';
import {apiServerUrl, buildKubeconfig, kubeconfigYaml} from './kubeconfig.js';
import {clusterAdminsBindingFile, fileModes, kubeadmConfName, kubeadmHostFiles, kubeadmHostPath} from './placement.js';
import type {CertSpec, Plan} from './plan.js';
import type {Issued} from './pki/issue.js';
import type {OutputFile} from './write.js';

/*
 * `generate --layout kubeadm`: the kubeadm plan written as kubeadm lays it out. One folder per machine,
 * shaped like its /etc/kubernetes (copy `<host>/` there as it is): `pki/` with kubeadm's names and the
 * .conf kubeconfigs beside it (placement.ts names them). Per-node pieces (etcd's server and peer pair, the
 * kubelet's .conf, the local API server address of the controller-manager's and scheduler's) differ from host to host.
 */

export {kubeadmCaPath, kubeadmPaths, kubeadmPkiDir} from './placement.js';

/** One .conf kubeadm writes: file name, whose identity, which server, on which host. */
export type KubeadmConf = {readonly file: string; readonly certId: string; readonly server: string; readonly host: string; readonly path: string};

/**
 * The kubeconfigs of each host. The admin's, the super-admin's and every kubelet's go through the load
 * balancer (kubeadm's controlPlaneEndpoint); the controller-manager's and the scheduler's talk to the API server
 * on their own master (kubeadm's localAPIEndpoint). The super-admin's stays on the first master, as kubeadm init leaves it.
 */
export function kubeadmConfs(plan: Plan): KubeadmConf[] {
	const {topology} = plan;
	const viaLb = apiServerUrl(topology.loadBalancer.ip);
	const confs: KubeadmConf[] = [];
	for (const [index, master] of topology.masters.entries()) {
		const local = apiServerUrl(master.ip);
		const conf = (certId: string, server: string): KubeadmConf => ({file: kubeadmConfName(certId), certId, server, host: master.name, path: kubeadmHostPath(master.name, kubeadmConfName(certId))});
		confs.push(
			conf('admin', viaLb),
			...(index === 0 ? [conf('super-admin', viaLb)] : []),
			conf('kube-controller-manager', local),
			conf('kube-scheduler', local),
		);
	}

	for (const node of [...topology.masters, ...topology.workers]) {
		const certId = `kubelet:${node.name}`;
		confs.push({file: kubeadmConfName(certId), certId, server: viaLb, host: node.name, path: kubeadmHostPath(node.name, kubeadmConfName(certId))});
	}
	return confs;
}

function confFile(plan: Plan, conf: KubeadmConf, byId: ReadonlyMap<string, Issued>): OutputFile {
	const client = byId.get(conf.certId);
	const ca = client && byId.get(client.spec.signer);
	if (!client?.spec.kubernetes || !ca) throw new Error(`bug: ${conf.certId} was not issued as a client`);
	const cluster = plan.topology.cluster;
	const {user} = client.spec.kubernetes;
	const config = buildKubeconfig({cluster, server: conf.server, caPem: ca.certPem, user, certPem: client.certPem, keyPem: client.keyPem});
	// kubeadm names the context user@cluster; the one context is still the current one.
	const context = `${user}@${cluster}`;
	const named = {...config, contexts: [{name: context, context: {cluster, user}}], 'current-context': context};
	return {path: conf.path, content: kubeconfigYaml(named), mode: fileModes.kubeconfig, kind: 'kubeconfig', certId: conf.certId};
}

/** One host's files of a certificate (placement's kubeadmHostFiles says which); the SA pair's public half is derived from its key. */
function hostFiles(item: Issued, host: string): OutputFile[] {
	return kubeadmHostFiles(item.spec, host).map((file): OutputFile => {
		const certId = item.spec.id;
		if (file.part === 'cert') return {path: file.path, content: item.certPem, mode: file.mode, kind: 'certificate', certId};
		if (file.part === 'key') return {path: file.path, content: item.keyPem, mode: file.mode, kind: 'private-key', certId};
		const pub = createPublicKey(item.keyPem).export({type: 'spki', format: 'pem'}).toString();
		return {path: file.path, content: pub, mode: file.mode, kind: 'public-key', certId};
	});
}

export {clusterAdminsBindingFile} from './placement.js';

/**
 * The admin .conf's group (kubeadm:cluster-admins) has no rights until a ClusterRoleBinding ties it to
 * cluster-admin. `kubeadm init` creates that binding itself; a cluster started from these files without
 * kubeadm needs it applied once, with the super-admin's .conf (system:masters, which needs no binding).
 */
function clusterAdminsBinding(plan: Plan, byId: ReadonlyMap<string, Issued>): OutputFile[] {
	const first = plan.topology.masters[0];
	const groups = byId.get('admin')?.spec.organizations ?? [];
	const group = groups.find(g => g !== 'system:masters');
	if (!first || !group) return [];
	const binding = {
		apiVersion: 'rbac.authorization.k8s.io/v1',
		kind: 'ClusterRoleBinding',
		metadata: {name: group},
		roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
		subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group}],
	};
	const header = [
		`# Gives group ${group} (${kubeadmConfName('admin')}) the cluster-admin role. kubeadm init creates this binding itself;`,
		'# without kubeadm, apply it once the API server runs:',
		`#   kubectl --kubeconfig ${kubeadmConfName('super-admin')} apply -f ${clusterAdminsBindingFile}`,
	];
	return [{path: kubeadmHostPath(first.name, clusterAdminsBindingFile), content: `${header.join('\n')}\n${stringify(binding)}`, mode: fileModes.plain, kind: 'rbac'}];
}

/** Every file of the kubeadm layout, host by host. */
export function kubeadmFiles(plan: Plan, issued: readonly Issued[]): OutputFile[] {
	const byId = new Map(issued.map(item => [item.spec.id, item]));
	const confs = kubeadmConfs(plan);
	const hosts = [...plan.topology.masters, ...plan.topology.workers];
	return [
		...hosts.flatMap(host => [...issued.flatMap(item => hostFiles(item, host.name)), ...confs.filter(conf => conf.host === host.name).map(conf => confFile(plan, conf, byId))]),
		...clusterAdminsBinding(plan, byId),
	];
}

