import {copyScriptPath, encryptionConfigName, hardwayNames, kubeadmConfName, manifestName} from '../core/placement.js';

// The files the prose names, as placement.ts spells them.
const caFiles = hardwayNames('ca');
const apiserver = hardwayNames('apiserver');

/**
 * What each wizard stage explains, for someone learning the hard way. Plain data: the wizard shows it in
 * the explanation pane. Facts follow shared/reference/k8s-pki.md; `mistakes` names where the popular guides
 * go wrong, so a learner who follows one of them knows what to change.
 */
export type StageText = {
	/** One line under the stage title. */
	readonly summary: string;
	readonly paragraphs: readonly string[];
	/** "The guide says X; correct is Y." */
	readonly mistakes: readonly string[];
};

export const stageTexts = {
	tools: {
		summary: 'The tools the guide uses, and whether this machine has them.',
		paragraphs: [
			'kubepki makes every key and certificate itself, with Node\'s own crypto: nothing on this list is required to continue.',
			`They are still worth having. openssl reads any certificate (\`openssl x509 -in ${caFiles.cert} -noout -text\`) and checks a chain (\`openssl verify -CAfile ${caFiles.cert} ${hardwayNames('kubelet:node1').cert}\`). cfssl and cfssljson are what the guide builds the PKI with. kubectl builds and reads kubeconfigs. etcd and etcdctl run and query the cluster's database on the masters.`,
		],
		mistakes: [
			'The cfssl multi-master guide downloads cfssl R1.2 from pkg.cfssl.org, kubectl from apt.kubernetes.io and etcd 3.3.5 from coreos/etcd. Those are gone or unsupported: use cfssl 1.6.x (github.com/cloudflare/cfssl releases; Debian 12\'s golang-cfssl is still 1.2.0, old but it works), kubectl from pkgs.k8s.io (Debian: kubernetes-client) and etcd 3.5 or 3.6 from etcd-io/etcd (Debian 12 ships 3.4). A tool marked ! above is one of those old versions.',
		],
	},
	cluster: {
		summary: 'The machines: masters, workers, the load balancer in front of the API servers, and the service range.',
		paragraphs: [
			'Every certificate follows from these few facts. Worker names become kubelet identities (system:node:<name>), so a name must be exactly the host name the kubelet registers with, in lower case. IPs go into SANs so TLS clients can check who they talk to.',
			'The service CIDR must match kube-apiserver --service-cluster-ip-range: its first address (10.32.0.0/24 gives 10.32.0.1) is the in-cluster IP of the API server, and it must be in the API server certificate.',
			'Masters and workers are written name:ip, separated by commas. The algorithm applies to every key: RSA-2048 is what the guide and kubeadm use; ECDSA P-256 is smaller and faster.',
			'The validity rows take hours or days, as in the cluster file (8760h, 365d). kubeadm gives its CA 10 years and every other certificate 1 year, and the guide\'s cfssl config signs for 8760h: keep the CA long and renew the leaves yearly; a leaf can never outlive the CA that signed it.',
			'Each field is checked with the same rules as a --config cluster file; enter edits a field, enter again saves it.',
		],
		mistakes: [
			'Today\'s Kubernetes the Hard Way leaves --service-cluster-ip-range off, so the service IP becomes 10.0.0.1 while the certificate says 10.32.0.1: pods then fail with "x509: certificate is valid for …, not 10.0.0.1". Set the flag to the same range as here.',
		],
	},
	ca: {
		summary: `One certificate authority signs everything; whoever trusts ${caFiles.cert} trusts every certificate below.`,
		paragraphs: [
			`The CA is a key pair and a self-signed certificate with basicConstraints CA:TRUE and the keyCertSign usage. Its private key, ${caFiles.key}, is the most valuable file here: anyone who has it can mint an admin certificate. It goes to the masters only (the controller-manager signs kubelet CSRs with it).`,
			`${caFiles.cert} is public. The API server checks client certificates against it (--client-ca-file), kubelets check the API server with it, etcd checks its peers and clients with it, and every kubeconfig embeds it as certificate-authority-data.`,
			'Signing means the CA computes a signature over the certificate\'s contents with its private key; anyone checks it with the CA\'s public key. A CSR is a request: the public key plus the wanted subject, signed by the requester\'s own private key to prove it holds that key.',
			'If the output folder already has a CA, kubepki signs with it instead of making a new one: a new CA would make every certificate and kubeconfig already handed out untrusted.',
		],
		mistakes: [
			'The cfssl multi-master guide calls the CSR "the public key" and ca.csr the "root CA public key": a CSR carries the public key and the requested subject, signed by the private key.',
			'The openssl walkthrough describes signing as "encrypting with the CA\'s private key"; it is a signature over the certificate\'s hash, verified with the CA\'s public key.',
		],
	},
	kubelets: {
		summary: 'Each worker\'s kubelet gets its own certificate: its identity to the API server, and the certificate of its own HTTPS port.',
		paragraphs: [
			'The API server reads a client certificate as a user: the CN is the user name, each O is a group. The Node authorizer only lets a kubelet in as user system:node:<nodeName> (singular "node") in group system:nodes, and NodeRestriction then limits it to its own Node and Pods. <nodeName> must be the name the kubelet registers.',
			'The same certificate serves the kubelet\'s port 10250 (tlsCertFile / tlsPrivateKeyFile): the API server connects to it for kubectl logs and exec. That is why it has serverAuth as well as clientAuth, and the worker\'s IP and host name as SANs; without the IP, logs and exec fail with "doesn\'t contain any IP SANs".',
			'The certificate and key go to that worker only, and into its <name>.kubeconfig.',
		],
		mistakes: [
			'The cfssl multi-master guide sets the kubelet CN to system:nodes:<NodeName>. The user must be system:node:<nodeName>; system:nodes is the group (O). With the guide\'s CN the node is refused ("User system:nodes:node1 cannot …").',
		],
	},
	components: {
		summary: 'Client certificates for the control plane components, the admin and kube-proxy, and the service account key pair.',
		paragraphs: [
			'These are client certificates: the CN becomes the Kubernetes user, each O a group, and the default RBAC bindings already expect these names. system:kube-controller-manager and system:kube-scheduler are bound to ClusterRoles of the same name; system:kube-proxy is bound to system:node-proxier.',
			`admin is in group system:masters, which is bound to cluster-admin and can never be restricted by RBAC. Keep this certificate as carefully as the CA key. (kubeadm since 1.29 gives its ${kubeadmConfName('admin')} the group kubeadm:cluster-admins instead and keeps system:masters for a break-glass ${kubeadmConfName('super-admin')}.)`,
			'OU means nothing to Kubernetes: a group in OU gives no rights. Only O counts.',
			'service-account is not an identity: it is a key pair. The API server signs service account tokens with the private key (--service-account-signing-key-file) and checks them with the public one (--service-account-key-file); the controller-manager gets the private key too (--service-account-private-key-file).',
		],
		mistakes: [
			'The openssl walkthrough makes the admin with /CN=kube-admin/OU=system:masters: OU is ignored, so that admin gets Forbidden. Use O=system:masters.',
			'The openssl walkthrough writes `openssl req … -sub "/CN=…"`; the flag is -subj. It also creates keys with 1024 bits: use 2048 or more.',
			`The cfssl multi-master guide lists ${hardwayNames('kube-proxy').cert} as the scheduler's output and describes the proxy and scheduler CSRs as "for controller-manager": copy slips, each component has its own pair.`,
			'The openssl walkthrough and the kubeadm-paths openssl guide sign with `openssl x509 -req` without -days: openssl then signs for 30 days and the cluster breaks a month later.',
		],
	},
	sans: {
		summary: 'Every name and address a client may use to reach the API server must be in its certificate.',
		paragraphs: [
			'Go clients (kubectl, kubelet, etcd, every controller) check the API server\'s name against the certificate\'s SANs only; a name only in the CN fails with "certificate relies on legacy Common Name field".',
			'The list holds the service IP (pods reach the API there), every master\'s IP and name, the load balancer\'s IP and name (kubelets and kube-proxy come in through it), 127.0.0.1 and localhost (components on the masters), and the four names of the default kubernetes Service up to kubernetes.default.svc.<clusterDomain>.',
			'Add any other name people use to reach the API (a public DNS name, a second load balancer). A missing one shows up as "x509: certificate is valid for A, B, not C".',
		],
		mistakes: [
			'The cfssl multi-master guide\'s CERT_HOSTNAME has only kubernetes.default of the Service names: kubernetes, kubernetes.default.svc and kubernetes.default.svc.cluster.local are missing.',
			'Kubernetes the Hard Way 1.18.6 lists kubernetes.svc.cluster.local, which no client uses: the name is kubernetes.default.svc.cluster.local.',
			'The openssl walkthrough puts "all names used for the API server" in the CN, and its openssl.cnf gives the API server keyUsage nonRepudiation: names go in subjectAltName; the usages are digitalSignature, keyEncipherment and serverAuth.',
		],
	},
	kubeconfigs: {
		summary: 'A kubeconfig bundles the CA, one client certificate and key, and the API server URL for one component.',
		paragraphs: [
			'Each file has one cluster (the CA and the server), one user (the client certificate and key, embedded) and one context naming both. The user\'s rights come from the certificate\'s CN and O, not from the name in the file.',
			'Workers are not masters: each kubelet and kube-proxy reaches the API servers through the load balancer. The controller-manager, the scheduler and this admin kubeconfig run on a master and use https://127.0.0.1:6443.',
			'They hold private keys, so they are written 0600.',
		],
		mistakes: [
			'The cfssl multi-master guide\'s worker loop runs set-cluster with the name mycluster but set-context with --cluster=kubernetes-the-hard-way: the context points at a cluster that does not exist ("no server found for cluster"). One name in both.',
		],
	},
	encryption: {
		summary: `kube-apiserver encrypts Secrets before they reach etcd, with a key from ${encryptionConfigName}.`,
		paragraphs: [
			'The first provider in the list encrypts every new write; all providers are tried for reads. identity (no encryption) comes last so Secrets written before encryption was turned on can still be read.',
			'Upstream recommends KMS v2, which keeps the key in an external key service. Of the providers with a local key, secretbox (XSalsa20-Poly1305) is the better choice; aescbc is kept for compatibility and is no longer recommended (CBC is open to padding-oracle attacks); aesgcm needs a new key before 2^32 writes, so use it only with automated rotation.',
			'Every master gets the same file (--encryption-provider-config): each API server must decrypt what another wrote. If the folder already has a valid file, it is kept: a new key would make the Secrets already in etcd unreadable. Check it works with `etcdctl get /registry/secrets/default/<name> | hexdump -C`: the value starts with k8s:enc:<provider>:v1:key1.',
		],
		mistakes: ['The cfssl multi-master guide calls aescbc "the recommended choice" and secretbox a "newer standard": upstream now recommends KMS v2, and secretbox over aescbc for a local key.'],
	},
	etcd: {
		summary: 'etcd runs on every master, over TLS for clients and for its peers.',
		paragraphs: [
			`Each member serves clients on 2379 and its peers on 2380, both with TLS, and with --client-cert-auth and --peer-client-cert-auth it accepts only certificates signed by the CA. As in the guide, ${apiserver.cert} is the server, peer and client certificate: it has every master's IP and 127.0.0.1, and both serverAuth and clientAuth, because peers are TLS clients of each other.`,
			'The API server reaches etcd with --etcd-servers (every member), --etcd-cafile and its own client certificate.',
			'Quorum is more than half of the members. Two members need both to write: a 2-member cluster tolerates no failure and is less available than one member. Three tolerate one failure; five tolerate two.',
		],
		mistakes: [
			'The cfssl multi-master guide builds two masters, hence a 2-member etcd: it works, but one lost member stops every write. Use three.',
			'The cfssl multi-master guide installs etcd 3.3.5 (2018, unsupported). Current releases are 3.5.x and 3.6.x.',
			`The cfssl multi-master guide copies only ${caFiles.cert}, ${caFiles.key} and kubernetes*.pem to the masters; they also need service-account*.pem, ${encryptionConfigName} and their kubeconfigs (the list below does).`,
		],
	},
	review: {
		summary: 'Every file that will be written, its mode, and where it goes. Nothing is on disk until you confirm.',
		paragraphs: [
			'Private keys and kubeconfigs are written 0600 in folders made 0700; each file atomically (a temp file, fsync, rename), so an interrupted run leaves no half-written file.',
			`The files are exactly the certificates shown in the earlier stages: the same bytes, the same fingerprints. nodes/<host>/ holds what each machine needs and ${copyScriptPath} the scp commands (kubepki never runs them).`,
			`${manifestName} records what was made from which cluster, with fingerprints; a later run in the same folder reuses the CA and keeps every leaf that is still correct.`,
		],
		mistakes: [],
	},
} as const satisfies Record<string, StageText>;

export type ContentKey = keyof typeof stageTexts;

/** Key help shown by `?`: the whole keyboard, in words. The key takes the first 10 columns of each line. */
export const helpText: readonly string[] = [
	'↑ ↓       move between rows (in the explanation: scroll it)',
	'home end  the first / the last row',
	'enter     on the row marked ›: edit, pick, or go on',
	'← →       change a choice; in the commands: sideways',
	'esc       back one stage (in a field: cancel the edit)',
	'tab       stage ⇄ explanation (in a field: save, next)',
	'pgup pgdn scroll the pane by a page; ctrl-u ctrl-d half',
	'c         the commands that do this stage by hand',
	'w         save those commands in the output folder',
	'e         save the cluster as cluster.yaml (Cluster, Review)',
	'd         remove the extra SAN under the cursor',
	'v         the viewer on the written folder (Review)',
	'q         quit (asks first); Ctrl-C quits at once',
	'',
	'In a field: ctrl-a/ctrl-e start/end, ctrl-u/ctrl-k erase to the start/end, ctrl-w the word before, alt-b/alt-f a word back/on.',
	'Nothing is written until Review & write, and then only after you confirm.',
];
