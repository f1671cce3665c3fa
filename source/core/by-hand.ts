import {encryptionConfigName, encryptionKeyBytes, type EncryptionProvider} from './encryption.js';
import {etcdInstall, etcdUnit, hardwayEtcdFiles} from './etcd.js';
import {installDirs} from './distribute.js';
import type {KubeadmConf} from './kubeadm.js';
import {kubeconfigSpecs, type KubeconfigSpec} from './kubeconfig.js';
import {kubeadmServiceAccount, publicKeyName} from './placement.js';
import {hardwayPaths, specById, type CertSpec, type ExtKeyUsage, type Plan} from './plan.js';

/*
 * The cfssl, openssl and kubectl commands that do one step of the PKI by hand: the wizard's "show command"
 * and, put together, `kubepki script`. Generated from the plan, so they ask for exactly what kubepki makes,
 * under the hard-way file names (`<file>.pem`, `<file>-key.pem`).
 */

/** The two ways of doing it by hand that `kubepki script` prints. */
export const byHandFlavors = ['cfssl', 'openssl'] as const;
export type ByHandFlavor = (typeof byHandFlavors)[number];

export function isByHandFlavor(value: string): value is ByHandFlavor {
	return (byHandFlavors as readonly string[]).includes(value);
}

/** openssl's -days takes whole days: round up, so a certificate never ends before the plan says. */
export function days(hours: number): number {
	return Math.ceil(hours / 24);
}

/** A word bash passes through unchanged: plain names as they are, anything else in single quotes. */
export function shellWord(text: string): string {
	return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** `/O=a/O=b/CN=c`, with the characters openssl's -subj treats specially escaped. */
export function opensslSubject(spec: CertSpec): string {
	const escape = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('/', '\\/').replaceAll('+', '\\+');
	return [...spec.organizations.map(o => `/O=${escape(o)}`), `/CN=${escape(spec.commonName)}`].join('');
}

/** Text for a comment line: a control character in a name must not end the comment and become a command. */
export function comment(text: string): string {
	return text.replaceAll(/[\u0000-\u001F\u007F]/g, '?');
}

function signerOf(plan: Plan, spec: CertSpec): CertSpec {
	const signer = plan.certs.find(c => c.id === spec.signer);
	if (!signer) throw new Error(`bug: signer ${spec.signer} of ${spec.id} is not in the plan`);
	return signer;
}

function opensslKeyCommand(spec: CertSpec): string {
	const out = hardwayPaths(spec).key;
	switch (spec.algorithm) {
		case 'ecdsa-p256': {
			return `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${out}`;
		}

		case 'rsa-4096': {
			return `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out ${out}`;
		}

		case 'rsa-2048': {
			return `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ${out}`;
		}
	}
}

/** Key usage as kubepki issues it: a CA signs; an RSA leaf also does key exchange (TLS 1.2 RSA suites), ECDSA never. */
function keyUsage(spec: CertSpec): string {
	if (spec.isCA) return 'keyCertSign, cRLSign, digitalSignature';
	return spec.algorithm === 'ecdsa-p256' ? 'digitalSignature' : 'digitalSignature, keyEncipherment';
}

/** The lines of the -extfile for one certificate: every extension written out, nothing left to openssl.cnf. */
export function opensslExtensions(spec: CertSpec): string[] {
	return [
		`basicConstraints = critical, CA:${spec.isCA ? 'TRUE' : 'FALSE'}`,
		`keyUsage = critical, ${keyUsage(spec)}`,
		...(spec.extKeyUsages.length > 0 ? [`extendedKeyUsage = ${spec.extKeyUsages.join(', ')}`] : []),
		...(spec.sans.length > 0 ? [`subjectAltName = ${spec.sans.map(s => `${s.type === 'ip' ? 'IP' : 'DNS'}:${s.value}`).join(', ')}`] : []),
		'subjectKeyIdentifier = hash',
		// A root names no authority; everything else points at its signer's key, so chains build by key id.
		...(spec.signer === 'self' ? [] : ['authorityKeyIdentifier = keyid']),
	];
}

/**
 * A fresh random serial for every certificate, as kubepki's own (RFC 5280 4.1.2.2, CA/B Forum: at least 64
 * random bits). The leading 4 keeps it positive and free of a leading zero byte: 16 octets, 123 random bits.
 * -CAcreateserial would count up from a .srl file instead, and leave that file behind.
 */
export const randomSerial = '-set_serial 0x4$(openssl rand -hex 15)';

/** The key, the request, the extension file and the signature for one certificate of the plan. */
export function opensslCertCommands(plan: Plan, spec: CertSpec): string[] {
	const root = spec.signer === 'self';
	const signature = root
		? [
				// -signkey: the request is signed with its own key, which is what makes it a root.
				`openssl x509 -req -in ${spec.file}.csr -signkey ${hardwayPaths(spec).key} ${randomSerial} \\`,
				`  -sha256 -days ${days(spec.validityHours)} -extfile ${spec.file}.ext -out ${hardwayPaths(spec).cert}`,
			]
		: [
				// -days matters: without it openssl signs for 30 days and the cluster stops a month later.
				`openssl x509 -req -in ${spec.file}.csr -CA ${hardwayPaths(signerOf(plan, spec)).cert} -CAkey ${hardwayPaths(signerOf(plan, spec)).key} ${randomSerial} \\`,
				`  -sha256 -days ${days(spec.validityHours)} -extfile ${spec.file}.ext -out ${hardwayPaths(spec).cert}`,
			];
	return [
		`# ${spec.title}${root ? ': a self-signed CA' : ''} (${days(spec.validityHours)} days)`,
		opensslKeyCommand(spec),
		`openssl req -new -key ${hardwayPaths(spec).key} -subj ${shellWord(opensslSubject(spec))} -out ${spec.file}.csr`,
		`cat > ${spec.file}.ext <<'EOF'`,
		...opensslExtensions(spec),
		'EOF',
		...signature,
	];
}

// ---------------------------------------------------------------------------------------------------
// cfssl: one ca-config.json with a profile per set of extended usages, one CSR JSON per certificate.

const cfsslUsageNames: Record<ExtKeyUsage, string> = {serverAuth: 'server auth', clientAuth: 'client auth'};

/** The cfssl signing profile a certificate is made with: named after what it may do. */
export function cfsslProfileName(spec: CertSpec): string {
	const server = spec.extKeyUsages.includes('serverAuth');
	const client = spec.extKeyUsages.includes('clientAuth');
	return server && client ? 'client-server' : server ? 'server' : client ? 'client' : 'signing';
}

/** JSON as a person would write it: short objects on one line, longer ones spread out. */
export function readableJson(value: unknown, indent = ''): string {
	const inline = JSON.stringify(value, null, 1).replaceAll(/\n\s*/g, ' ');
	if (value === null || typeof value !== 'object' || indent.length + inline.length <= 100) return inline;
	const inner = `${indent}  `;
	const items = Array.isArray(value)
		? value.map(item => inner + readableJson(item, inner))
		: Object.entries(value).map(([key, item]) => `${inner}${JSON.stringify(key)}: ${readableJson(item, inner)}`);
	return Array.isArray(value) ? `[\n${items.join(',\n')}\n${indent}]` : `{\n${items.join(',\n')}\n${indent}}`;
}

function cfsslExpiry(hours: number): string {
	return `${hours}h`;
}

/** ca-config.json: one profile per kind of leaf in the plan, each with the plan's usages and lifetime. */
export function cfsslCaConfig(plan: Plan): string {
	const profiles: Record<string, {usages: string[]; expiry: string}> = {};
	for (const spec of plan.certs) {
		if (spec.signer === 'self') continue;
		const name = cfsslProfileName(spec);
		const usages = [...(spec.algorithm === 'ecdsa-p256' ? ['digital signature'] : ['digital signature', 'key encipherment'])];
		profiles[name] = {usages: [...usages, ...spec.extKeyUsages.map(u => cfsslUsageNames[u])], expiry: cfsslExpiry(spec.validityHours)};
	}

	const leaf = plan.certs.find(spec => spec.signer !== 'self');
	const body = {signing: {default: {expiry: cfsslExpiry(leaf?.validityHours ?? 8760)}, profiles}};
	return readableJson(body);
}

function cfsslKey(spec: CertSpec): {algo: 'rsa' | 'ecdsa'; size: number} {
	switch (spec.algorithm) {
		case 'ecdsa-p256': {
			return {algo: 'ecdsa', size: 256};
		}

		case 'rsa-4096': {
			return {algo: 'rsa', size: 4096};
		}

		case 'rsa-2048': {
			return {algo: 'rsa', size: 2048};
		}
	}
}

/** The CSR JSON cfssl reads: CN, key, one `names` entry per O; a root also says how long it lives. */
export function cfsslCsr(spec: CertSpec): string {
	const body = {
		CN: spec.commonName,
		key: cfsslKey(spec),
		names: spec.organizations.map(o => ({O: o})),
		...(spec.signer === 'self' && {ca: {expiry: cfsslExpiry(spec.validityHours)}}),
	};
	return readableJson(body);
}

export function cfsslConfigCommands(plan: Plan): string[] {
	return ['# The signing profiles: which usages each kind of certificate gets, and for how long', "cat > ca-config.json <<'EOF'", ...cfsslCaConfig(plan).split('\n'), 'EOF'];
}

/** The CSR heredoc and the cfssl | cfssljson pipe for one certificate. */
export function cfsslCertCommands(plan: Plan, spec: CertSpec): string[] {
	const csr = [`cat > ${spec.file}-csr.json <<'EOF'`, ...cfsslCsr(spec).split('\n'), 'EOF'];
	if (spec.signer === 'self') {
		return [`# ${spec.title}: a self-signed CA`, ...csr, `cfssl gencert -initca ${spec.file}-csr.json | cfssljson -bare ${spec.file}`];
	}

	const signer = hardwayPaths(signerOf(plan, spec));
	return [
		`# ${spec.title}`,
		...csr,
		`cfssl gencert -ca=${signer.cert} -ca-key=${signer.key} -config=ca-config.json -profile=${cfsslProfileName(spec)} \\`,
		// SANs go in -hostname, as the guide does; a client certificate has none.
		...(spec.sans.length > 0 ? [`  -hostname=${shellWord(spec.sans.map(s => s.value).join(','))} \\`] : []),
		`  ${spec.file}-csr.json | cfssljson -bare ${spec.file}`,
	];
}

/** One certificate in either flavour. */
export function certCommands(plan: Plan, spec: CertSpec, flavor: ByHandFlavor): string[] {
	return flavor === 'cfssl' ? cfsslCertCommands(plan, spec) : opensslCertCommands(plan, spec);
}

// ---------------------------------------------------------------------------------------------------
// kubectl, encryption, etcd.

/** What `kubectl config` needs for one kubeconfig: the file, whose certificate, which server, the context's name. */
type KubectlConfig = {readonly file: string; readonly certId: string; readonly server: string; readonly context: string; readonly heading: string};

function kubectlConfigCommands(plan: Plan, config: KubectlConfig): string[] {
	const spec = plan.certs.find(c => c.id === config.certId);
	if (!spec?.kubernetes) throw new Error(`bug: ${config.certId} is not a client certificate of the plan`);
	const ca = signerOf(plan, spec);
	const file = `--kubeconfig=${shellWord(config.file)}`;
	const cluster = shellWord(plan.topology.cluster);
	const user = shellWord(spec.kubernetes.user);
	return [
		`# ${comment(config.heading)}`,
		`kubectl config set-cluster ${cluster} --certificate-authority=${hardwayPaths(ca).cert} --embed-certs=true \\`,
		`  --server=${shellWord(config.server)} ${file}`,
		`kubectl config set-credentials ${user} --client-certificate=${hardwayPaths(spec).cert} \\`,
		`  --client-key=${hardwayPaths(spec).key} --embed-certs=true ${file}`,
		// The same cluster name in set-cluster and set-context: the guide's worker loop uses two and breaks.
		`kubectl config set-context ${shellWord(config.context)} --cluster=${cluster} --user=${user} ${file}`,
		`kubectl config use-context ${shellWord(config.context)} ${file}`,
	];
}

/** The four kubectl calls that build one kubeconfig, certificates embedded. */
export function kubectlKubeconfigCommands(plan: Plan, kubeconfig: KubeconfigSpec): string[] {
	const {file, certId, server} = kubeconfig;
	return kubectlConfigCommands(plan, {file, certId, server, context: 'default', heading: `${kubeconfig.file}: ${kubeconfig.component} as ${kubeconfig.user}`});
}

/** The same for one of kubeadm's .conf files, made at `file`; kubeadm names the context user@cluster. */
export function kubectlConfCommands(plan: Plan, conf: KubeadmConf, file: string): string[] {
	const spec = plan.certs.find(c => c.id === conf.certId);
	const user = spec?.kubernetes?.user ?? conf.certId;
	return kubectlConfigCommands(plan, {file, certId: conf.certId, server: conf.server, context: `${user}@${plan.topology.cluster}`, heading: `${conf.file} of ${conf.host}: ${user}`});
}

/** kubeadm's service account signer is a bare key pair: the private key signs tokens, the public one checks them. */
export function serviceAccountKeyCommands(spec: CertSpec): string[] {
	return [
		`# ${spec.title}: a key pair, no certificate (kubeadm's ${kubeadmServiceAccount.key} and ${kubeadmServiceAccount.pub})`,
		opensslKeyCommand(spec),
		`openssl pkey -in ${hardwayPaths(spec).key} -pubout -out ${publicKeyName(spec)}`,
	];
}

export function kubeconfigCommands(plan: Plan): string[] {
	return kubeconfigSpecs(plan).flatMap((k, i) => [...(i > 0 ? [''] : []), ...kubectlKubeconfigCommands(plan, k)]);
}

/** A fresh key and the EncryptionConfiguration that uses it. */
export function encryptionCommands(provider: EncryptionProvider): string[] {
	return [
		`# ${encryptionKeyBytes} random bytes, base64: the key every API server uses for secrets`,
		`ENCRYPTION_KEY=$(head -c ${encryptionKeyBytes} /dev/urandom | base64)`,
		`cat > ${encryptionConfigName} <<EOF`,
		'apiVersion: apiserver.config.k8s.io/v1',
		'kind: EncryptionConfiguration',
		'resources:',
		'  - resources: [secrets]',
		'    providers:',
		`      - ${provider}:`,
		'          keys:',
		'            - name: key1',
		'              secret: ${ENCRYPTION_KEY}',
		'      - identity: {}',
		'EOF',
		`# copy it to every master; kube-apiserver --encryption-provider-config=/var/lib/kubernetes/${encryptionConfigName}`,
	];
}

/** What to run on the first master to start its etcd member (the others differ only in name and IP). */
export function etcdCommands(plan: Plan): string[] {
	const master = plan.topology.masters[0];
	if (!master) return [];
	const files = hardwayEtcdFiles(plan, master);
	const api = hardwayPaths(specById(plan, 'apiserver'));
	return [
		`# on ${master.name}: certificates where the unit expects them`,
		`sudo mkdir -p ${installDirs.etcd} ${etcdInstall.dataDir} && sudo chmod 700 ${etcdInstall.dataDir}`,
		`sudo cp ${hardwayPaths(specById(plan, 'ca')).cert} ${api.cert} ${api.key} ${installDirs.etcd}/`,
		`sudo tee ${installDirs.systemd}/${etcdInstall.unitName} > /dev/null <<'EOF'`,
		...etcdUnit(plan, master).trimEnd().split('\n'),
		'EOF',
		`sudo systemctl daemon-reload && sudo systemctl enable --now etcd`,
		`sudo ETCDCTL_API=3 etcdctl member list --endpoints=https://127.0.0.1:2379 \\`,
		`  --cacert=${files.ca} --cert=${files.cert} --key=${files.key}`,
	];
}
