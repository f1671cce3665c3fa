import {parse as parseYaml, stringify} from 'yaml';
import {urlHost} from './ip.js';
import {fileModes, kubeconfigName} from './placement.js';
import {specById, type Plan} from './plan.js';
import type {Issued} from './pki/issue.js';
import type {Problem} from './topology.js';
import type {OutputFile} from './write.js';

/** The API server's secure port, as the guide and kubeadm use it. */
export const apiServerPort = 6443;

/** One kubeconfig the hard way makes: whose identity it carries, where it connects, where it goes. */
export type KubeconfigSpec = {
	/** File name (placement's kubeconfigName of the certificate's base name). */
	readonly file: string;
	/** The plan id of the client certificate embedded in it. */
	readonly certId: string;
	/** The user entry's name: the certificate's CN, which is also the Kubernetes user name. */
	readonly user: string;
	readonly server: string;
	/** Who reads it. */
	readonly component: string;
	/** Why this server: the wizard shows it next to the URL. */
	readonly why: string;
	/** Machines it is copied to. */
	readonly hosts: readonly string[];
};

export function apiServerUrl(host: string): string {
	return `https://${urlHost(host)}:${apiServerPort}`;
}

/** The kubeconfigs of the multi-master hard way (reference §4), derived from the plan. */
export function kubeconfigSpecs(plan: Plan): KubeconfigSpec[] {
	const {topology} = plan;
	const masters = topology.masters.map(m => m.name);
	const workers = topology.workers.map(w => w.name);
	// Workers are not masters: they reach the API servers through the load balancer.
	const viaLb = apiServerUrl(topology.loadBalancer.ip);
	const lbWhy = `the load balancer ${topology.loadBalancer.name}, which spreads workers over every master`;
	// Controller-manager, scheduler and the guide's admin run on a master and talk to the API server next to them.
	const local = apiServerUrl('127.0.0.1');
	const localWhy = 'runs on a master and talks to the API server on the same machine';
	const file = (certId: string) => kubeconfigName(specById(plan, certId).file);
	const user = (certId: string) => {
		const spec = specById(plan, certId);
		if (!spec.kubernetes) throw new Error(`bug: ${certId} is not a client certificate`);
		return spec.kubernetes.user;
	};

	return [
		...topology.workers.map(
			(worker): KubeconfigSpec => ({
				file: file(`kubelet:${worker.name}`),
				certId: `kubelet:${worker.name}`,
				user: user(`kubelet:${worker.name}`),
				server: viaLb,
				component: `kubelet (${worker.name})`,
				why: lbWhy,
				hosts: [worker.name],
			}),
		),
		{file: file('kube-proxy'), certId: 'kube-proxy', user: user('kube-proxy'), server: viaLb, component: 'kube-proxy', why: lbWhy, hosts: workers},
		{
			file: file('kube-controller-manager'),
			certId: 'kube-controller-manager',
			user: user('kube-controller-manager'),
			server: local,
			component: 'kube-controller-manager',
			why: localWhy,
			hosts: masters,
		},
		{file: file('kube-scheduler'), certId: 'kube-scheduler', user: user('kube-scheduler'), server: local, component: 'kube-scheduler', why: localWhy, hosts: masters},
		topology.adminServer === 'loadBalancer'
			? {
					file: file('admin'),
					certId: 'admin',
					user: user('admin'),
					server: viaLb,
					component: 'kubectl (admin)',
					why: `adminServer: loadBalancer: kubectl on a workstation reaches every master through ${topology.loadBalancer.name}, whose address is in the API server's SANs`,
					hosts: masters,
				}
			: {file: file('admin'), certId: 'admin', user: user('admin'), server: local, component: 'kubectl (admin)', why: localWhy, hosts: masters},
	];
}

/** The kubeconfig document, as kubectl writes it. */
export type Kubeconfig = {
	apiVersion: 'v1';
	kind: 'Config';
	preferences: Record<string, never>;
	clusters: Array<{name: string; cluster: {'certificate-authority-data': string; server: string}}>;
	users: Array<{name: string; user: {'client-certificate-data': string; 'client-key-data': string}}>;
	contexts: Array<{name: string; context: {cluster: string; user: string}}>;
	'current-context': string;
};

export type KubeconfigInput = {
	readonly cluster: string;
	readonly server: string;
	readonly caPem: string;
	readonly user: string;
	readonly certPem: string;
	readonly keyPem: string;
};

export const defaultContext = 'default';

/**
 * One cluster, one user, one context naming exactly those two, and current-context set to it.
 * (The guide's worker loop names a cluster in its context that it never defined; built this way it cannot.)
 */
export function buildKubeconfig(input: KubeconfigInput): Kubeconfig {
	const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
	return {
		apiVersion: 'v1',
		kind: 'Config',
		preferences: {},
		clusters: [{name: input.cluster, cluster: {'certificate-authority-data': b64(input.caPem), server: input.server}}],
		users: [{name: input.user, user: {'client-certificate-data': b64(input.certPem), 'client-key-data': b64(input.keyPem)}}],
		contexts: [{name: defaultContext, context: {cluster: input.cluster, user: input.user}}],
		'current-context': defaultContext,
	};
}

/*
 * A kubeconfig is always the same few keys, and its values are nearly always names, URLs and base64: such a value
 * the yaml package writes as it is (a plain scalar). Writing those lines here skips its document model (a fifth of
 * a 50-worker generate's CPU went to kubeconfigs). Any value that might need quoting (a space, a flow or comment
 * character, a word YAML reads as true, null or a number...) sends the whole document through `stringify` instead,
 * so the text is the package's in every case (test/core/kubeconfig-yaml.test.ts compares both).
 */
const plainScalar = /^[A-Za-z][\w./+=@-]*(?::[\w./+=@-]+)*$/;
const yamlWords = /^(?:y|n|yes|no|true|false|on|off|null)$/i;
const isPlain = (value: string) => plainScalar.test(value) && !yamlWords.test(value);

export function kubeconfigYaml(config: Kubeconfig): string {
	const {clusters, users, contexts} = config;
	const keys = (object: object) => Object.keys(object).join();
	const shape =
		keys(config) === 'apiVersion,kind,preferences,clusters,users,contexts,current-context' &&
		config.apiVersion === 'v1' &&
		config.kind === 'Config' &&
		keys(config.preferences) === '' &&
		[clusters, users, contexts].every(list => Array.isArray(list) && list.length > 0) &&
		clusters.every(c => keys(c) === 'name,cluster' && keys(c.cluster) === 'certificate-authority-data,server') &&
		users.every(u => keys(u) === 'name,user' && keys(u.user) === 'client-certificate-data,client-key-data') &&
		contexts.every(c => keys(c) === 'name,context' && keys(c.context) === 'cluster,user');
	// lineWidth 0: base64 stays on one line, as kubectl writes it.
	if (!shape) return stringify(config, {lineWidth: 0});
	const values = [
		...clusters.flatMap(c => [c.name, c.cluster['certificate-authority-data'], c.cluster.server]),
		...users.flatMap(u => [u.name, u.user['client-certificate-data'], u.user['client-key-data']]),
		...contexts.flatMap(c => [c.name, c.context.cluster, c.context.user]),
		config['current-context'],
	];
	if (!values.every(value => typeof value === 'string' && isPlain(value))) return stringify(config, {lineWidth: 0});
	const lines = ['apiVersion: v1', 'kind: Config', 'preferences: {}', 'clusters:'];
	for (const c of clusters) {
		lines.push(`  - name: ${c.name}`, '    cluster:', `      certificate-authority-data: ${c.cluster['certificate-authority-data']}`, `      server: ${c.cluster.server}`);
	}

	lines.push('users:');
	for (const u of users) lines.push(`  - name: ${u.name}`, '    user:', `      client-certificate-data: ${u.user['client-certificate-data']}`, `      client-key-data: ${u.user['client-key-data']}`);
	lines.push('contexts:');
	for (const c of contexts) lines.push(`  - name: ${c.name}`, '    context:', `      cluster: ${c.context.cluster}`, `      user: ${c.context.user}`);
	lines.push(`current-context: ${config['current-context']}`);
	return lines.join('\n') + '\n';
}

/** Every kubeconfig of the plan as files (0600: they hold private keys). */
export function kubeconfigFiles(plan: Plan, issued: readonly Issued[]): OutputFile[] {
	const byId = new Map(issued.map(item => [item.spec.id, item]));
	const ca = byId.get('ca');
	if (!ca) throw new Error('bug: kubeconfigs need the issued CA');
	return kubeconfigSpecs(plan).map(spec => {
		const client = byId.get(spec.certId);
		if (!client) throw new Error(`bug: ${spec.certId} was not issued`);
		const config = buildKubeconfig({
			cluster: plan.topology.cluster,
			server: spec.server,
			caPem: ca.certPem,
			user: spec.user,
			certPem: client.certPem,
			keyPem: client.keyPem,
		});
		return {path: spec.file, content: kubeconfigYaml(config), mode: fileModes.kubeconfig, kind: 'kubeconfig', certId: spec.certId};
	});
}

// ---------------------------------------------------------------------------------------------------
// Reading kubeconfigs (viewer, lint). Input is whatever the user points at: never throw, report.

export type KubeconfigProblemCode =
	| 'wrong-kind'
	| 'not-a-list'
	| 'missing-name'
	| 'duplicate-name'
	| 'bad-base64'
	| 'not-pem'
	| 'missing-server'
	| 'bad-server'
	| 'context-cluster-missing'
	| 'context-user-missing'
	| 'no-current-context'
	| 'current-context-missing';

export type KubeconfigProblem = Problem & {readonly code: KubeconfigProblemCode};

export type KubeconfigCluster = {
	readonly name: string;
	readonly server?: string;
	/** Decoded certificate-authority-data. */
	readonly caPem?: string;
	/** certificate-authority (a path), not read here. */
	readonly caFile?: string;
	readonly insecureSkipTlsVerify: boolean;
};

export type KubeconfigUser = {
	readonly name: string;
	/** Decoded client-certificate-data. */
	readonly certPem?: string;
	/** Decoded client-key-data. A private key: never print or log it. */
	readonly keyPem?: string;
	readonly certFile?: string;
	readonly keyFile?: string;
	/** How this user authenticates: the first method found. */
	readonly auth: 'client-certificate' | 'token' | 'basic' | 'exec' | 'auth-provider' | 'none';
};

export type KubeconfigContext = {readonly name: string; readonly cluster: string; readonly user: string; readonly namespace?: string};

export type ParsedKubeconfig = {
	readonly clusters: readonly KubeconfigCluster[];
	readonly users: readonly KubeconfigUser[];
	readonly contexts: readonly KubeconfigContext[];
	readonly currentContext?: string;
	readonly problems: readonly KubeconfigProblem[];
};

export type KubeconfigParseResult = {readonly ok: true; readonly kubeconfig: ParsedKubeconfig} | {readonly ok: false; readonly error: string};

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw => Boolean(value) && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Read a kubeconfig (YAML or JSON). A file that is not a kubeconfig at all is `{ok: false, error}`;
 * a kubeconfig with mistakes is parsed as far as possible and the mistakes are listed in `problems`.
 */
export function parseKubeconfig(input: string): KubeconfigParseResult {
	let raw: unknown;
	try {
		// The yaml package caps alias expansion, so a "billion laughs" file fails here instead of eating memory.
		raw = parseYaml(input, {prettyErrors: false});
	} catch (error) {
		const first = error instanceof Error ? (error.message.split('\n')[0] ?? '') : '';
		return {ok: false, error: `not valid YAML: ${first}`};
	}

	if (!isRecord(raw)) return {ok: false, error: 'not a kubeconfig: expected a mapping with clusters, users and contexts'};
	if (!['clusters', 'users', 'contexts', 'current-context'].some(key => key in raw)) {
		return {ok: false, error: 'not a kubeconfig: none of clusters, users, contexts or current-context is present'};
	}

	const problems: KubeconfigProblem[] = [];
	const add = (code: KubeconfigProblemCode, field: string, value: string, message: string) => problems.push({code, field, value, message});

	if (raw.kind !== undefined && raw.kind !== 'Config') add('wrong-kind', 'kind', String(raw.kind), 'a kubeconfig has kind: Config');

	// Each list holds {name, <item>: {...}}; kubectl ignores entries without a name, so do we (with a problem).
	const entries = (key: 'clusters' | 'users' | 'contexts', inner: string): Array<{name: string; body: Raw}> => {
		const list = raw[key];
		if (list === undefined || list === null) return [];
		if (!Array.isArray(list)) {
			add('not-a-list', key, typeof list, `${key} must be a list`);
			return [];
		}

		const seen = new Set<string>();
		const result: Array<{name: string; body: Raw}> = [];
		for (const [index, item] of list.entries()) {
			const name = isRecord(item) ? text(item.name) : undefined;
			if (!isRecord(item) || name === undefined) {
				add('missing-name', `${key}[${index}].name`, '', 'an entry without a name cannot be used');
				continue;
			}

			if (seen.has(name)) add('duplicate-name', `${key}[${index}].name`, name, `the name appears twice in ${key}; kubectl uses the first`);
			else {
				seen.add(name);
				result.push({name, body: isRecord(item[inner]) ? item[inner] : {}});
			}
		}

		return result;
	};

	const clusters = entries('clusters', 'cluster').map(({name, body}): KubeconfigCluster => {
		const field = `clusters[${name}]`;
		const server = text(body.server);
		if (server === undefined) add('missing-server', `${field}.server`, '', 'no server URL');
		else if (!isHttpsUrl(server)) add('bad-server', `${field}.server`, server, 'not an https:// URL with a host');
		return {
			name,
			server,
			caPem: decodePem(body['certificate-authority-data'], `${field}.certificate-authority-data`, 'CERTIFICATE', add),
			caFile: text(body['certificate-authority']),
			insecureSkipTlsVerify: body['insecure-skip-tls-verify'] === true,
		};
	});

	const users = entries('users', 'user').map(({name, body}): KubeconfigUser => {
		const field = `users[${name}]`;
		const certPem = decodePem(body['client-certificate-data'], `${field}.client-certificate-data`, 'CERTIFICATE', add);
		const keyPem = decodePem(body['client-key-data'], `${field}.client-key-data`, 'PRIVATE KEY', add, true);
		const certFile = text(body['client-certificate']);
		const keyFile = text(body['client-key']);
		const auth: KubeconfigUser['auth'] =
			certPem || certFile
				? 'client-certificate'
				: text(body.token) || text(body.tokenFile)
					? 'token'
					: text(body.username)
						? 'basic'
						: isRecord(body.exec)
							? 'exec'
							: isRecord(body['auth-provider'])
								? 'auth-provider'
								: 'none';
		return {name, certPem, keyPem, certFile, keyFile, auth};
	});

	const clusterNames = new Set(clusters.map(c => c.name));
	const userNames = new Set(users.map(u => u.name));
	const contexts = entries('contexts', 'context').map(({name, body}): KubeconfigContext => {
		const cluster = text(body.cluster) ?? '';
		const user = text(body.user) ?? '';
		if (!clusterNames.has(cluster)) {
			add('context-cluster-missing', `contexts[${name}].cluster`, cluster, 'names a cluster this file does not define ("no server found for cluster")');
		}

		if (!userNames.has(user)) add('context-user-missing', `contexts[${name}].user`, user, 'names a user this file does not define');
		return {name, cluster, user, ...(text(body.namespace) && {namespace: text(body.namespace)})};
	});

	const currentContext = text(raw['current-context']);
	if (currentContext === undefined) add('no-current-context', 'current-context', '', 'not set: kubectl needs --context to use this file');
	else if (!contexts.some(c => c.name === currentContext)) {
		add('current-context-missing', 'current-context', currentContext, `context "${currentContext}" does not exist in this file`);
	}

	return {ok: true, kubeconfig: {clusters, users, contexts, currentContext, problems}};
}

function isHttpsUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return url.protocol === 'https:' && url.hostname !== '';
	} catch {
		return false;
	}
}

/** Decode one `*-data` field: base64 of a PEM block with the expected label. */
function decodePem(
	value: unknown,
	field: string,
	label: 'CERTIFICATE' | 'PRIVATE KEY',
	add: (code: KubeconfigProblemCode, field: string, value: string, message: string) => void,
	secret = false,
): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	// A private key never goes into a problem's value: problems are printed.
	const shown = (raw: string) => (secret ? `(${raw.length} characters)` : raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
	if (typeof value !== 'string') {
		add('bad-base64', field, typeof value, 'must be base64 text');
		return undefined;
	}

	const compact = value.replace(/\s+/g, '');
	if (!/^[A-Za-z\d+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
		add('bad-base64', field, shown(value), 'is not base64');
		return undefined;
	}

	const decoded = Buffer.from(compact, 'base64').toString('utf8');
	// Labels: CERTIFICATE; PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY.
	const block = label === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;
	if (!block.test(decoded)) {
		add('not-pem', field, secret ? '' : shown(value), `decodes to something that is not a PEM ${label === 'CERTIFICATE' ? 'certificate' : 'private key'}`);
		return undefined;
	}

	return decoded;
}
