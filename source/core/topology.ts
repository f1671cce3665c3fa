import {parse as parseYaml} from 'yaml';
import {firstServiceIp, hostBits, ipFamily, normalizeIp, parseCidr} from './ip.js';

/** Key algorithms kubepki can make; RSA-2048 is what the guide and kubeadm use. */
export const algorithms = ['rsa-2048', 'rsa-4096', 'ecdsa-p256'] as const;
export type Algorithm = (typeof algorithms)[number];

export type Host = {readonly name: string; readonly ip: string};

/** The cluster, validated and with every default filled in. */
export type Topology = {
	readonly cluster: string;
	readonly serviceCIDR: string;
	readonly clusterDomain: string;
	readonly loadBalancer: Host;
	readonly masters: readonly Host[];
	readonly workers: readonly Host[];
	readonly algorithm: Algorithm;
	/** Lifetimes in hours. */
	readonly validity: {readonly ca: number; readonly leaf: number};
	readonly extraSANs: readonly string[];
};

/**
 * One thing wrong with the input: which field (`workers[3].ip`, as the file spells it), the value found, what
 * is wrong, and for a row of a host list the host's name when it has one.
 */
export type Problem = {readonly field: string; readonly value: string; readonly message: string; readonly name?: string};

export type TopologyResult = {ok: true; topology: Topology} | {ok: false; problems: Problem[]};

const rowNouns: Record<string, string> = {masters: 'master', workers: 'worker', extraSANs: 'extra SAN'};

/** A list row as people count it: `workers[3]` is "worker 4". */
function rowName(list: string, index: string): string {
	return `${rowNouns[list]} ${Number(index) + 1}`;
}

/**
 * Where a problem is, in people's words: `workers[3].ip` of node4 is "worker 4 (node4): ip"; a field that
 * is not a list row stays as the file spells it (`serviceCIDR`).
 */
export function problemPlace(problem: Pick<Problem, 'field' | 'name'>): string {
	const row = /^(masters|workers|extraSANs)\[(\d+)\](?:\.(.+))?$/.exec(problem.field);
	if (!row) return problem.field;
	const who = `${rowName(row[1]!, row[2]!)}${problem.name ? ` (${problem.name})` : ''}`;
	return row[3] ? `${who}: ${row[3]}` : who;
}

/** The one-line form the CLI prints and the wizard shows under a field. */
export function formatProblem(problem: Problem): string {
	// "is already used by masters[0]" names the other row the same way.
	const message = problem.message.replaceAll(/\b(masters|workers)\[(\d+)\]/g, (_, list: string, index: string) => rowName(list, index));
	return `${problemPlace(problem)}: ${message} (got ${JSON.stringify(problem.value)})`;
}

export const defaultValidity = {ca: 87_600, leaf: 8760} as const;

/** The built-in example cluster: the multi-master hard-way guide's machines. */
export const exampleCluster = {
	cluster: 'kubernetes-the-hard-way',
	serviceCIDR: '10.32.0.0/24',
	clusterDomain: 'cluster.local',
	loadBalancer: {name: 'lb', ip: '10.128.15.226'},
	masters: [
		{name: 'master1', ip: '10.128.15.221'},
		{name: 'master2', ip: '10.128.15.222'},
	],
	workers: [
		{name: 'node1', ip: '10.128.15.223'},
		{name: 'node2', ip: '10.128.15.224'},
	],
} as const;

export const exampleClusterYaml = `cluster: kubernetes-the-hard-way     # cluster name used in every kubeconfig
serviceCIDR: 10.32.0.0/24            # the API server's service IP is its first address (10.32.0.1)
clusterDomain: cluster.local
loadBalancer: {name: lb, ip: 10.128.15.226}
masters:
  - {name: master1, ip: 10.128.15.221}
  - {name: master2, ip: 10.128.15.222}
workers:
  - {name: node1, ip: 10.128.15.223}
  - {name: node2, ip: 10.128.15.224}
`;

const dns1123Label = /^[a-z\d]([a-z\d-]{0,61}[a-z\d])?$/;
const dns1123Subdomain = /^(?=.{1,253}$)[a-z\d]([a-z\d-]{0,61}[a-z\d])?(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*$/;
const nodeCfgLine = /^\s*([^\s:#]+):(\S+)\s*$/;
const knownKeys = new Set([
	'cluster',
	'serviceCIDR',
	'clusterDomain',
	'loadBalancer',
	'masters',
	'workers',
	'algorithm',
	'validity',
	'extraSANs',
]);

/** A DNS name usable as a SAN (lower case, labels of 1-63 characters), optionally a leading wildcard. */
export function isDnsName(value: string): boolean {
	return dns1123Subdomain.test(value.startsWith('*.') ? value.slice(2) : value);
}

/**
 * Parse a cluster file: the YAML schema of DESIGN.md, or the guide's node.cfg (one `name:ip` per line),
 * which gives the workers of the example cluster.
 */
export function parseClusterFile(text: string): TopologyResult {
	const lines = text.split(/\r?\n/).filter(line => line.trim() && !line.trim().startsWith('#'));
	if (lines.length > 0 && lines.every(line => nodeCfgLine.test(line))) {
		const workers = lines.map(line => {
			const [, name = '', ip = ''] = nodeCfgLine.exec(line) ?? [];
			return {name, ip};
		});
		return validateTopology({...exampleCluster, workers});
	}

	let raw: unknown;
	try {
		raw = parseYaml(text);
	} catch (error) {
		const message = error instanceof Error ? error.message.split('\n')[0] ?? 'invalid YAML' : 'invalid YAML';
		return {ok: false, problems: [{field: 'file', value: text.slice(0, 40), message: `not valid YAML: ${message}`}]};
	}

	return validateTopology(raw);
}

/** Check every field of a cluster description and fill in the defaults. */
/** Names whose files a worker's `<name>.pem`, `<name>-key.pem` and `<name>.kubeconfig` would overwrite. */
const componentFiles = ['ca', 'admin', 'kube-proxy', 'kube-controller-manager', 'kube-scheduler', 'kubernetes', 'service-account'];
const reservedWorkerNames = new Set(componentFiles.flatMap(name => [name, `${name}-key`]));

/**
 * The folder beside the host folders (nodes/ansible/, or ansible/ in the kubeadm layout) that holds the Ansible
 * inventory and playbook: no host may have its name.
 */
export const ansibleDirName = 'ansible';

export function validateTopology(raw: unknown): TopologyResult {
	const problems: Problem[] = [];
	const add = (field: string, value: unknown, message: string, name?: unknown) => {
		const shown = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
		problems.push({field, value: shown, message, ...(typeof name === 'string' && name !== '' ? {name} : {})});
	};

	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
		add('file', raw, 'expected a mapping with cluster, serviceCIDR, loadBalancer, masters and workers');
		return {ok: false, problems};
	}

	const input = raw as Record<string, unknown>;
	for (const key of Object.keys(input)) {
		if (!knownKeys.has(key)) add(key, key, `unknown key; expected one of ${[...knownKeys].join(', ')}`);
	}

	const text = (field: string, fallback?: string): string => {
		const value = input[field] ?? fallback;
		if (typeof value !== 'string' || value.trim() === '') {
			add(field, value ?? '', 'is required and must be text');
			return '';
		}

		return value.trim();
	};

	const cluster = text('cluster', exampleCluster.cluster);
	// The cluster name ends up in kubeconfigs and in file names of the bundles.
	if (cluster && !/^[A-Za-z\d][\w.-]{0,252}$/.test(cluster)) {
		add('cluster', cluster, 'must be letters, digits, ".", "_" or "-", starting with a letter or digit');
	}

	const serviceCIDR = text('serviceCIDR', exampleCluster.serviceCIDR);
	const cidr = serviceCIDR ? parseCidr(serviceCIDR) : undefined;
	if (serviceCIDR && !cidr) add('serviceCIDR', serviceCIDR, 'is not a CIDR such as 10.32.0.0/24');
	else if (cidr && hostBits(cidr) < 2) {
		add('serviceCIDR', serviceCIDR, 'leaves no room for services (a /30 or larger range is needed)');
	} else if (cidr && cidr.family === 6 && hostBits(cidr) > 20) {
		// The API server refuses IPv6 service ranges with more than 20 host bits (a /108 or smaller).
		add('serviceCIDR', serviceCIDR, 'is too large for kube-apiserver: an IPv6 service range must be /108 or smaller');
	} else if (cidr && cidr.family === 4 && cidr.prefix < 12) {
		add('serviceCIDR', serviceCIDR, 'is too large for kube-apiserver: an IPv4 service range must be /12 or smaller');
	}

	const clusterDomain = text('clusterDomain', exampleCluster.clusterDomain);
	if (clusterDomain && !dns1123Subdomain.test(clusterDomain)) {
		add('clusterDomain', clusterDomain, 'must be a lower-case DNS name such as cluster.local');
	}

	const host = (field: string, value: unknown): Host | undefined => {
		let name: unknown;
		let ip: unknown;
		if (typeof value === 'string' && nodeCfgLine.test(value)) {
			[, name, ip] = nodeCfgLine.exec(value) ?? [];
		} else if (value && typeof value === 'object' && !Array.isArray(value)) {
			({name, ip} = value as Record<string, unknown>);
		} else {
			add(field, value, 'expected {name, ip} or "name:ip"');
			return undefined;
		}

		let good = true;
		if (typeof name !== 'string' || name === '') {
			add(`${field}.name`, name ?? '', 'is required');
			good = false;
		} else if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('..')) {
			// The name becomes a file name (node1.pem, nodes/node1/): refuse anything that leaves the folder.
			add(`${field}.name`, name, 'would escape the output folder; use a plain host name');
			good = false;
		} else if (!dns1123Label.test(name)) {
			add(`${field}.name`, name, 'must be a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters');
			good = false;
		}

		if (typeof ip !== 'string' || !ipFamily(ip)) {
			add(`${field}.ip`, ip ?? '', 'is not an IPv4 or IPv6 address', name);
			good = false;
		}

		return good ? {name: name as string, ip: normalizeIp(ip as string)} : undefined;
	};

	const hosts = (field: 'masters' | 'workers', minimum: number): Host[] => {
		const value = input[field] ?? exampleCluster[field];
		if (!Array.isArray(value)) {
			add(field, value, 'must be a list of {name, ip}');
			return [];
		}

		if (value.length < minimum) add(field, value, `needs at least ${minimum} entries`);
		return value.flatMap((item, index) => host(`${field}[${index}]`, item) ?? []);
	};

	const loadBalancer = host('loadBalancer', input.loadBalancer ?? exampleCluster.loadBalancer);
	const masters = hosts('masters', 1);
	const workers = hosts('workers', 1);

	const seenNames = new Map<string, string>();
	const seenIps = new Map<string, string>();
	const all: Array<[string, Host | undefined]> = [
		['loadBalancer', loadBalancer],
		...masters.map((h, i): [string, Host] => [`masters[${i}]`, h]),
		...workers.map((h, i): [string, Host] => [`workers[${i}]`, h]),
	];
	for (const [field, h] of all) {
		if (!h) continue;
		const name = seenNames.get(h.name);
		if (name) add(`${field}.name`, h.name, `is already used by ${name}`);
		else seenNames.set(h.name, field);
		const ip = seenIps.get(h.ip);
		if (ip) add(`${field}.ip`, h.ip, `is already used by ${ip}`, h.name);
		else seenIps.set(h.ip, field);
		if (h.name === ansibleDirName) {
			add(`${field}.name`, h.name, `is the name of the folder of the Ansible playbook beside the host folders; choose another host name`);
		}

		if (field.startsWith('workers') && reservedWorkerNames.has(h.name)) {
			// A worker's files are <name>.pem, <name>-key.pem and <name>.kubeconfig, next to the components' own.
			add(`${field}.name`, h.name, `would overwrite the ${h.name.replace(/-key$/, '')} certificate files; choose another host name`);
		}

		if (cidr && parseCidr(`${h.ip}/${cidr.prefix}`)?.network === cidr.network && ipFamily(h.ip) === cidr.family) {
			add(`${field}.ip`, h.ip, `lies inside serviceCIDR ${serviceCIDR}; machines and services need separate ranges`, h.name);
		}
	}

	let algorithm: Algorithm = 'rsa-2048';
	if (input.algorithm !== undefined) {
		if (typeof input.algorithm === 'string' && (algorithms as readonly string[]).includes(input.algorithm)) {
			algorithm = input.algorithm as Algorithm;
		} else add('algorithm', input.algorithm, `must be one of ${algorithms.join(', ')}`);
	}

	const validity: {ca: number; leaf: number} = {...defaultValidity};
	if (input.validity !== undefined) {
		const v = input.validity;
		if (!v || typeof v !== 'object' || Array.isArray(v)) add('validity', v, 'must be {ca: 87600h, leaf: 8760h}');
		else {
			for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
				if (key !== 'ca' && key !== 'leaf') {
					add(`validity.${key}`, key, 'unknown key; expected ca or leaf');
					continue;
				}

				const hours = parseHours(value);
				if (hours === undefined) add(`validity.${key}`, value, 'must be a duration in hours or days, such as 8760h or 365d');
				else validity[key] = hours;
			}

			if (validity.leaf > validity.ca) {
				add('validity.leaf', `${validity.leaf}h`, `is longer than the CA's ${validity.ca}h; a leaf cannot outlive its CA`);
			}
		}
	}

	const extraSANs: string[] = [];
	if (input.extraSANs !== undefined) {
		if (!Array.isArray(input.extraSANs)) add('extraSANs', input.extraSANs, 'must be a list of DNS names or IPs');
		else {
			for (const [index, san] of input.extraSANs.entries()) {
				const problem = sanProblem(san);
				if (problem) add(`extraSANs[${index}]`, san, problem);
				else extraSANs.push(ipFamily(san as string) ? normalizeIp(san as string) : (san as string));
			}
		}
	}

	if (problems.length > 0 || !cidr || !loadBalancer) return {ok: false, problems};
	return {
		ok: true,
		topology: {
			cluster,
			serviceCIDR: `${cidr.network}/${cidr.prefix}`,
			clusterDomain,
			loadBalancer,
			masters,
			workers,
			algorithm,
			validity,
			extraSANs,
		},
	};
}

/** Why a SAN is not acceptable, or undefined when it is a valid DNS name or IP. */
export function sanProblem(value: unknown): string | undefined {
	if (typeof value !== 'string' || value === '') return 'must be a DNS name or an IP address';
	if (ipFamily(value)) return undefined;
	if (!isDnsName(value)) return 'is neither an IP address nor a lower-case DNS name';
	return undefined;
}

/** "8760h", "365d" or a number of hours. */
export function parseHours(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
	if (typeof value !== 'string') return undefined;
	const match = /^(\d+)(h|d)$/.exec(value.trim());
	if (!match) return undefined;
	const hours = Number(match[1]) * (match[2] === 'd' ? 24 : 1);
	return hours > 0 ? hours : undefined;
}

/** The API server's in-cluster IP, from the service range. */
export function serviceIp(topology: Topology): string {
	const cidr = parseCidr(topology.serviceCIDR);
	if (!cidr) throw new Error(`bug: unvalidated serviceCIDR ${topology.serviceCIDR}`);
	return firstServiceIp(cidr);
}

export function exampleTopology(): Topology {
	const result = validateTopology(exampleCluster);
	if (!result.ok) throw new Error('bug: the example cluster does not validate');
	return result.topology;
}
