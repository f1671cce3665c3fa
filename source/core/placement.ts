import type {CertSpec, Layout, Plan} from './plan.js';

/*
 * Every file name kubepki writes, in both layouts, is spelled here and nowhere else in source/: the hard way's
 * certificates, keys and kubeconfigs, kubeadm's pki/ names and .conf files, the service-account pair, the
 * encryption config, the units and component configurations, the per-machine copies under the bundles folder,
 * the copy scripts, the Ansible files and the manifest. Other modules ask for a name by certificate id, by
 * service or by constant (test/core/placement.test.ts fails when one spells a name itself).
 *
 * This module imports nothing but types, so anything (the plan included) may import it.
 */

// ---- modes --------------------------------------------------------------------------------------------------------

/** The mode of each kind of file: anything holding a private key (keys, kubeconfigs, the encryption key) 0600, scripts 0755, the rest 0644. */
export const fileModes = {
	certificate: 0o644,
	publicKey: 0o644,
	privateKey: 0o600,
	kubeconfig: 0o600,
	encryptionConfig: 0o600,
	script: 0o755,
	plain: 0o644,
} as const;

// ---- folders of the output --------------------------------------------------------------------------------------

/** The hard way's per-machine copies: `<bundlesDir>/<host>/<file>`, with the copy scripts beside them. */
export const bundlesDir = 'nodes';
/** Where generate keeps the hard way's units and component configurations, one folder per machine. */
export const unitsDir = 'units';
/** The hard way's etcd units, one per master. */
export const etcdUnitsDir = 'etcd';
/** The Ansible inventory and playbook. */
export const ansibleDirName = 'ansible';
/** Where kubeadm keeps the certificates inside each host's folder (the folder mirrors /etc/kubernetes). */
export const kubeadmPkiDir = 'pki';
/** The folder of each kubeadm host's units (installed in /etc/systemd/system). */
export const kubeadmUnitsDir = 'systemd';

// ---- files of the folder itself ---------------------------------------------------------------------------------

/** What was made, from which cluster, with fingerprints. */
export const manifestName = 'kubepki-manifest.json';
/** The scp commands that copy what changed, and the one that copies everything. */
export const copyScriptName = 'copy.sh';
export const copyAllScriptName = 'copy-all.sh';
/** `nodes/copy.sh` and `nodes/copy-all.sh` as paths of the output folder. */
export const copyScriptPath = `${bundlesDir}/${copyScriptName}`;
export const copyAllScriptPath = `${bundlesDir}/${copyAllScriptName}`;
/**
 * The copy scripts of a layout, as paths of the output folder: the hard way's in nodes/; kubeadm's at the top,
 * beside the host folders (a script inside `<host>/` would be part of that machine's /etc/kubernetes).
 */
export function copyScriptPaths(layout: Layout = 'hardway'): {changed: string; all: string} {
	return layout === 'kubeadm' ? {changed: copyScriptName, all: copyAllScriptName} : {changed: copyScriptPath, all: copyAllScriptPath};
}
export const inventoryName = 'inventory.yml';
export const playbookName = 'site.yml';
/** The load balancer's configuration file, at the top of the output folder. */
export const haproxyConfigName = 'haproxy.cfg';

// ---- the hard way -----------------------------------------------------------------------------------------------

/** The hard way's base name of a certificate id: `kubernetes` for the API server, the host's name for a kubelet, else the id. */
export function hardwayStem(id: string): string {
	if (id === 'apiserver') return 'kubernetes';
	if (id.startsWith('kubelet:')) return id.slice('kubelet:'.length);
	return id;
}

const pem = (stem: string) => `${stem}.pem`;
const keyPem = (stem: string) => `${stem}-key.pem`;

/** Where a certificate and its key go in the hard-way layout: `<file>.pem` and `<file>-key.pem`. */
export function hardwayPaths(spec: Pick<CertSpec, 'file'>): {cert: string; key: string} {
	return {cert: pem(spec.file), key: keyPem(spec.file)};
}

/** A certificate's files in the hard way, with their modes: the certificate and its key, at the top of the folder (copyTo says which machines get copies). */
export function hardwayCertFiles(spec: Pick<CertSpec, 'file'>): Array<{path: string; part: 'cert' | 'key'; mode: 0o600 | 0o644}> {
	const paths = hardwayPaths(spec);
	return [
		{path: paths.cert, part: 'cert', mode: fileModes.certificate},
		{path: paths.key, part: 'key', mode: fileModes.privateKey},
	];
}

/** A certificate's hard-way files by id, for prose that has no plan at hand: `hardwayNames('apiserver').cert` is the API server's. */
export function hardwayNames(id: string): {cert: string; key: string; kubeconfig: string} {
	const stem = hardwayStem(id);
	return {cert: pem(stem), key: keyPem(stem), kubeconfig: kubeconfigName(stem)};
}

/** A bare public key beside its private key (`openssl pkey -pubout`): the service-account pair's public half. */
export function publicKeyName(spec: Pick<CertSpec, 'file'>): string {
	return `${spec.file}.pub`;
}

/** A hard-way kubeconfig's file name, from its certificate's base name. */
export function kubeconfigName(stem: string): string {
	return `${stem}.kubeconfig`;
}

/** The EncryptionConfiguration the API servers read (the same file on every master). */
export const encryptionConfigName = 'encryption-config.yaml';

/** The RBAC manifest that lets the API server's identity call the kubelets (applied once, from a master). */
export const apiserverToKubeletRbacName = 'kube-apiserver-to-kubelet.yaml';

/** A service's systemd unit file. */
export function unitFileName(service: string): string {
	return `${service}.service`;
}

/** The hard way's component configuration files (`--config`). */
export const componentConfigNames = {
	scheduler: 'kube-scheduler.yaml',
	kubelet: 'kubelet-config.yaml',
	kubeProxy: 'kube-proxy-config.yaml',
} as const;

/** One master's etcd unit in the output folder (installed as etcd's own unit). */
export function etcdUnitSource(master: string): string {
	return `${etcdUnitsDir}/${unitFileName(master)}`;
}

/** One master's etcd settings as an environment file, beside its unit. */
export function etcdEnvSource(master: string): string {
	return `${etcdUnitsDir}/${master}.env`;
}

/** A unit or configuration file of one machine in the output folder. */
export function unitPath(host: string, file: string): string {
	return `${unitsDir}/${host}/${file}`;
}

/** The machine whose bundle a path of the output folder is in (`nodes/<host>/...`), or undefined for any other path. */
export function bundleHostOf(file: string): string | undefined {
	const parts = file.split('/');
	return parts.length > 2 && parts[0] === bundlesDir ? parts[1] : undefined;
}

/** The hard way's Ansible folder: beside the bundles it copies from. */
export const hardwayAnsibleDir = `${bundlesDir}/${ansibleDirName}`;

/** A file's copy in one machine's bundle. */
export function bundlePath(host: string, file: string): string {
	return `${bundlesDir}/${host}/${file}`;
}

/** The cluster CA certificate, as prose names it in the hard way. */
export const hardwayCaCert = hardwayNames('ca').cert;

// ---- kubeadm ----------------------------------------------------------------------------------------------------

/** kubeadm's names that differ from the id: etcd's CA and its clients live in pki/etcd/. */
const kubeadmPkiRenames: Record<string, string> = {
	'etcd-ca': 'etcd/ca',
	'etcd-healthcheck-client': 'etcd/healthcheck-client',
};
const kubeadmRoleNames: Partial<Record<CertSpec['role'], string>> = {'etcd-server': 'etcd/server', 'etcd-peer': 'etcd/peer'};

/** The service-account pair as kubeadm keeps it: a bare key pair, no certificate. */
export const kubeadmServiceAccount = {stem: 'sa', key: 'sa.key', pub: 'sa.pub'} as const;

/** The kubeadm plan's base name of a certificate id (the scratch names of `kubepki script`): `kubelet-node1`, `sa`, `scheduler`. */
export function kubeadmStem(id: string): string {
	if (id === 'service-account') return kubeadmServiceAccount.stem;
	if (id === 'kube-controller-manager' || id === 'kube-scheduler') return id.slice('kube-'.length);
	return id.replace(':', '-');
}

/** A certificate's base name under pki/ (`.crt` and `.key` are added), or undefined when it has no file there (kubeconfig-only identities, the SA pair). */
function kubeadmPkiBase(spec: CertSpec): string | undefined {
	if (spec.role === 'service-account') return undefined;
	if (spec.copyTo.cert.length === 0 && spec.copyTo.key.length === 0) return undefined;
	return kubeadmRoleNames[spec.role] ?? kubeadmPkiRenames[spec.id] ?? spec.id;
}

/** The path of a spec's certificate (`.crt`) and key (`.key`) inside one host's folder, if it has files there. */
export function kubeadmPaths(spec: CertSpec, host: string): {cert: string; key: string} | undefined {
	const base = kubeadmPkiBase(spec);
	if (!base) return undefined;
	return {cert: `${host}/${kubeadmPkiDir}/${base}.crt`, key: `${host}/${kubeadmPkiDir}/${base}.key`};
}

/** The service-account pair's files in one host's folder. */
export function kubeadmServiceAccountPaths(host: string): {key: string; pub: string} {
	return {key: `${host}/${kubeadmPkiDir}/${kubeadmServiceAccount.key}`, pub: `${host}/${kubeadmPkiDir}/${kubeadmServiceAccount.pub}`};
}

/** A file under pki/ as kubeadm's documentation names it: `ca.crt`, `etcd/ca.crt` (prose and flag reasons). */
export function kubeadmPkiName(spec: CertSpec, part: 'cert' | 'key' = 'cert'): string {
	const base = kubeadmPkiBase(spec);
	if (!base) throw new Error(`bug: ${spec.id} has no file under ${kubeadmPkiDir}/`);
	return `${base}.${part === 'cert' ? 'crt' : 'key'}`;
}

/** The cluster CA's certificate and key as a person names them in a layout (kubeadm's are under each master's pki/). */
export function clusterCaNames(layout: Layout = 'hardway'): {cert: string; key: string} {
	return layout === 'kubeadm' ? {cert: 'ca.crt', key: 'ca.key'} : {cert: pem('ca'), key: keyPem('ca')};
}

/** A root CA's certificate under pki/ by its id (`etcd-ca` is etcd's folder's), for prose with no plan at hand. */
export function kubeadmCaName(id: string): string {
	return `${kubeadmPkiRenames[id] ?? id}.crt`;
}

/** The first master's CA certificate: where a later run would find an earlier kubeadm layout. */
export function kubeadmCaPath(plan: Plan): string {
	const first = plan.topology.masters[0];
	if (!first) throw new Error('bug: a topology without masters');
	return `${first.name}/${kubeadmPkiDir}/${clusterCaNames('kubeadm').cert}`;
}

/** The .conf kubeconfig that embeds a client certificate of the kubeadm plan: `admin.conf`, `kubelet.conf` (every node's is so named). */
export function kubeadmConfName(certId: string): string {
	return certId.startsWith('kubelet:') ? 'kubelet.conf' : `${kubeadmStem(certId)}.conf`;
}

/** A file of one kubeadm host's folder (the folder mirrors /etc/kubernetes): a .conf, the kubelet's configuration. */
export function kubeadmHostPath(host: string, file: string): string {
	return `${host}/${file}`;
}

/** A unit in one kubeadm host's folder. */
export function kubeadmUnitPath(host: string, unit: string): string {
	return kubeadmHostPath(host, `${kubeadmUnitsDir}/${unit}`);
}

/** The binding that gives admin.conf's group its rights, beside super-admin.conf on the first master. */
export const clusterAdminsBindingFile = 'cluster-admins-binding.yaml';

/** Each kubeadm node's kubelet configuration, beside its kubelet.conf. */
export const kubeadmKubeletConfigName = componentConfigNames.kubelet;

/**
 * Which files of a certificate one kubeadm host gets, and with which mode: the certificate where the plan's
 * copyTo.cert names the host, the key where copyTo.key does; the service-account pair is the key and its
 * public half. The one rule `generate --layout kubeadm` and `kubepki script --layout kubeadm` both follow.
 */
export function kubeadmHostFiles(spec: CertSpec, host: string): Array<{path: string; part: 'cert' | 'key' | 'pub'; mode: 0o600 | 0o644}> {
	if (spec.role === 'service-account') {
		if (!spec.copyTo.key.includes(host)) return [];
		const paths = kubeadmServiceAccountPaths(host);
		return [
			{path: paths.key, part: 'key', mode: fileModes.privateKey},
			{path: paths.pub, part: 'pub', mode: fileModes.publicKey},
		];
	}

	const paths = kubeadmPaths(spec, host);
	if (!paths) return [];
	return [
		...(spec.copyTo.cert.includes(host) ? [{path: paths.cert, part: 'cert', mode: fileModes.certificate} as const] : []),
		...(spec.copyTo.key.includes(host) ? [{path: paths.key, part: 'key', mode: fileModes.privateKey} as const] : []),
	];
}

/**
 * The files a CA has while it is rotated, beside its own (either layout: `paths` are its own files). Its own
 * certificate file becomes the trust bundle and its own key file keeps the old key until the end; the new CA's
 * pair is `next`; `old` is the old certificate alone (the controller-manager signs with it until reissue).
 */
export function rotationPaths(paths: {cert: string; key: string}): {next: {cert: string; key: string}; old: string} {
	const stem = (file: string, suffix: string) => file.replace(/(-key)?(\.[a-z]+)$/, `-${suffix}$1$2`);
	return {next: {cert: stem(paths.cert, 'next'), key: stem(paths.key, 'next')}, old: stem(paths.cert, 'old')};
}

// ---- either layout ----------------------------------------------------------------------------------------------

/**
 * Where the plan's cluster CA certificate sits in the output folder: the hard way's at the top, the first
 * master's under pki/ in kubeadm's layout. A command that asks "is there a PKI here already?" asks this.
 */
export function caCertPath(plan: Plan): string {
	if (plan.layout === 'kubeadm') return kubeadmCaPath(plan);
	const ca = plan.certs.find(spec => spec.id === 'ca');
	if (!ca) throw new Error('bug: no certificate ca in the plan');
	return hardwayPaths(ca).cert;
}
