import {installDirs, isService, type Bundle, type Delivery, type NodeService} from './distribute.js';
import {etcdMemberFlags} from './etcd.js';
import {kubeadmConfName, kubeadmHostPath, kubeadmKubeletConfigName, kubeadmPaths, kubeadmPkiDir, kubeadmPkiName, kubeadmServiceAccountPaths, kubeadmUnitPath, kubeadmUnitsDir, unitFileName} from './placement.js';
import {signingPaths, specById, type Plan} from './plan.js';
import type {Host} from './topology.js';
import {
	apiserverFlagList,
	binDir,
	configText,
	controllerManagerFlagList,
	haproxyConfig,
	haproxyConfigName,
	kubeletAuthFields,
	kubeletFlagList,
	schedulerFlagList,
	unitText,
	type ApiserverFiles,
	type Field,
	type FileLabel,
	type ServiceFlag,
} from './units.js';
import type {OutputFile} from './write.js';

/*
 * The kubeadm layout's services without kubeadm and without static pods: the flags kubeadm puts in its
 * manifests (front-proxy --requestheader-* and --proxy-client-* included), as systemd units. Each host's
 * folder mirrors /etc/kubernetes, so a file at `<host>/x` is read at /etc/kubernetes/x; the units are written
 * in `<host>/systemd/` and installed in /etc/systemd/system/.
 */

/** Where a kubeadm host folder is installed on its machine. */
export const kubeadmInstallRoot = '/etc/kubernetes';

export {kubeadmUnitsDir} from './placement.js';

/** A path of the output folder (`<host>/...`) as the machine reads it (`/etc/kubernetes/...`). */
export function kubeadmInstalledAt(host: string, outputPath: string): string {
	if (!outputPath.startsWith(`${host}/`)) throw new Error(`bug: ${outputPath} is not in ${host}'s folder`);
	return `${kubeadmInstallRoot}/${outputPath.slice(host.length + 1)}`;
}

export {kubeadmKubeletConfigName} from './placement.js';

function pki(plan: Plan, host: string, id: string): {cert: string; key: string} {
	const paths = kubeadmPaths(specById(plan, id), host);
	if (!paths) throw new Error(`bug: ${id} has no kubeadm path`);
	return {cert: kubeadmInstalledAt(host, paths.cert), key: kubeadmInstalledAt(host, paths.key)};
}

const conf = (host: string, file: string) => kubeadmInstalledAt(host, kubeadmHostPath(host, file));
const saKey = (host: string) => kubeadmInstalledAt(host, kubeadmServiceAccountPaths(host).key);
const saPub = (host: string) => kubeadmInstalledAt(host, kubeadmServiceAccountPaths(host).pub);

/** A kubeadm file as a flag's reason names it: relative to pki/ (etcd's under etcd/), or to /etc/kubernetes (a .conf). */
const kubeadmLabel: FileLabel = installed => {
	const pkiRoot = `${kubeadmInstallRoot}/${kubeadmPkiDir}/`;
	if (installed.startsWith(pkiRoot)) return installed.slice(pkiRoot.length);
	return installed.startsWith(`${kubeadmInstallRoot}/`) ? installed.slice(kubeadmInstallRoot.length + 1) : installed;
};

export function kubeadmApiserverFlags(plan: Plan, master: Host): ServiceFlag[] {
	const host = master.name;
	const ca = pki(plan, host, 'ca');
	const api = pki(plan, host, 'apiserver');
	const etcdClient = pki(plan, host, 'apiserver-etcd-client');
	const kubeletClient = pki(plan, host, 'apiserver-kubelet-client');
	const frontCa = pki(plan, host, 'front-proxy-ca');
	const frontClient = pki(plan, host, 'front-proxy-client');
	const frontName = specById(plan, 'front-proxy-client').commonName;
	const files: ApiserverFiles = {
		tlsCert: api.cert,
		tlsKey: api.key,
		clientCa: ca.cert,
		etcdCa: pki(plan, host, 'etcd-ca').cert,
		etcdCert: etcdClient.cert,
		etcdKey: etcdClient.key,
		kubeletClientCert: kubeletClient.cert,
		kubeletClientKey: kubeletClient.key,
		saPublic: saPub(host),
		saPrivate: saKey(host),
	};
	return apiserverFlagList(plan, master, files, {
		label: kubeadmLabel,
		issuer: {value: `https://kubernetes.default.svc.${plan.topology.clusterDomain}`, why: 'the iss claim of every token, as kubeadm sets it'},
		kubeletAddressTypes: {value: 'InternalIP,ExternalIP,Hostname', why: 'as kubeadm: dial kubelets by IP first'},
		more: [
			{name: 'proxy-client-cert-file', value: frontClient.cert, why: `${kubeadmLabel(frontClient.cert)}: presented to aggregated APIs (metrics-server) when it forwards a request`},
			{name: 'proxy-client-key-file', value: frontClient.key, why: 'its private key'},
			{name: 'requestheader-client-ca-file', value: frontCa.cert, why: `${kubeadmLabel(frontCa.cert)}: only a client of this CA may assert a user in the headers below`},
			{name: 'requestheader-allowed-names', value: frontName, why: `and only with this CN (${kubeadmLabel(frontClient.cert)}'s)`},
			{name: 'requestheader-username-headers', value: 'X-Remote-User', why: 'the header carrying the forwarded user'},
			{name: 'requestheader-group-headers', value: 'X-Remote-Group', why: 'the header carrying the forwarded groups'},
			{name: 'requestheader-extra-headers-prefix', value: 'X-Remote-Extra-', why: 'the headers carrying the forwarded extra fields'},
		],
		why: {
			'etcd-servers': `every etcd member (their ${kubeadmPkiName(specById(plan, `etcd-server:${master.name}`))} carry each master IP)`,
			'etcd-cafile': `${kubeadmLabel(files.etcdCa)}: etcd has a CA of its own, so no cluster certificate reaches it`,
			'kubelet-client-certificate': `${kubeadmLabel(kubeletClient.cert)}: the client towards the kubelets (group ${specById(plan, 'apiserver-kubelet-client').kubernetes?.groups.join(', ')})`,
		},
	});
}

export function kubeadmControllerManagerFlags(plan: Plan, master: Host): ServiceFlag[] {
	const host = master.name;
	const ca = pki(plan, host, 'ca');
	const caSpec = specById(plan, 'ca');
	const own = signingPaths(plan, caSpec, kubeadmPaths(caSpec, host)!);
	const signing = {cert: kubeadmInstalledAt(host, own.cert), key: kubeadmInstalledAt(host, own.key)};
	const frontCa = pki(plan, host, 'front-proxy-ca');
	return controllerManagerFlagList(
		plan,
		{kubeconfig: conf(host, kubeadmConfName('kube-controller-manager')), signingCert: signing.cert, signingKey: signing.key, rootCa: ca.cert, saPrivate: saKey(host)},
		{
			label: kubeadmLabel,
			signingNote: plan.rotation ? ' (during a CA rotation: the one CA that signs now; this flag takes one certificate)' : undefined,
			guard: [
				{name: 'client-ca-file', value: ca.cert, why: `${kubeadmLabel(ca.cert)}: client certificates that may call its HTTPS port`},
				{name: 'requestheader-client-ca-file', value: frontCa.cert, why: `${kubeadmLabel(frontCa.cert)}: requests forwarded by the API server's front proxy`},
			],
			more: [{name: 'controllers', value: '*,bootstrapsigner,tokencleaner', why: 'as kubeadm: with the bootstrap token controllers that kubeadm join relies on'}],
		},
	);
}

export function kubeadmSchedulerFlags(plan: Plan, master: Host): ServiceFlag[] {
	return schedulerFlagList(plan, conf(master.name, kubeadmConfName('kube-scheduler')), kubeadmLabel);
}

function kubeletConfigFields(plan: Plan, node: Host): Field[] {
	const ca = pki(plan, node.name, 'ca').cert;
	return [
		...kubeletAuthFields(
			{path: ca, why: `${kubeadmLabel(ca)}: ${kubeadmLabel(pki(plan, node.name, 'apiserver-kubelet-client').cert)} logs in as its CN`},
			'asks the API server whether that user may (kubeadm:cluster-admins may)',
		),
		{path: ['rotateCertificates'], value: true, why: 'kubeadm lets the kubelet renew its client certificate through a CSR'},
		{path: ['serverTLSBootstrap'], value: false, why: 'kubeadm\'s kubelet serves a self-signed certificate, which the API server does not verify'},
		{path: ['clusterDomain'], value: plan.topology.clusterDomain, why: `the domain of kubernetes.default.svc.<domain>, a SAN of ${kubeadmPkiName(specById(plan, 'apiserver'))}`},
	];
}

function kubeletFlags(node: Host): ServiceFlag[] {
	return kubeletFlagList(node, {path: conf(node.name, kubeadmKubeletConfigName), why: `${kubeadmKubeletConfigName}: its CA and authorization`}, conf(node.name, kubeadmConfName(`kubelet:${node.name}`)), kubeadmLabel);
}

/** kubeadm's etcd member flags: its own CA, and a server and a peer certificate per master. */
export function kubeadmEtcdFlags(plan: Plan, master: Host): ServiceFlag[] {
	const host = master.name;
	const serving = pki(plan, host, `etcd-server:${host}`);
	const peering = pki(plan, host, `etcd-peer:${host}`);
	const ca = pki(plan, host, 'etcd-ca');
	const why: Record<string, string> = {
		'cert-file': `${kubeadmPkiName(specById(plan, `etcd-server:${host}`))}: served to clients (the API servers), with this master's IP`,
		'key-file': 'its private key',
		'peer-cert-file': `${kubeadmPkiName(specById(plan, `etcd-peer:${host}`))}: served to and presented to the other members`,
		'peer-key-file': 'its private key',
		'trusted-ca-file': `${kubeadmPkiName(specById(plan, 'etcd-ca'))}: clients need a certificate from etcd's own CA`,
		'peer-trusted-ca-file': `${kubeadmPkiName(specById(plan, 'etcd-ca'))}: so do the other members`,
		'client-cert-auth': 'refuse clients without such a certificate',
		'peer-client-cert-auth': 'refuse peers without one',
	};
	return etcdMemberFlags(plan, master, {cert: serving.cert, key: serving.key, peerCert: peering.cert, peerKey: peering.key, ca: ca.cert}).map(flag => ({
		...flag,
		why: why[flag.name] ?? 'not PKI: where it keeps data and which URLs it uses',
	}));
}

/** The units (and each node's kubelet configuration) of the kubeadm layout, under `<host>/systemd/` and `<host>/`. */
export function kubeadmUnitFiles(plan: Plan): OutputFile[] {
	const {cluster} = plan.topology;
	const unit = (host: string, name: string, content: string): OutputFile => ({path: kubeadmUnitPath(host, name), content, mode: 0o644, kind: 'unit'});
	const files: OutputFile[] = [];
	for (const master of plan.topology.masters) {
		const on = `on ${master.name} of cluster ${cluster} (kubeadm's flags, without static pods); install in /etc/systemd/system/`;
		files.push(
			unit(master.name, unitFileName('etcd'), unitText(`etcd ${on}`, 'etcd', `${binDir}/etcd`, kubeadmEtcdFlags(plan, master), 'network-online.target')),
			unit(master.name, unitFileName('kube-apiserver'), unitText(`kube-apiserver ${on}`, 'Kubernetes API Server', `${binDir}/kube-apiserver`, kubeadmApiserverFlags(plan, master), `network.target ${unitFileName('etcd')}`)),
			unit(master.name, unitFileName('kube-controller-manager'), unitText(`kube-controller-manager ${on}`, 'Kubernetes Controller Manager', `${binDir}/kube-controller-manager`, kubeadmControllerManagerFlags(plan, master), `network.target ${unitFileName('kube-apiserver')}`)),
			unit(master.name, unitFileName('kube-scheduler'), unitText(`kube-scheduler ${on}`, 'Kubernetes Scheduler', `${binDir}/kube-scheduler`, kubeadmSchedulerFlags(plan, master), `network.target ${unitFileName('kube-apiserver')}`)),
		);
	}

	for (const node of [...plan.topology.masters, ...plan.topology.workers]) {
		files.push(
			unit(node.name, unitFileName('kubelet'), unitText(`kubelet on ${node.name} of cluster ${cluster}; install in /etc/systemd/system/`, 'Kubernetes Kubelet', `${binDir}/kubelet`, kubeletFlags(node), 'network.target containerd.service')),
			{
				path: kubeadmHostPath(node.name, kubeadmKubeletConfigName),
				content: configText(`kubelet on ${node.name} of cluster ${cluster}`, kubeletConfigFields(plan, node)),
				mode: 0o644,
				kind: 'unit',
			},
		);
	}

	return [...files, {path: haproxyConfigName, content: haproxyConfig(plan), mode: 0o644, kind: 'haproxy'}];
}

/** What runs on each machine of the kubeadm layout, all as systemd units: the control plane on the masters, a kubelet everywhere. */
export const kubeadmServices = [
	{name: 'etcd', runsOn: ['master']},
	{name: 'kube-apiserver', runsOn: ['master']},
	{name: 'kube-controller-manager', runsOn: ['master']},
	{name: 'kube-scheduler', runsOn: ['master']},
	{name: 'kubelet', runsOn: ['master', 'worker']},
] as const satisfies ReadonlyArray<{name: NodeService; runsOn: ReadonlyArray<'master' | 'worker'>}>;

/**
 * The kubeadm layout's placement: each file of `<host>/` goes to the same path under /etc/kubernetes on that host
 * (kubeadmInstalledAt), the units of `<host>/systemd/` to /etc/systemd/system/. A file is read by the services that
 * run there among its certificate's consumers; a unit by its own service, the kubelet configuration by the kubelet.
 * `files` are the layout's files (kubeadmFiles and kubeadmUnitFiles).
 */
export function kubeadmPlacement(plan: Plan, files: readonly OutputFile[]): Bundle[] {
	const hosts = [...plan.topology.masters.map(h => ({...h, role: 'master' as const})), ...plan.topology.workers.map(h => ({...h, role: 'worker' as const}))];
	const unitsPrefix = `${kubeadmUnitsDir}/`;
	return hosts.map(host => ({
		host: host.name,
		ip: host.ip,
		role: host.role,
		files: files
			.filter(file => file.path.startsWith(`${host.name}/`))
			.map((file): Delivery => {
				const target = file.path.slice(host.name.length + 1);
				const unit = target.startsWith(unitsPrefix) ? target.slice(unitsPrefix.length) : undefined;
				const readers = file.certId
					? specById(plan, file.certId).consumers.map(c => c.component)
					: unit
						? [unit.replace(/\.service$/, '')]
						: target === kubeadmKubeletConfigName
							? ['kubelet']
							: [];
				const services = kubeadmServices
					.filter(s => (s.runsOn as readonly string[]).includes(host.role) && readers.some(reader => isService(reader, s.name)))
					.map(s => s.name);
				const installTo = unit ? `${installDirs.systemd}/${unit}` : kubeadmInstalledAt(host.name, file.path);
				return {source: file.path, target, why: file.kind, installTo: [installTo], services};
			}),
	}));
}
