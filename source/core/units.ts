import {Document, stringify} from 'yaml';
import {
	apiserverToKubeletRbacName,
	distribution,
	installDirs,
	installedAt,
	serviceFiles,
	type Bundle,
} from './distribute.js';
import type {AnsibleHost} from './ansible.js';
import {etcdInstall, etcdServers} from './etcd.js';
import {apiServerPort, apiServerUrl, kubeconfigSpecs} from './kubeconfig.js';
import {componentConfigNames, encryptionConfigName, haproxyConfigName, kubeconfigName, unitFileName, unitPath} from './placement.js';
import {hardwayPaths, signingPaths, specById, type Plan} from './plan.js';
import type {Host} from './topology.js';
import {ipFamily} from './ip.js';
import type {OutputFile} from './write.js';

/*
 * The units and configuration files of the services that read the PKI (the guide leaves them to the reader):
 * kube-apiserver, kube-controller-manager and kube-scheduler on each master, the kubelet and kube-proxy on each
 * worker, the RBAC manifest that lets the API server call the kubelets, and haproxy's configuration for the load balancer.
 * Every path in a flag is where distribute.ts installs that file on the machine (installedAt): never spelled here.
 */

/** Where the binaries are installed (the guide's /usr/local/bin, like etcd's). */
export const binDir = '/usr/local/bin';

/** One flag of a service: `--name=value` (or a switch), and the reason it is there, written above the unit's ExecStart. */
export type ServiceFlag = {readonly name: string; readonly value: string | true; readonly why: string};

/** A field of a component configuration file (YAML), with the reason written as a comment above it. */
export type Field = {readonly path: readonly string[]; readonly value: unknown; readonly why?: string};

/** The pod network is not part of the PKI; the kubelet's DNS address is the service range's tenth, as the guide has it. */
function clusterDnsIp(plan: Plan): string {
	const [base] = plan.topology.serviceCIDR.split('/');
	if (!base || ipFamily(base) !== 4) return plan.serviceIp;
	const octets = base.split('.').map(Number);
	const value = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]! + 10;
	return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** A file's name as a flag's reason shows it: the hard way's are flat, kubeadm's relative to its pki/ (etcd's CA as etcd/<name>). */
export type FileLabel = (installed: string) => string;

/** The last part of a path: the file name of an installed file. */
export const baseLabel: FileLabel = installed => installed.slice(installed.lastIndexOf('/') + 1);

/** The files one API server reads, where its layout installs them. */
export type ApiserverFiles = {
	readonly tlsCert: string;
	readonly tlsKey: string;
	readonly clientCa: string;
	readonly etcdCa: string;
	readonly etcdCert: string;
	readonly etcdKey: string;
	readonly kubeletClientCert: string;
	readonly kubeletClientKey: string;
	readonly saPublic: string;
	readonly saPrivate: string;
};

/** What differs between the layouts beyond the files: the issuer, the kubelet address order, the flags only one has, and reasons in its own words. */
export type ApiserverLayout = {
	readonly label: FileLabel;
	readonly issuer: {readonly value: string; readonly why: string};
	readonly kubeletAddressTypes: {readonly value: string; readonly why: string};
	/** Right before the kubelet client flags (the hard way: --kubelet-certificate-authority). */
	readonly kubeletTrust?: readonly ServiceFlag[];
	/** After the kubelet flags (the hard way: encryption at rest; kubeadm: the front proxy). */
	readonly more?: readonly ServiceFlag[];
	readonly why?: Readonly<Record<string, string>>;
};

/** The API server's flags on one master, for either layout: the same flags, each layout's files. */
export function apiserverFlagList(plan: Plan, master: Host, files: ApiserverFiles, layout: ApiserverLayout): ServiceFlag[] {
	const name = layout.label;
	const flags: ServiceFlag[] = [
		{name: 'advertise-address', value: master.ip, why: `the address this master publishes in the kubernetes Service endpoints (an IP SAN of ${name(files.tlsCert)})`},
		{name: 'bind-address', value: ipFamily(master.ip) === 6 ? '::' : '0.0.0.0', why: 'every address: the load balancer, the other masters and the components on this master all connect'},
		{name: 'secure-port', value: String(apiServerPort), why: 'the port every kubeconfig and the load balancer dial'},
		{name: 'tls-cert-file', value: files.tlsCert, why: `${name(files.tlsCert)}: the certificate the API server presents; its SANs cover every name clients dial`},
		{name: 'tls-private-key-file', value: files.tlsKey, why: 'its private key'},
		{name: 'client-ca-file', value: files.clientCa, why: `${name(files.clientCa)}: a client certificate signed by this CA logs in as its CN, in the groups of its O`},
		{name: 'etcd-servers', value: etcdServers(plan), why: 'every etcd member, at the IP its serving certificate carries'},
		{name: 'etcd-cafile', value: files.etcdCa, why: `${name(files.etcdCa)}: checks the certificate each etcd member serves`},
		{name: 'etcd-certfile', value: files.etcdCert, why: `${name(files.etcdCert)}: the client certificate etcd asks for (--client-cert-auth)`},
		{name: 'etcd-keyfile', value: files.etcdKey, why: 'its private key'},
		...(layout.kubeletTrust ?? []),
		{name: 'kubelet-client-certificate', value: files.kubeletClientCert, why: `${name(files.kubeletClientCert)}: the client certificate towards the kubelets`},
		{name: 'kubelet-client-key', value: files.kubeletClientKey, why: 'its private key'},
		{name: 'kubelet-preferred-address-types', ...layout.kubeletAddressTypes},
		...(layout.more ?? []),
		{name: 'service-account-key-file', value: files.saPublic, why: `${name(files.saPublic)}: the public key that verifies service account tokens`},
		{name: 'service-account-signing-key-file', value: files.saPrivate, why: `${name(files.saPrivate)}: the private key that signs them (the same pair on every master)`},
		{name: 'service-account-issuer', ...layout.issuer},
		{name: 'service-cluster-ip-range', value: plan.topology.serviceCIDR, why: `must match the certificate: its first address ${plan.serviceIp} is an IP SAN of ${name(files.tlsCert)}`},
		{name: 'authorization-mode', value: 'Node,RBAC', why: 'Node: kubelets (system:node:<name> in system:nodes) may touch only their own node; RBAC: everyone else'},
		{name: 'enable-admission-plugins', value: 'NodeRestriction', why: 'with the Node authorizer: a kubelet may change only its own Node and its pods'},
		{name: 'allow-privileged', value: 'true', why: 'not PKI: kube-proxy and CNI pods need it'},
		{name: 'v', value: '2', why: 'log which certificate files were loaded'},
	];
	return flags.map(flag => (layout.why?.[flag.name] ? {...flag, why: layout.why[flag.name]!} : flag));
}

/** The API server's flags on one master. */
export function apiserverFlags(plan: Plan, master: Host, bundles: readonly Bundle[] = distribution(plan)): ServiceFlag[] {
	const at = (file: string) => installedAt(bundles, master.name, file, installDirs.kubernetes);
	const ca = hardwayPaths(specById(plan, 'ca'));
	const api = hardwayPaths(specById(plan, 'apiserver'));
	const saPair = hardwayPaths(specById(plan, 'service-account'));
	const files: ApiserverFiles = {
		tlsCert: at(api.cert),
		tlsKey: at(api.key),
		clientCa: at(ca.cert),
		etcdCa: at(ca.cert),
		etcdCert: at(api.cert),
		etcdKey: at(api.key),
		kubeletClientCert: at(api.cert),
		kubeletClientKey: at(api.key),
		saPublic: at(saPair.cert),
		saPrivate: at(saPair.key),
	};
	return apiserverFlagList(plan, master, files, {
		label: baseLabel,
		issuer: {value: apiServerUrl(plan.topology.loadBalancer.ip), why: 'the iss claim of every token: the one address of the cluster, the load balancer'},
		kubeletAddressTypes: {value: 'InternalIP,Hostname,ExternalIP', why: 'dial kubelets by IP first: their certificates carry the IP, and names need DNS'},
		kubeletTrust: [{name: 'kubelet-certificate-authority', value: at(ca.cert), why: `${ca.cert}: checks each kubelet's serving certificate (<worker>.pem, with the worker's IP) on logs, exec and proxy`}],
		more: [{name: 'encryption-provider-config', value: at(encryptionConfigName), why: `${encryptionConfigName}: the key that encrypts Secrets in etcd (the same file on every master)`}],
		why: {
			'etcd-servers': `every etcd member; each serves ${api.cert}, issued for every master IP`,
			'etcd-certfile': `${api.cert} as the client certificate etcd asks for (--client-cert-auth); it has clientAuth`,
			'kubelet-client-certificate': `${api.cert} as the client towards the kubelets; its user is bound by ${apiserverToKubeletRbacName}`,
		},
	});
}

/** How a controller-manager or a scheduler logs in, and checks callers of its own HTTPS port: one kubeconfig for all. */
function loginFlags(plan: Plan, certId: string, kubeconfig: string, label: FileLabel, withKubeconfigFlag = true): ServiceFlag[] {
	const user = specById(plan, certId).kubernetes?.user;
	return [
		{name: 'bind-address', value: '127.0.0.1', why: 'its health and metrics port answers on this machine only'},
		...(withKubeconfigFlag ? [{name: 'kubeconfig', value: kubeconfig, why: `${label(kubeconfig)}: logs in as ${user}, the user of its default RBAC binding`}] : []),
		{name: 'authentication-kubeconfig', value: kubeconfig, why: `${withKubeconfigFlag ? 'the same' : label(kubeconfig)}, to check who calls its own HTTPS port`},
		{name: 'authorization-kubeconfig', value: kubeconfig, why: 'the same, to ask the API server whether that caller may'},
	];
}

const leaderElect = (component: string): ServiceFlag => ({name: 'leader-elect', value: 'true', why: `one ${component} acts at a time: the others wait on the lease in kube-system`});
const verbose: ServiceFlag = {name: 'v', value: '2', why: 'log which certificate files were loaded'};

/** The files a controller-manager reads, where its layout installs them. */
export type ControllerManagerFiles = {readonly kubeconfig: string; readonly signingCert: string; readonly signingKey: string; readonly rootCa: string; readonly saPrivate: string};

/** The controller-manager's flags, for either layout; `guard` checks callers of its port (kubeadm), `more` comes last. */
export function controllerManagerFlagList(plan: Plan, files: ControllerManagerFiles, layout: {label: FileLabel; signingNote?: string; guard?: readonly ServiceFlag[]; more?: readonly ServiceFlag[]}): ServiceFlag[] {
	const name = layout.label;
	const [bind, ...login] = loginFlags(plan, 'kube-controller-manager', files.kubeconfig, name);
	return [
		bind!,
		{name: 'cluster-name', value: plan.topology.cluster, why: 'the cluster name of every kubeconfig'},
		...login,
		...(layout.guard ?? []),
		leaderElect('controller-manager'),
		{name: 'cluster-signing-cert-file', value: files.signingCert, why: `${name(files.signingCert)}: signs approved CertificateSigningRequests (kubelet certificates) with the cluster CA${layout.signingNote ?? ''}`},
		{name: 'cluster-signing-key-file', value: files.signingKey, why: `${name(files.signingKey)}: the CA's private key, which is why it is on the masters`},
		{name: 'root-ca-file', value: files.rootCa, why: `${name(files.rootCa)}: put in every namespace's kube-root-ca.crt, so pods can trust the API server`},
		{name: 'service-account-private-key-file', value: files.saPrivate, why: `${name(files.saPrivate)}: signs the tokens of the service accounts it creates`},
		{name: 'use-service-account-credentials', value: 'true', why: 'each controller acts as its own service account, with only the rights its role gives'},
		...(layout.more ?? []),
		{name: 'service-cluster-ip-range', value: plan.topology.serviceCIDR, why: 'the same range as the API server\'s'},
		verbose,
	];
}

/** The controller-manager's flags on one master. */
export function controllerManagerFlags(plan: Plan, master: Host, bundles: readonly Bundle[] = distribution(plan)): ServiceFlag[] {
	const at = (file: string) => installedAt(bundles, master.name, file, installDirs.kubernetes);
	const ca = hardwayPaths(specById(plan, 'ca'));
	const signing = signingPaths(plan, specById(plan, 'ca'));
	const saPair = hardwayPaths(specById(plan, 'service-account'));
	return controllerManagerFlagList(
		plan,
		{kubeconfig: at(kubeconfigFile(plan, 'kube-controller-manager')), signingCert: at(signing.cert), signingKey: at(signing.key), rootCa: at(ca.cert), saPrivate: at(saPair.key)},
		{label: baseLabel, signingNote: plan.rotation ? ' (during a CA rotation: the one CA that signs now; this flag takes one certificate, not a bundle)' : undefined},
	);
}

/** The scheduler's flags, for either layout: with `config` its configuration file carries the kubeconfig and leader election. */
export function schedulerFlagList(plan: Plan, kubeconfig: string, label: FileLabel, config?: ServiceFlag): ServiceFlag[] {
	const login = loginFlags(plan, 'kube-scheduler', kubeconfig, label, !config);
	return [...(config ? [config, ...login] : [...login, leaderElect('scheduler')]), {...verbose, why: 'log which files were loaded'}];
}

/** The scheduler's flags: its configuration file carries the kubeconfig. */
export function schedulerFlags(plan: Plan, master: Host, bundles: readonly Bundle[] = distribution(plan)): ServiceFlag[] {
	const kubeconfig = installedAt(bundles, master.name, kubeconfigFile(plan, 'kube-scheduler'), installDirs.kubernetes);
	const config = installedAt(bundles, master.name, unitPath(master.name, componentConfigNames.scheduler));
	return schedulerFlagList(plan, kubeconfig, baseLabel, {name: 'config', value: config, why: `${componentConfigNames.scheduler}: names its kubeconfig and turns on leader election`});
}

function kubeconfigFile(plan: Plan, certId: string): string {
	const spec = kubeconfigSpecs(plan).find(k => k.certId === certId);
	if (!spec) throw new Error(`bug: no kubeconfig for ${certId}`);
	return spec.file;
}

/** KubeSchedulerConfiguration on one master. */
export function schedulerConfigFields(plan: Plan, master: Host, bundles: readonly Bundle[] = distribution(plan)): Field[] {
	return [
		{path: ['apiVersion'], value: 'kubescheduler.config.k8s.io/v1'},
		{path: ['kind'], value: 'KubeSchedulerConfiguration'},
		{
			path: ['clientConnection', 'kubeconfig'],
			value: installedAt(bundles, master.name, kubeconfigFile(plan, 'kube-scheduler'), installDirs.kubernetes),
			why: `${kubeconfigFile(plan, 'kube-scheduler')}: logs in as system:kube-scheduler, the user of its default RBAC binding`,
		},
		{path: ['leaderElection', 'leaderElect'], value: true, why: 'one scheduler acts at a time: the others wait on the lease in kube-system'},
	];
}

/** The kubelet's flags on one node, for either layout: the rest is in its configuration file. */
export function kubeletFlagList(node: Host, config: {path: string; why: string}, kubeconfig: string, label: FileLabel): ServiceFlag[] {
	return [
		{name: 'config', value: config.path, why: config.why},
		{name: 'kubeconfig', value: kubeconfig, why: `${label(kubeconfig)}: logs in as system:node:${node.name} (group system:nodes), which the Node authorizer accepts`},
		{name: 'hostname-override', value: node.name, why: 'the Node name must equal the name in its certificate, or the Node authorizer refuses it'},
		verbose,
	];
}

/** The kubelet's flags on one worker: the rest is in its configuration file. */
export function kubeletFlags(plan: Plan, worker: Host, bundles: readonly Bundle[] = distribution(plan)): ServiceFlag[] {
	const config = installedAt(bundles, worker.name, unitPath(worker.name, componentConfigNames.kubelet));
	// The guide installs the kubelet's kubeconfig as /var/lib/kubelet/kubeconfig: the reason names the file of the output folder.
	const file = kubeconfigFile(plan, `kubelet:${worker.name}`);
	return kubeletFlagList(worker, {path: config, why: `${componentConfigNames.kubelet}: its CA, serving certificate and authorization`}, installedAt(bundles, worker.name, file), () => file);
}

/** The head of a KubeletConfiguration, for either layout: who may call the kubelet's API, checked with `clientCa`. */
export function kubeletAuthFields(clientCa: {path: string; why: string}, authorizationWhy: string): Field[] {
	return [
		{path: ['apiVersion'], value: 'kubelet.config.k8s.io/v1beta1'},
		{path: ['kind'], value: 'KubeletConfiguration'},
		{path: ['authentication', 'anonymous', 'enabled'], value: false, why: 'no anonymous calls to the kubelet API'},
		{path: ['authentication', 'webhook', 'enabled'], value: true, why: 'service account tokens are checked with the API server (TokenReview)'},
		{path: ['authentication', 'x509', 'clientCAFile'], value: clientCa.path, why: clientCa.why},
		{path: ['authorization', 'mode'], value: 'Webhook', why: authorizationWhy},
	];
}

/** KubeletConfiguration on one worker. */
export function kubeletConfigFields(plan: Plan, worker: Host, bundles: readonly Bundle[] = distribution(plan)): Field[] {
	const kubelet = hardwayPaths(specById(plan, `kubelet:${worker.name}`));
	const ca = hardwayPaths(specById(plan, 'ca'));
	return [
		...kubeletAuthFields(
			{path: installedAt(bundles, worker.name, ca.cert), why: `${ca.cert}: a client certificate from the cluster CA (the API server's ${hardwayPaths(specById(plan, 'apiserver')).cert}) logs in as its CN`},
			`asks the API server (SubjectAccessReview) whether that user may: ${apiserverToKubeletRbacName} grants it`,
		),
		{
			path: ['tlsCertFile'],
			value: installedAt(bundles, worker.name, kubelet.cert),
			why: `${kubelet.cert}: served on port 10250; the API server checks it against ${ca.cert} and ${worker.ip}`,
		},
		{path: ['tlsPrivateKeyFile'], value: installedAt(bundles, worker.name, kubelet.key), why: 'its private key'},
		{path: ['clusterDomain'], value: plan.topology.clusterDomain, why: `the domain of kubernetes.default.svc.<domain>, a SAN of ${hardwayPaths(specById(plan, 'apiserver')).cert}`},
		{path: ['clusterDNS'], value: [clusterDnsIp(plan)], why: 'not PKI: the cluster DNS Service, inside the service range'},
	];
}

/** kube-proxy's flags on one worker. */
export function kubeProxyFlags(plan: Plan, worker: Host, bundles: readonly Bundle[] = distribution(plan)): ServiceFlag[] {
	return [{name: 'config', value: installedAt(bundles, worker.name, unitPath(worker.name, componentConfigNames.kubeProxy)), why: `${componentConfigNames.kubeProxy}: names its kubeconfig`}];
}

/** KubeProxyConfiguration on one worker. */
export function kubeProxyConfigFields(plan: Plan, worker: Host, bundles: readonly Bundle[] = distribution(plan)): Field[] {
	return [
		{path: ['apiVersion'], value: 'kubeproxy.config.k8s.io/v1alpha1'},
		{path: ['kind'], value: 'KubeProxyConfiguration'},
		{
			path: ['clientConnection', 'kubeconfig'],
			value: installedAt(bundles, worker.name, kubeconfigFile(plan, 'kube-proxy')),
			why: `${kubeconfigFile(plan, 'kube-proxy')}: logs in as system:kube-proxy, bound to ClusterRole system:node-proxier`,
		},
		{path: ['mode'], value: 'iptables', why: 'not PKI: how Services are programmed'},
	];
}

/** A flag as the command line has it. */
export function flagText(flag: Pick<ServiceFlag, 'name' | 'value'>): string {
	return flag.value === true ? `--${flag.name}` : `--${flag.name}=${flag.value}`;
}

export function unitText(title: string, description: string, binary: string, flags: readonly ServiceFlag[], after: string): string {
	return [
		`# ${title}, written by kubepki.`,
		'# What each flag reads, and why:',
		...flags.map(flag => `#   --${flag.name}: ${flag.why}`),
		'[Unit]',
		`Description=${description}`,
		'Documentation=https://kubernetes.io/docs/reference/command-line-tools-reference/',
		`After=${after}`,
		'',
		'[Service]',
		`ExecStart=${binary} \\`,
		...flags.map((flag, index) => `  ${flagText(flag)}${index < flags.length - 1 ? ' \\' : ''}`),
		'Restart=on-failure',
		'RestartSec=5',
		'',
		'[Install]',
		'WantedBy=multi-user.target',
		'',
	].join('\n');
}

/** A YAML document with a comment above each field that has a reason. */
export function configText(title: string, fields: readonly Field[]): string {
	const plain: Record<string, unknown> = {};
	for (const field of fields) {
		let at = plain;
		for (const key of field.path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
		at[field.path.at(-1)!] = field.value;
	}

	// Built from the whole object, so every key is a node that can carry a comment.
	const doc = new Document(plain);
	for (const field of fields) {
		if (!field.why) continue;
		const parent = field.path.length > 1 ? doc.getIn(field.path.slice(0, -1), true) : doc.contents;
		const pair = (parent as {items?: Array<{key: {value?: unknown; commentBefore?: string}}>}).items?.find(item => item.key.value === field.path.at(-1));
		if (pair) pair.key.commentBefore = ` ${field.why}`;
	}
	doc.commentBefore = ` ${title}, written by kubepki.`;
	return doc.toString({lineWidth: 0});
}

/** The ClusterRole and binding that let the user of the API server's certificate call every kubelet's API (logs, exec, proxy, stats). */
export function apiserverToKubeletRbac(plan: Plan): string {
	const user = specById(plan, 'apiserver').kubernetes?.user;
	if (!user) throw new Error('bug: the API server certificate has no Kubernetes user');
	const name = 'system:kube-apiserver-to-kubelet';
	const role = {
		apiVersion: 'rbac.authorization.k8s.io/v1',
		kind: 'ClusterRole',
		metadata: {name, annotations: {'rbac.authorization.kubernetes.io/autoupdate': 'true'}, labels: {'kubernetes.io/bootstrapping': 'rbac-defaults'}},
		rules: [{apiGroups: [''], resources: ['nodes/proxy', 'nodes/stats', 'nodes/log', 'nodes/spec', 'nodes/metrics'], verbs: ['*']}],
	};
	const binding = {
		apiVersion: 'rbac.authorization.k8s.io/v1',
		kind: 'ClusterRoleBinding',
		metadata: {name: `${name}:${user}`},
		roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name},
		subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user}],
	};
	return [
		`# The kubelets ask the API server (Webhook authorization) whether a caller may use their API. The API server`,
		`# calls them as user ${user} (the CN of ${hardwayPaths(specById(plan, 'apiserver')).cert}, --kubelet-client-certificate), which has no such right`,
		'# by default: kubectl logs/exec would be Forbidden. Apply once, from a master:',
		`#   kubectl --kubeconfig ${kubeconfigName(specById(plan, 'admin').file)} apply -f ${apiserverToKubeletRbacName}`,
		`${stringify(role)}---`,
		stringify(binding),
	].join('\n');
}

/** TCP load balancing to every API server: TLS passes through, so clients see the API server's certificate and present their own. */
export function haproxyConfig(plan: Plan): string {
	const {loadBalancer, masters} = plan.topology;
	const address = (ip: string) => (ipFamily(ip) === 6 ? `[${ip}]` : ip);
	return [
		`# haproxy on the load balancer ${loadBalancer.name} of cluster ${plan.topology.cluster}, written by kubepki.`,
		'# TCP, not HTTP: the API servers terminate TLS themselves, so client certificates reach them unchanged.',
		'defaults',
		'  mode tcp',
		'  timeout connect 5s',
		'  # kubectl watches and kubelets keep connections open for a long time',
		'  timeout client 1h',
		'  timeout server 1h',
		'  # a connection refused by a stopped API server is tried again on another one',
		'  option redispatch',
		'  retries 3',
		'',
		'frontend kube-apiserver',
		`  bind ${address(loadBalancer.ip)}:${apiServerPort}`,
		'  default_backend masters',
		'',
		'backend masters',
		'  balance roundrobin',
		'  default-server inter 2s fall 2 rise 2',
		...masters.map(m => `  server ${m.name} ${address(m.ip)}:${apiServerPort} check`),
		'',
	].join('\n');
}

// The load balancer's configuration file (not a machine of the bundles: the copy script leaves it to you, the playbook copies it).
export {haproxyConfigName} from './placement.js';

/** The load balancer as a machine of the Ansible playbook: its configuration, from the top of the output folder, to /etc/haproxy/. */
export function loadBalancerHost(plan: Plan): AnsibleHost {
	const {loadBalancer} = plan.topology;
	return {
		host: loadBalancer.name,
		ip: loadBalancer.ip,
		group: 'loadbalancers',
		files: [{from: haproxyConfigName, installTo: [`${installDirs.haproxy}/${haproxyConfigName}`], services: ['haproxy']}],
	};
}

/** Every unit and configuration file of the hard way, one folder per machine, plus the RBAC manifest and haproxy's configuration. */
export function unitFiles(plan: Plan): OutputFile[] {
	const bundles = distribution(plan);
	const {cluster} = plan.topology;
	const file = (host: string, name: string, content: string): OutputFile => ({path: unitPath(host, name), content, mode: 0o644, kind: 'unit'});
	const known = new Set([...serviceFiles.master, ...serviceFiles.worker].map(s => s.file));
	const files: OutputFile[] = [];
	for (const master of plan.topology.masters) {
		files.push(
			file(master.name, unitFileName('kube-apiserver'), unitText(`kube-apiserver on ${master.name} of cluster ${cluster}`, 'Kubernetes API Server', `${binDir}/kube-apiserver`, apiserverFlags(plan, master, bundles), `network.target ${etcdInstall.unitName}`)),
			file(master.name, unitFileName('kube-controller-manager'), unitText(`kube-controller-manager on ${master.name} of cluster ${cluster}`, 'Kubernetes Controller Manager', `${binDir}/kube-controller-manager`, controllerManagerFlags(plan, master, bundles), `network.target ${unitFileName('kube-apiserver')}`)),
			file(master.name, unitFileName('kube-scheduler'), unitText(`kube-scheduler on ${master.name} of cluster ${cluster}`, 'Kubernetes Scheduler', `${binDir}/kube-scheduler`, schedulerFlags(plan, master, bundles), `network.target ${unitFileName('kube-apiserver')}`)),
			file(master.name, componentConfigNames.scheduler, configText(`kube-scheduler on ${master.name} of cluster ${cluster}`, schedulerConfigFields(plan, master, bundles))),
		);
	}

	for (const worker of plan.topology.workers) {
		files.push(
			file(worker.name, unitFileName('kubelet'), unitText(`kubelet on ${worker.name} of cluster ${cluster}`, 'Kubernetes Kubelet', `${binDir}/kubelet`, kubeletFlags(plan, worker, bundles), 'network.target containerd.service')),
			file(worker.name, componentConfigNames.kubelet, configText(`kubelet on ${worker.name} of cluster ${cluster}`, kubeletConfigFields(plan, worker, bundles))),
			file(worker.name, unitFileName('kube-proxy'), unitText(`kube-proxy on ${worker.name} of cluster ${cluster}`, 'Kubernetes Kube Proxy', `${binDir}/kube-proxy`, kubeProxyFlags(plan, worker, bundles), 'network.target')),
			file(worker.name, componentConfigNames.kubeProxy, configText(`kube-proxy on ${worker.name} of cluster ${cluster}`, kubeProxyConfigFields(plan, worker, bundles))),
		);
	}

	for (const made of files) {
		if (!known.has(made.path.split('/').at(-1)!)) throw new Error(`bug: ${made.path} has no place in serviceFiles`);
	}

	return [
		...files,
		{path: apiserverToKubeletRbacName, content: apiserverToKubeletRbac(plan), mode: 0o644, kind: 'rbac'},
		{path: haproxyConfigName, content: haproxyConfig(plan), mode: 0o644, kind: 'haproxy'},
	];
}
