import {createPublicKey} from 'node:crypto';
import {stringify} from 'yaml';
import {apiServerUrl, buildKubeconfig, kubeconfigYaml} from './kubeconfig.js';
import type {CertSpec, Plan} from './plan.js';
import type {Issued} from './pki/issue.js';
import type {Host} from './topology.js';
import type {OutputFile} from './write.js';

/*
 * `generate --layout kubeadm`: the kubeadm plan written as kubeadm lays it out. One folder per machine,
 * shaped like its /etc/kubernetes (copy `<host>/` there as it is): `pki/` with kubeadm's names and the
 * .conf kubeconfigs beside it. Per-node pieces (etcd/server and etcd/peer, kubelet.conf, the local
 * API server address of controller-manager.conf and scheduler.conf) differ from host to host.
 */

/** kubeadm's base name under pki/ for each shared certificate of the plan (`.crt` and `.key` are added). */
const pkiNames: Record<string, string> = {
	ca: 'ca',
	apiserver: 'apiserver',
	'apiserver-kubelet-client': 'apiserver-kubelet-client',
	'front-proxy-ca': 'front-proxy-ca',
	'front-proxy-client': 'front-proxy-client',
	'etcd-ca': 'etcd/ca',
	'etcd-healthcheck-client': 'etcd/healthcheck-client',
	'apiserver-etcd-client': 'apiserver-etcd-client',
};

/** Where kubeadm keeps the certificates (the hosts' folders mirror /etc/kubernetes). */
export const kubeadmPkiDir = 'pki';

/** The path of a spec's certificate (`.crt`) and key (`.key`) inside one host's folder, if it has files there. */
export function kubeadmPaths(spec: CertSpec, host: string): {cert: string; key: string} | undefined {
	const base = pkiNames[spec.id] ?? (spec.role === 'etcd-server' ? 'etcd/server' : spec.role === 'etcd-peer' ? 'etcd/peer' : undefined);
	if (!base) return undefined;
	return {cert: `${host}/${kubeadmPkiDir}/${base}.crt`, key: `${host}/${kubeadmPkiDir}/${base}.key`};
}

/** The first master's CA certificate: where a later run would find an earlier kubeadm layout. */
export function kubeadmCaPath(plan: Plan): string {
	const first = plan.topology.masters[0];
	if (!first) throw new Error('bug: a topology without masters');
	return `${first.name}/${kubeadmPkiDir}/ca.crt`;
}

/** One .conf kubeadm writes: file name, whose identity, which server, on which host. */
export type KubeadmConf = {readonly file: string; readonly certId: string; readonly server: string; readonly host: string};

/**
 * The kubeconfigs of each host. admin.conf, super-admin.conf and every kubelet.conf go through the load
 * balancer (kubeadm's controlPlaneEndpoint); controller-manager.conf and scheduler.conf talk to the API server
 * on their own master (kubeadm's localAPIEndpoint). super-admin.conf stays on the first master, as kubeadm init leaves it.
 */
export function kubeadmConfs(plan: Plan): KubeadmConf[] {
	const {topology} = plan;
	const viaLb = apiServerUrl(topology.loadBalancer.ip);
	const confs: KubeadmConf[] = [];
	for (const [index, master] of topology.masters.entries()) {
		const local = apiServerUrl(master.ip);
		confs.push(
			{file: 'admin.conf', certId: 'admin', server: viaLb, host: master.name},
			...(index === 0 ? [{file: 'super-admin.conf', certId: 'super-admin', server: viaLb, host: master.name}] : []),
			{file: 'controller-manager.conf', certId: 'kube-controller-manager', server: local, host: master.name},
			{file: 'scheduler.conf', certId: 'kube-scheduler', server: local, host: master.name},
		);
	}

	for (const node of [...topology.masters, ...topology.workers]) confs.push({file: 'kubelet.conf', certId: `kubelet:${node.name}`, server: viaLb, host: node.name});
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
	return {path: `${conf.host}/${conf.file}`, content: kubeconfigYaml(named), mode: 0o600, kind: 'kubeconfig', certId: conf.certId};
}

function pairFiles(item: Issued, host: string, withKey: boolean): OutputFile[] {
	const paths = kubeadmPaths(item.spec, host);
	if (!paths) return [];
	return [
		{path: paths.cert, content: item.certPem, mode: 0o644, kind: 'certificate', certId: item.spec.id},
		...(withKey ? [{path: paths.key, content: item.keyPem, mode: 0o600, kind: 'private-key', certId: item.spec.id} satisfies OutputFile] : []),
	];
}

/** The service account key pair as kubeadm keeps it: sa.key (private, signs tokens) and sa.pub (public, verifies). */
function serviceAccountFiles(item: Issued, host: string): OutputFile[] {
	const pub = createPublicKey(item.keyPem).export({type: 'spki', format: 'pem'}).toString();
	return [
		{path: `${host}/${kubeadmPkiDir}/sa.key`, content: item.keyPem, mode: 0o600, kind: 'private-key', certId: item.spec.id},
		{path: `${host}/${kubeadmPkiDir}/sa.pub`, content: pub, mode: 0o644, kind: 'public-key', certId: item.spec.id},
	];
}

function hostFiles(host: Host, isMaster: boolean, issued: readonly Issued[]): OutputFile[] {
	if (!isMaster) return issued.filter(item => item.spec.id === 'ca').flatMap(item => pairFiles(item, host.name, false));
	return issued.flatMap(item => {
		if (item.spec.role === 'service-account') return serviceAccountFiles(item, host.name);
		// etcd's server and peer certificates name one master: each master gets only its own.
		if ((item.spec.role === 'etcd-server' || item.spec.role === 'etcd-peer') && item.spec.copyTo.cert[0] !== host.name) return [];
		return pairFiles(item, host.name, true);
	});
}

/** The binding that gives admin.conf its rights, beside super-admin.conf on the first master. */
export const clusterAdminsBindingFile = 'cluster-admins-binding.yaml';

/**
 * admin.conf's group (kubeadm:cluster-admins) has no rights until a ClusterRoleBinding ties it to
 * cluster-admin. `kubeadm init` creates that binding itself; a cluster started from these files without
 * kubeadm needs it applied once, with super-admin.conf (system:masters, which needs no binding).
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
		`# Gives group ${group} (admin.conf) the cluster-admin role. kubeadm init creates this binding itself;`,
		'# without kubeadm, apply it once the API server runs:',
		`#   kubectl --kubeconfig super-admin.conf apply -f ${clusterAdminsBindingFile}`,
	];
	return [{path: `${first.name}/${clusterAdminsBindingFile}`, content: `${header.join('\n')}\n${stringify(binding)}`, mode: 0o644, kind: 'rbac'}];
}

/** Every file of the kubeadm layout, host by host. */
export function kubeadmFiles(plan: Plan, issued: readonly Issued[]): OutputFile[] {
	const byId = new Map(issued.map(item => [item.spec.id, item]));
	const confs = kubeadmConfs(plan);
	const hosts = [...plan.topology.masters.map(h => [h, true] as const), ...plan.topology.workers.map(h => [h, false] as const)];
	return [
		...hosts.flatMap(([host, isMaster]) => [...hostFiles(host, isMaster, issued), ...confs.filter(conf => conf.host === host.name).map(conf => confFile(plan, conf, byId))]),
		...clusterAdminsBinding(plan, byId),
	];
}

