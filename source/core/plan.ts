import {ipFamily} from './ip.js';
import {hardwayCaCert, hardwayNames, hardwayPaths, hardwayStem, kubeadmConfName, kubeadmServiceAccount, kubeadmStem, rotationPaths} from './placement.js';
import {expiresSoonDays, serviceIp, serviceIps, type Algorithm, type Topology} from './topology.js';

export type {Role} from './roles.js';
import type {Role} from './roles.js';

export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

/** A subject alternative name, with the reason it is there (the wizard shows the reason). */
export type San = {readonly type: 'dns' | 'ip'; readonly value: string; readonly why: string};

/** Who reads a file and through which flag or field. */
export type Consumer = {readonly component: string; readonly flag: string};

/** Everything kubepki needs to know to make, show, script and check one certificate. */
export type CertSpec = {
	/** Stable id, unique in the plan: `ca`, `kubelet:node1`, `apiserver`, ... */
	readonly id: string;
	/** Base file name of the layout (placement.ts turns it into file names: hardwayStem, kubeadmStem). */
	readonly file: string;
	readonly role: Role;
	/** Short human title: "Kubelet of node1". */
	readonly title: string;
	/** One sentence: why this certificate exists. */
	readonly purpose: string;
	readonly commonName: string;
	readonly organizations: readonly string[];
	readonly isCA: boolean;
	readonly extKeyUsages: readonly ExtKeyUsage[];
	readonly sans: readonly San[];
	readonly validityHours: number;
	/** `self` for a root CA, otherwise the id of the CA spec that signs it. */
	readonly signer: 'self' | string;
	readonly algorithm: Algorithm;
	/** The user and groups the API server sees when this certificate authenticates (client certs only). */
	readonly kubernetes?: {readonly user: string; readonly groups: readonly string[]};
	readonly consumers: readonly Consumer[];
	/** Host names the certificate and the key are copied to (kubeconfig-only certs go nowhere as files). */
	readonly copyTo: {readonly cert: readonly string[]; readonly key: readonly string[]};
};

/** Which set of files the plan is for: the guide's names (one CA), or kubeadm's (three CAs, /etc/kubernetes). */
export const layouts = ['hardway', 'kubeadm'] as const;
export type Layout = (typeof layouts)[number];

export function isLayout(value: string): value is Layout {
	return (layouts as readonly string[]).includes(value);
}

export type Plan = {
	readonly topology: Topology;
	readonly serviceIp: string;
	readonly certs: readonly CertSpec[];
	/** Absent means the hard way. */
	readonly layout?: Layout;
	/** Set while a CA is being replaced (kubepki rotate-ca, between start and finish). */
	readonly rotation?: Rotation;
};

/**
 * The two in-between states of a CA rotation: `started` (every trust file holds the old and the new CA, every leaf
 * is still the old CA's) and `reissued` (every leaf is the new CA's, trust still both). `cas`: the CA spec ids rotated.
 */
export type RotationPhase = 'started' | 'reissued';
export type Rotation = {readonly phase: RotationPhase; readonly cas: readonly string[]};

export type PlanOptions = {readonly layout?: Layout; readonly rotation?: Rotation};

/** The certificate plan of the multi-master hard way (or of kubeadm's layout): one spec per certificate. */
export function buildPlan(topology: Topology, options: PlanOptions = {}): Plan {
	const rotation = options.rotation ? {rotation: options.rotation} : {};
	if (options.layout === 'kubeadm') return {topology, serviceIp: serviceIp(topology), certs: kubeadmCerts(topology), layout: 'kubeadm', ...rotation};
	const masters = topology.masters.map(m => m.name);
	const workers = topology.workers.map(w => w.name);
	const all = [...masters, ...workers];
	const leafHours = topology.validity.leaf;
	const common = {isCA: false, signer: 'ca', algorithm: topology.algorithm, validityHours: leafHours} as const;
	const client = (user: string, groups: string[]) => ({
		commonName: user,
		organizations: groups,
		extKeyUsages: ['clientAuth'] as ExtKeyUsage[],
		sans: [] as San[],
		kubernetes: {user, groups},
	});

	const ca: CertSpec = {
		id: 'ca',
		file: hardwayStem('ca'),
		role: 'ca',
		title: 'Cluster certificate authority',
		purpose: `Signs every other certificate; whoever trusts ${hardwayCaCert} trusts them all.`,
		commonName: 'Kubernetes',
		organizations: ['Kubernetes'],
		isCA: true,
		extKeyUsages: [],
		sans: [],
		validityHours: topology.validity.ca,
		signer: 'self',
		algorithm: topology.algorithm,
		consumers: [
			{component: 'kube-apiserver', flag: '--client-ca-file'},
			{component: 'kube-apiserver', flag: '--kubelet-certificate-authority'},
			{component: 'kube-apiserver', flag: '--etcd-cafile'},
			{component: 'kube-controller-manager', flag: '--cluster-signing-cert-file / --cluster-signing-key-file'},
			{component: 'kube-controller-manager', flag: '--root-ca-file'},
			{component: 'kubelet', flag: 'authentication.x509.clientCAFile'},
			{component: 'etcd', flag: '--trusted-ca-file / --peer-trusted-ca-file'},
			{component: 'every kubeconfig', flag: 'certificate-authority-data'},
		],
		copyTo: {cert: all, key: masters},
	};

	const kubelets: CertSpec[] = topology.workers.map(worker => ({
		...common,
		id: `kubelet:${worker.name}`,
		file: hardwayStem(`kubelet:${worker.name}`),
		role: 'kubelet',
		title: `Kubelet of ${worker.name}`,
		purpose: `Identifies the kubelet on ${worker.name} to the API server (Node authorizer) and serves its HTTPS port for logs and exec.`,
		commonName: `system:node:${worker.name}`,
		organizations: ['system:nodes'],
		// Client: the kubelet talks to the API server. Server: the API server calls the kubelet (logs, exec).
		extKeyUsages: ['serverAuth', 'clientAuth'],
		sans: [
			{type: 'dns', value: worker.name, why: 'the host name the API server uses to reach this kubelet'},
			...worker.ips.map((ip): San => ({type: 'ip', value: ip, why: 'kubectl logs/exec reach the kubelet by IP; without it: "doesn\'t contain any IP SANs"'})),
		],
		kubernetes: {user: `system:node:${worker.name}`, groups: ['system:nodes']},
		consumers: [
			{component: `kubelet (${worker.name})`, flag: `${hardwayNames(`kubelet:${worker.name}`).kubeconfig} client-certificate-data`},
			{component: `kubelet (${worker.name})`, flag: 'tlsCertFile / tlsPrivateKeyFile'},
		],
		copyTo: {cert: [worker.name], key: [worker.name]},
	}));

	const controllerManager: CertSpec = {
		...common,
		...client('system:kube-controller-manager', ['system:kube-controller-manager']),
		id: 'kube-controller-manager',
		file: hardwayStem('kube-controller-manager'),
		role: 'controller-manager',
		title: 'kube-controller-manager client',
		purpose: 'The controller manager logs in to the API server; its CN matches the default RBAC binding system:kube-controller-manager.',
		consumers: [{component: 'kube-controller-manager', flag: hardwayNames('kube-controller-manager').kubeconfig}],
		copyTo: {cert: [], key: []},
	};

	const scheduler: CertSpec = {
		...common,
		...client('system:kube-scheduler', ['system:kube-scheduler']),
		id: 'kube-scheduler',
		file: hardwayStem('kube-scheduler'),
		role: 'scheduler',
		title: 'kube-scheduler client',
		purpose: 'The scheduler logs in to the API server; its CN matches the default RBAC binding system:kube-scheduler.',
		consumers: [{component: 'kube-scheduler', flag: hardwayNames('kube-scheduler').kubeconfig}],
		copyTo: {cert: [], key: []},
	};

	const proxy: CertSpec = {
		...common,
		...client('system:kube-proxy', ['system:node-proxier']),
		id: 'kube-proxy',
		file: hardwayStem('kube-proxy'),
		role: 'proxy',
		title: 'kube-proxy client',
		purpose: 'kube-proxy on every worker watches Services and Endpoints; user system:kube-proxy is bound to ClusterRole system:node-proxier.',
		consumers: [{component: 'kube-proxy', flag: hardwayNames('kube-proxy').kubeconfig}],
		copyTo: {cert: [], key: []},
	};

	const admin: CertSpec = {
		...common,
		...client('admin', ['system:masters']),
		id: 'admin',
		file: hardwayStem('admin'),
		role: 'admin',
		title: 'Cluster administrator',
		purpose: 'kubectl as the administrator; group system:masters is bound to cluster-admin and can never be restricted.',
		consumers: [{component: 'kubectl', flag: hardwayNames('admin').kubeconfig}],
		copyTo: {cert: [], key: []},
	};

	const apiserver: CertSpec = {
		...common,
		id: 'apiserver',
		file: hardwayStem('apiserver'),
		role: 'apiserver',
		title: 'API server',
		purpose: 'The API server presents it to every client; in the guide it also serves etcd and is the API server\'s client cert towards etcd and kubelets.',
		commonName: 'kubernetes',
		organizations: ['Kubernetes'],
		// Server for its clients; client towards etcd and the kubelets, as the guide uses it.
		extKeyUsages: ['serverAuth', 'clientAuth'],
		sans: apiServerSans(topology),
		kubernetes: {user: 'kubernetes', groups: ['Kubernetes']},
		consumers: [
			{component: 'kube-apiserver', flag: '--tls-cert-file / --tls-private-key-file'},
			{component: 'kube-apiserver', flag: '--etcd-certfile / --etcd-keyfile'},
			{component: 'kube-apiserver', flag: '--kubelet-client-certificate / --kubelet-client-key'},
			{component: 'etcd', flag: '--cert-file / --key-file / --peer-cert-file / --peer-key-file'},
		],
		copyTo: {cert: masters, key: masters},
	};

	const serviceAccount: CertSpec = {
		...common,
		id: 'service-account',
		file: hardwayStem('service-account'),
		role: 'service-account',
		title: 'Service account token signer',
		purpose: 'A key pair, not an identity: the private key signs service account tokens, the public key verifies them.',
		commonName: 'service-accounts',
		organizations: ['Kubernetes'],
		extKeyUsages: ['clientAuth'],
		sans: [],
		consumers: [
			{component: 'kube-apiserver', flag: '--service-account-key-file (public)'},
			{component: 'kube-apiserver', flag: '--service-account-signing-key-file (private)'},
			{component: 'kube-controller-manager', flag: '--service-account-private-key-file'},
		],
		copyTo: {cert: masters, key: masters},
	};

	return {
		topology,
		serviceIp: serviceIp(topology),
		certs: [ca, ...kubelets, controllerManager, scheduler, proxy, admin, apiserver, serviceAccount],
		...rotation,
	};
}

/** The API server's SANs, each with its reason; duplicates (a master named like an extra SAN) appear once. */
export function apiServerSans(topology: Topology): San[] {
	const list: San[] = [
		...serviceIps(topology).map((ip): San => ({type: 'ip', value: ip, why: `first address of serviceCIDR ${topology.serviceCIDR}: pods reach the API at this IP`})),
		...topology.masters.flatMap((m): San[] => [
			...m.ips.map((ip): San => ({type: 'ip', value: ip, why: `master ${m.name}: components and etcd peers connect to this IP`})),
			{type: 'dns', value: m.name, why: `master ${m.name} by host name`},
		]),
		...topology.loadBalancer.ips.map((ip): San => ({type: 'ip', value: ip, why: 'the load balancer: kubelets and kube-proxy come in through it'})),
		{type: 'dns', value: topology.loadBalancer.name, why: 'the load balancer by host name'},
		{type: 'ip', value: '127.0.0.1', why: 'components on the masters (controller-manager, scheduler, admin) use https://127.0.0.1:6443'},
		{type: 'dns', value: 'localhost', why: 'the same, by name'},
		{type: 'dns', value: 'kubernetes', why: 'the default Service in the default namespace, short name'},
		{type: 'dns', value: 'kubernetes.default', why: 'the default Service, with its namespace'},
		{type: 'dns', value: 'kubernetes.default.svc', why: 'the default Service, svc form'},
		{type: 'dns', value: `kubernetes.default.svc.${topology.clusterDomain}`, why: 'the default Service, fully qualified with clusterDomain'},
		...topology.extraSANs.map((value): San => ({type: ipFamily(value) ? 'ip' : 'dns', value, why: 'extra SAN from the cluster file'})),
	];
	const seen = new Set<string>();
	return list.filter(san => {
		const key = `${san.type}:${san.value}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/**
 * A leaf this close to its end is due: generate re-issues it instead of keeping it, lint warns (expires-soon),
 * and it is the default window of expiry and renew. 30 days, as kubeadm's and cert-manager's renewal windows.
 */
export const renewWithinDays = expiresSoonDays;

// Where files go: placement.ts (re-exported for the modules that import them from here).
export {hardwayPaths, rotationPaths} from './placement.js';

/** The certificate and key a CA signs with in this plan (the controller-manager's --cluster-signing-*): its own, or during a rotation the old (started) or new (reissued) pair. */
export function signingPaths(plan: Plan, spec: CertSpec, paths: {cert: string; key: string} = hardwayPaths(spec)): {cert: string; key: string} {
	if (!plan.rotation?.cas.includes(spec.id)) return paths;
	const rotating = rotationPaths(paths);
	return plan.rotation.phase === 'started' ? {cert: rotating.old, key: paths.key} : rotating.next;
}

/** Roots first, then intermediates, then leaves: each certificate comes after the one that signs it. */
export function signingOrder(specs: readonly CertSpec[]): CertSpec[] {
	const rank = (spec: CertSpec) => (spec.signer === 'self' ? 0 : spec.isCA ? 1 : 2);
	return [...specs].sort((a, b) => rank(a) - rank(b));
}

export function specById(plan: Plan, id: string): CertSpec {
	const spec = plan.certs.find(c => c.id === id);
	if (!spec) throw new Error(`bug: no certificate ${id} in the plan`);
	return spec;
}

/*
 * kubeadm's certificates (reference §7, and kubeadm's own certificate list as of 1.29+): three roots
 * (the cluster CA, etcd's CA and the front proxy's CA), the API server's jobs split into one certificate
 * each, etcd's server and peer certificates per master, and the client identities kubeadm embeds in
 * /etc/kubernetes/*.conf. Under kubeadm every node, masters included, runs a kubelet, so every node gets
 * a kubelet identity of its own; the kubelet's serving certificate is its own (self-signed or bootstrapped).
 */
function kubeadmCerts(topology: Topology): CertSpec[] {
	const masters = topology.masters.map(m => m.name);
	const nodes = [...topology.masters, ...topology.workers];
	const {algorithm} = topology;
	const nowhere = {cert: [], key: []};
	const root = (id: string, commonName: string, title: string, purpose: string, consumers: Consumer[], copyTo: CertSpec['copyTo']): CertSpec => ({
		id,
		file: kubeadmStem(id),
		role: 'ca',
		title,
		purpose,
		commonName,
		organizations: [],
		isCA: true,
		extKeyUsages: [],
		sans: [],
		validityHours: topology.validity.ca,
		signer: 'self',
		algorithm,
		consumers,
		copyTo,
	});
	const leaf = (spec: Omit<CertSpec, 'isCA' | 'validityHours' | 'algorithm' | 'sans' | 'file'> & {sans?: San[]; file?: string}): CertSpec => ({
		file: kubeadmStem(spec.id),
		sans: [],
		...spec,
		isCA: false,
		validityHours: topology.validity.leaf,
		algorithm,
	});
	// A client the API server authenticates: CN is the user, O the groups.
	const client = (user: string, groups: string[]) => ({
		commonName: user,
		organizations: groups,
		extKeyUsages: ['clientAuth'] as ExtKeyUsage[],
		kubernetes: {user, groups},
	});
	const etcdSans = (host: {name: string; ips: readonly string[]}): San[] => [
		{type: 'dns', value: host.name, why: `the member ${host.name} by host name`},
		{type: 'dns', value: 'localhost', why: 'etcdctl and the health check on the same machine'},
		...host.ips.map((ip): San => ({type: 'ip', value: ip, why: `the member's own address: the API servers and the other members connect to it`})),
		{type: 'ip', value: '127.0.0.1', why: 'the API server on the same master (kubeadm lists https://127.0.0.1:2379 first)'},
		{type: 'ip', value: '::1', why: 'the same over IPv6 loopback'},
	];
	// kubeadm 1.29+: the admin's .conf is in kubeadm:cluster-admins, a group bound to cluster-admin by a binding
	// kubeadm creates and you can remove; system:masters can never be restricted, so only the super-admin's has it.
	const clusterAdmins = 'kubeadm:cluster-admins';

	const ca = root('ca', 'kubernetes', 'Cluster certificate authority', 'Signs the API server, its kubelet client and every identity in the .conf files.', [
		{component: 'kube-apiserver', flag: '--client-ca-file'},
		{component: 'kube-controller-manager', flag: '--cluster-signing-cert-file / --cluster-signing-key-file, --root-ca-file'},
		{component: 'kubelet', flag: 'authentication.x509.clientCAFile'},
		{component: 'every .conf', flag: 'certificate-authority-data'},
	], {cert: nodes.map(n => n.name), key: masters});
	const frontProxyCa = root('front-proxy-ca', 'front-proxy-ca', 'Front proxy certificate authority', 'A CA of its own, so a front-proxy client certificate can never log in to the API server as a user.', [
		{component: 'kube-apiserver', flag: '--requestheader-client-ca-file'},
		{component: 'kube-controller-manager', flag: '--requestheader-client-ca-file'},
	], {cert: masters, key: masters});
	const etcdCa = root('etcd-ca', 'etcd-ca', 'etcd certificate authority', 'Trusted only by etcd and by the API server towards etcd: a cluster certificate cannot reach etcd.', [
		{component: 'etcd', flag: '--trusted-ca-file / --peer-trusted-ca-file'},
		{component: 'kube-apiserver', flag: '--etcd-cafile'},
	], {cert: masters, key: masters});

	const apiserver = leaf({
		id: 'apiserver',
		role: 'apiserver',
		title: 'API server',
		purpose: 'The API server presents it to every client; under kubeadm it serves only (its client jobs have certificates of their own).',
		commonName: 'kube-apiserver',
		organizations: [],
		extKeyUsages: ['serverAuth'],
		sans: apiServerSans(topology),
		signer: 'ca',
		consumers: [{component: 'kube-apiserver', flag: '--tls-cert-file / --tls-private-key-file'}],
		copyTo: {cert: masters, key: masters},
	});
	const kubeletClient = leaf({
		...client('kube-apiserver-kubelet-client', [clusterAdmins]),
		id: 'apiserver-kubelet-client',
		role: 'apiserver-kubelet-client',
		title: 'API server → kubelet client',
		purpose: 'The API server logs in to the kubelets with it (logs, exec, port-forward); the kubelet asks the API server whether this user may.',
		signer: 'ca',
		consumers: [{component: 'kube-apiserver', flag: '--kubelet-client-certificate / --kubelet-client-key'}],
		copyTo: {cert: masters, key: masters},
	});
	const frontProxyClient = leaf({
		id: 'front-proxy-client',
		role: 'front-proxy-client',
		title: 'Front proxy client',
		purpose: 'The API server proxies requests to aggregated APIs (metrics-server) with it, passing the user in headers.',
		commonName: 'front-proxy-client',
		organizations: [],
		extKeyUsages: ['clientAuth'],
		signer: 'front-proxy-ca',
		consumers: [{component: 'kube-apiserver', flag: '--proxy-client-cert-file / --proxy-client-key-file'}],
		copyTo: {cert: masters, key: masters},
	});
	const etcdMembers = topology.masters.flatMap(master => [
		leaf({
			id: `etcd-server:${master.name}`,
			role: 'etcd-server',
			title: `etcd server on ${master.name}`,
			purpose: `etcd on ${master.name} serves clients with it; clientAuth too, which etcd 3.2+ wants on its server certificate.`,
			commonName: master.name,
			organizations: [],
			extKeyUsages: ['serverAuth', 'clientAuth'],
			sans: etcdSans(master),
			signer: 'etcd-ca',
			consumers: [{component: `etcd (${master.name})`, flag: '--cert-file / --key-file'}],
			copyTo: {cert: [master.name], key: [master.name]},
		}),
		leaf({
			id: `etcd-peer:${master.name}`,
			role: 'etcd-peer',
			title: `etcd peer on ${master.name}`,
			purpose: `The etcd members are servers and clients of each other: ${master.name} presents this one on the peer port.`,
			commonName: master.name,
			organizations: [],
			extKeyUsages: ['serverAuth', 'clientAuth'],
			sans: etcdSans(master),
			signer: 'etcd-ca',
			consumers: [{component: `etcd (${master.name})`, flag: '--peer-cert-file / --peer-key-file'}],
			copyTo: {cert: [master.name], key: [master.name]},
		}),
	]);
	const healthcheck = leaf({
		id: 'etcd-healthcheck-client',
		role: 'etcd-healthcheck-client',
		title: 'etcd health check client',
		purpose: 'The liveness probe of etcd\'s static pod (etcdctl endpoint health) logs in with it.',
		commonName: 'kube-etcd-healthcheck-client',
		organizations: [],
		extKeyUsages: ['clientAuth'],
		signer: 'etcd-ca',
		consumers: [{component: 'etcd static pod', flag: 'livenessProbe (etcdctl --cert)'}],
		copyTo: {cert: masters, key: masters},
	});
	const etcdClient = leaf({
		id: 'apiserver-etcd-client',
		role: 'apiserver-etcd-client',
		title: 'API server → etcd client',
		purpose: 'The API server logs in to etcd with it; signed by etcd\'s CA, the only one etcd trusts.',
		commonName: 'kube-apiserver-etcd-client',
		organizations: [],
		extKeyUsages: ['clientAuth'],
		signer: 'etcd-ca',
		consumers: [{component: 'kube-apiserver', flag: '--etcd-certfile / --etcd-keyfile'}],
		copyTo: {cert: masters, key: masters},
	});
	const serviceAccount = leaf({
		id: 'service-account',
		role: 'service-account',
		title: 'Service account token signer',
		purpose: `A key pair, not an identity: kubeadm writes only ${kubeadmServiceAccount.key} (signs tokens) and ${kubeadmServiceAccount.pub} (verifies them).`,
		commonName: 'service-accounts',
		organizations: [],
		extKeyUsages: [],
		signer: 'ca',
		consumers: [
			{component: 'kube-apiserver', flag: `--service-account-key-file (${kubeadmServiceAccount.pub}) / --service-account-signing-key-file (${kubeadmServiceAccount.key})`},
			{component: 'kube-controller-manager', flag: '--service-account-private-key-file'},
		],
		copyTo: {cert: [], key: masters},
	});
	const admin = leaf({
		...client('kubernetes-admin', [clusterAdmins]),
		id: 'admin',
		role: 'admin',
		title: `Cluster administrator (${kubeadmConfName('admin')})`,
		purpose: 'kubectl as the administrator, through group kubeadm:cluster-admins, which kubeadm binds to cluster-admin.',
		signer: 'ca',
		consumers: [{component: 'kubectl', flag: kubeadmConfName('admin')}],
		copyTo: nowhere,
	});
	const superAdmin = leaf({
		...client('kubernetes-super-admin', ['system:masters']),
		id: 'super-admin',
		role: 'admin',
		title: `Break-glass administrator (${kubeadmConfName('super-admin')})`,
		purpose: 'system:masters bypasses RBAC and cannot be revoked: keep this one off everyday machines.',
		signer: 'ca',
		consumers: [{component: 'kubectl', flag: kubeadmConfName('super-admin')}],
		copyTo: nowhere,
	});
	const controllerManager = leaf({
		...client('system:kube-controller-manager', []),
		id: 'kube-controller-manager',
		role: 'controller-manager',
		title: `kube-controller-manager client (${kubeadmConfName('kube-controller-manager')})`,
		purpose: 'The controller manager logs in to the API server; its CN matches the default binding system:kube-controller-manager.',
		signer: 'ca',
		consumers: [{component: 'kube-controller-manager', flag: `--kubeconfig=/etc/kubernetes/${kubeadmConfName('kube-controller-manager')}`}],
		copyTo: nowhere,
	});
	const scheduler = leaf({
		...client('system:kube-scheduler', []),
		id: 'kube-scheduler',
		role: 'scheduler',
		title: `kube-scheduler client (${kubeadmConfName('kube-scheduler')})`,
		purpose: 'The scheduler logs in to the API server; its CN matches the default binding system:kube-scheduler.',
		signer: 'ca',
		consumers: [{component: 'kube-scheduler', flag: `--kubeconfig=/etc/kubernetes/${kubeadmConfName('kube-scheduler')}`}],
		copyTo: nowhere,
	});
	const kubelets = nodes.map(node =>
		leaf({
			...client(`system:node:${node.name}`, ['system:nodes']),
			id: `kubelet:${node.name}`,
			role: 'kubelet',
			title: `Kubelet of ${node.name} (${kubeadmConfName(`kubelet:${node.name}`)})`,
			purpose: `Identifies the kubelet on ${node.name} to the API server (Node authorizer); ${kubeadmConfName(`kubelet:${node.name}`)} embeds it.`,
			signer: 'ca',
			consumers: [{component: `kubelet (${node.name})`, flag: `--kubeconfig=/etc/kubernetes/${kubeadmConfName(`kubelet:${node.name}`)}`}],
			copyTo: nowhere,
		}),
	);

	return [
		ca,
		apiserver,
		kubeletClient,
		frontProxyCa,
		frontProxyClient,
		etcdCa,
		...etcdMembers,
		healthcheck,
		etcdClient,
		serviceAccount,
		admin,
		superAdmin,
		controllerManager,
		scheduler,
		...kubelets,
	];
}
