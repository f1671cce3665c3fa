import {parse as parseYaml} from 'yaml';
import {addressProblem, cidrContains, firstServiceIp, hostBits, ipFamily, isLoopback, normalizeIp, parseCidr, type Cidr} from './ip.js';

import {ansibleDirName, hardwayPaths} from './placement.js';
import {algorithms, defaultAlgorithm, type Algorithm} from './pki/keys.js';

export {algorithms, type Algorithm} from './pki/keys.js';

/** A machine: `ip` is the address connections use (the first of `ips`); every one of `ips` is in its SANs. */
export type Host = {readonly name: string; readonly ip: string; readonly ips: readonly string[]};

/** Where the admin's kubeconfig points: the API server on the master it is used on (the guide), or the load balancer. */
export const adminServers = ['localhost', 'loadBalancer'] as const;
export type AdminServer = (typeof adminServers)[number];

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
	readonly adminServer: AdminServer;
};

/**
 * One thing wrong with the input: which field (`workers[3].ip`, as the file spells it), the value found, what
 * is wrong, and for a row of a host list the host's name when it has one.
 */
export type Problem = {readonly field: string; readonly value: string; readonly message: string; readonly name?: string};

/** A valid cluster may still carry warnings (a short leaf lifetime, hosts on loopback): said, not refused. */
export type TopologyResult = {ok: true; topology: Topology; warnings: readonly Problem[]} | {ok: false; problems: Problem[]};

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
	return `${problemPlace(problem)}: ${message} (got ${JSON.stringify(shownValue(problem.value))})`;
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
	'adminServer',
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
		const result = validateTopology({...exampleCluster, workers});
		if (!result.ok) return result;
		// node.cfg gives only the workers, as the guide's file does: say what came from elsewhere.
		const borrowed = {
			field: 'file',
			value: 'node.cfg',
			message: `gives the workers only: cluster, serviceCIDR, clusterDomain, loadBalancer and masters are the built-in example's (${exampleCluster.loadBalancer.ip} and ${exampleCluster.masters.map(m => m.ip).join(', ')})`,
		};
		return {...result, warnings: [borrowed, ...result.warnings]};
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

/** Names whose files a worker's `<name>.pem`, `<name>-key.pem` and `<name>.kubeconfig` would overwrite. */
const componentFiles = ['ca', 'admin', 'kube-proxy', 'kube-controller-manager', 'kube-scheduler', 'kubernetes', 'service-account'];
const reservedWorkerNames = new Set(componentFiles.flatMap(name => [name, `${name}-key`]));

/**
 * The folder beside the host folders (nodes/ansible/, or ansible/ in the kubeadm layout) that holds the Ansible
 * inventory and playbook: no host may have its name.
 */
export {ansibleDirName};


/** The fields a cluster file must give: they have no default (the built-in example applies only without --config). */
export const requiredFields = ['cluster', 'serviceCIDR', 'loadBalancer', 'masters', 'workers'] as const;

/** Beyond this a value in a message is cut: an error line stays one readable line. */
const shownValueLength = 80;

/** The value as a message shows it: a long one cut, with how much was left out. */
export function shownValue(value: string): string {
	if (value.length <= shownValueLength) return value;
	return `${value.slice(0, shownValueLength)}… (${(value.length - shownValueLength).toLocaleString('en-US')} more characters)`;
}

/** Fewer days left than this is "expires soon": lint warns, generate renews (plan.ts renewWithinDays); a leaf issued for less is warned about. */
export const expiresSoonDays = 30;

/** The longest lifetime kubepki issues: 100 years, in hours. */
export const maxValidityHours = 100 * 8760;
/** A leaf lifetime under this is allowed but warned about (lint's expires-soon would fire at once). */
export const shortLeafHours = expiresSoonDays * 24;

/** Check every field of a cluster description and fill in the defaults (only those the README documents). */
export function validateTopology(raw: unknown): TopologyResult {
	const problems: Problem[] = [];
	const warnings: Problem[] = [];
	const valueText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value) ?? String(value));
	const add = (field: string, value: unknown, message: string, name?: unknown) => {
		problems.push({field, value: valueText(value), message, ...(typeof name === 'string' && name !== '' ? {name} : {})});
	};

	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
		add('file', raw ?? '', 'expected a mapping with cluster, serviceCIDR, loadBalancer, masters and workers');
		return {ok: false, problems};
	}

	const input = raw as Record<string, unknown>;
	for (const key of Object.keys(input)) {
		if (!knownKeys.has(key)) add(key, key, `unknown key; expected one of ${[...knownKeys].join(', ')}`);
	}

	// No silent borrowing: a field left out is refused, never taken from the example cluster.
	const missing = requiredFields.filter(field => input[field] === undefined || input[field] === null);
	if (missing.length === 1) add(missing[0]!, '', 'is required: it has no default (the built-in example applies only without --config)');
	else if (missing.length > 1) {
		add('file', Object.keys(input).join(', '), `lacks ${missing.join(', ')}: each is required, with no default (the built-in example applies only without --config)`);
	}

	const text = (field: string, fallback?: string): string => {
		const value = input[field] ?? fallback;
		if (value === undefined || value === null) return '';
		if (typeof value !== 'string' || value.trim() === '') {
			add(field, value, 'must be text');
			return '';
		}

		return value.trim();
	};

	const cluster = text('cluster');
	// The cluster name ends up in kubeconfigs and in file names of the bundles.
	if (cluster && !/^[A-Za-z\d][\w.-]{0,252}$/.test(cluster)) {
		add('cluster', cluster, 'must be letters, digits, ".", "_" or "-", starting with a letter or digit');
	}

	const serviceCIDR = text('serviceCIDR');
	const ranges = serviceCIDR ? serviceRanges(serviceCIDR, add) : undefined;

	const clusterDomain = text('clusterDomain', 'cluster.local');
	if (clusterDomain && !dns1123Subdomain.test(clusterDomain)) {
		add('clusterDomain', clusterDomain, 'must be a lower-case DNS name such as cluster.local');
	}

	const host = (field: string, value: unknown, kind: 'node' | 'loadBalancer'): Host | undefined => {
		let name: unknown;
		let given: unknown[];
		if (typeof value === 'string' && nodeCfgLine.test(value)) {
			const [, n = '', addresses = ''] = nodeCfgLine.exec(value) ?? [];
			name = n;
			// The wizard's one-line form: `name:ip` or `name:ip1|ip2` (the first is the address connections use).
			given = addresses.split('|');
		} else if (value && typeof value === 'object' && !Array.isArray(value)) {
			const entry = value as Record<string, unknown>;
			name = entry.name;
			for (const key of Object.keys(entry)) {
				if (key !== 'name' && key !== 'ip' && key !== 'ips') add(`${field}.${key}`, key, 'unknown key; expected name and ip (or ips)');
			}

			if (entry.ips === undefined) given = [entry.ip];
			else if (!Array.isArray(entry.ips) || entry.ips.length === 0) {
				add(`${field}.ips`, entry.ips, 'must be a list of one or more addresses, the first being the one connections use');
				return undefined;
			} else {
				given = entry.ips;
				// Both given (a manifest has both): they must agree, or which one connections use is unclear.
				if (entry.ip !== undefined && (typeof entry.ip !== 'string' || normalizeIp(entry.ip) !== normalizeIp(String(entry.ips[0])))) {
					add(`${field}.ip`, entry.ip, 'differs from the first of ips; give ip or ips, not both');
					return undefined;
				}
			}
		} else {
			add(field, value, 'expected {name, ip}, {name, ips: [...]} or "name:ip"');
			return undefined;
		}

		const goodName = typeof name === 'string' && checkName(`${field}.name`, name, kind, add);
		const ips: string[] = [];
		for (const [index, address] of given.entries()) {
			const at = given.length > 1 || (value as {ips?: unknown})?.ips !== undefined ? `${field}.ips[${index}]` : `${field}.ip`;
			if (typeof address !== 'string' || address === '') {
				add(at, address ?? '', 'is required: an IPv4 or IPv6 address', name);
				continue;
			}

			const problem = addressProblem(address);
			if (problem) {
				add(at, address, problem, name);
				continue;
			}

			const normal = normalizeIp(address);
			if (ips.includes(normal)) add(at, address, 'is given twice for this host', name);
			else ips.push(normal);
		}

		if (typeof name !== 'string' || name === '') add(`${field}.name`, name ?? '', 'is required');
		return goodName && ips.length === given.length ? {name: name as string, ip: ips[0]!, ips} : undefined;
	};

	const hosts = (field: 'masters' | 'workers', minimum: number): Host[] => {
		const value = input[field];
		if (value === undefined || value === null) return [];
		if (!Array.isArray(value)) {
			add(field, value, 'must be a list of {name, ip}');
			return [];
		}

		if (value.length < minimum) add(field, value, `needs at least ${minimum} entries`);
		return value.flatMap((item, index) => host(`${field}[${index}]`, item, 'node') ?? []);
	};

	const loadBalancer = input.loadBalancer === undefined || input.loadBalancer === null ? undefined : host('loadBalancer', input.loadBalancer, 'loadBalancer');
	const masters = hosts('masters', 1);
	const workers = hosts('workers', 1);

	const seenNames = new Map<string, string>();
	const seenIps = new Map<string, string>();
	const all: Array<[string, Host]> = [
		...(loadBalancer ? [['loadBalancer', loadBalancer] as [string, Host]] : []),
		...masters.map((h, i): [string, Host] => [`masters[${i}]`, h]),
		...workers.map((h, i): [string, Host] => [`workers[${i}]`, h]),
	];
	const workerNames = new Set(workers.map(w => w.name));
	for (const [field, h] of all) {
		// Names equal but for case are one name to a case-insensitive disk (macOS) and to DNS.
		const name = seenNames.get(h.name.toLowerCase());
		if (name) add(`${field}.name`, h.name, `is already used by ${name}`);
		else seenNames.set(h.name.toLowerCase(), field);
		const addressField = (index: number) => (h.ips.length > 1 ? `${field}.ips[${index}]` : `${field}.ip`);
		for (const [index, ip] of h.ips.entries()) {
			const other = seenIps.get(ip);
			if (other) add(addressField(index), ip, `is already used by ${other}`, h.name);
			else seenIps.set(ip, field);
			const inside = ranges?.find(range => cidrContains(range, ip));
			if (inside) add(addressField(index), ip, `lies inside serviceCIDR ${inside.network}/${inside.prefix}; machines and services need separate ranges`, h.name);
		}

		if (h.name === ansibleDirName) {
			add(`${field}.name`, h.name, `is the name of the folder of the Ansible playbook beside the host folders; choose another host name`);
		}

		if (field.startsWith('workers')) {
			if (reservedWorkerNames.has(h.name)) {
				// A worker's files are <name>.pem, <name>-key.pem and <name>.kubeconfig, next to the components' own.
				add(`${field}.name`, h.name, `would overwrite the ${h.name.replace(/-key$/, '')} certificate files; choose another host name`);
			} else if (h.name.endsWith('-key') && workerNames.has(h.name.slice(0, -'-key'.length))) {
				// Worker x's key is x-key.pem: worker x-key's certificate would be written over it.
				add(`${field}.name`, h.name, `would overwrite the key of worker ${h.name.slice(0, -'-key'.length)} (${hardwayPaths({file: h.name}).cert}); choose another host name`);
			}
		}
	}

	// Loopback: only this machine reaches it. Fine for a cluster on one machine (every host on loopback), never mixed.
	const addresses = all.flatMap(([field, h]) => h.ips.map((ip, index) => [h.ips.length > 1 ? `${field}.ips[${index}]` : `${field}.ip`, ip, h.name] as const));
	const loopback = addresses.filter(([, ip]) => isLoopback(ip));
	if (loopback.length > 0 && loopback.length === addresses.length) {
		warnings.push({field: 'loadBalancer.ip', value: loadBalancer?.ip ?? '', message: 'every host is on loopback: certificates for a cluster on this one machine only'});
	} else {
		for (const [field, ip, name] of loopback) add(field, ip, 'is a loopback address: only this machine reaches it (accepted only when every host is on loopback)', name);
	}

	let algorithm: Algorithm = defaultAlgorithm;
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
			let good = true;
			for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
				if (key !== 'ca' && key !== 'leaf') {
					add(`validity.${key}`, key, 'unknown key; expected ca or leaf');
					continue;
				}

				const hours = parseHours(value);
				if (hours === undefined) {
					add(`validity.${key}`, value, 'must be a duration in hours or days, such as 8760h or 365d');
					good = false;
				} else if (hours > maxValidityHours) {
					add(`validity.${key}`, value, `is longer than 100 years (${maxValidityHours}h), the longest kubepki issues`);
					good = false;
				} else validity[key] = hours;
			}

			if (good && validity.leaf > validity.ca) {
				add('validity.leaf', `${validity.leaf}h`, `is longer than the CA's ${validity.ca}h; a leaf cannot outlive its CA`);
			}
		}
	}

	if (validity.leaf < shortLeafHours) {
		warnings.push({
			field: 'validity.leaf',
			value: `${validity.leaf}h`,
			message: `is under ${expiresSoonDays} days: lint warns at once (expires-soon), and the cluster stops when the certificates end`,
		});
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

	let adminServer: AdminServer = 'localhost';
	if (input.adminServer !== undefined) {
		if (typeof input.adminServer === 'string' && (adminServers as readonly string[]).includes(input.adminServer)) adminServer = input.adminServer as AdminServer;
		else add('adminServer', input.adminServer, `must be one of ${adminServers.join(', ')}`);
	}

	if (problems.length > 0 || !ranges || !loadBalancer) return {ok: false, problems};
	return {
		ok: true,
		warnings,
		topology: {
			cluster,
			serviceCIDR: ranges.map(range => `${range.network}/${range.prefix}`).join(','),
			clusterDomain,
			loadBalancer,
			masters,
			workers,
			algorithm,
			validity,
			extraSANs,
			adminServer,
		},
	};
}

/**
 * serviceCIDR as kube-apiserver's --service-cluster-ip-range takes it: one range, or two of different
 * families (`10.96.0.0/16,fd00:10:96::/112`). Undefined (with the problem added) when it is not usable.
 */
function serviceRanges(text: string, add: (field: string, value: unknown, message: string) => void): Cidr[] | undefined {
	const parts = text.split(',').map(part => part.trim());
	const ranges: Cidr[] = [];
	for (const part of parts) {
		const cidr = parseCidr(part);
		if (!cidr) {
			add('serviceCIDR', part, `is not a CIDR such as 10.32.0.0/24${parts.length > 1 ? '' : ' (or two, one per family: 10.96.0.0/16,fd00:10:96::/112)'}`);
			return undefined;
		}

		if (hostBits(cidr) < 2) add('serviceCIDR', part, 'leaves no room for services (a /30 or larger range is needed)');
		else if (cidr.family === 6 && hostBits(cidr) > 20) {
			// The API server refuses IPv6 service ranges with more than 20 host bits (a /108 or smaller).
			add('serviceCIDR', part, 'is too large for kube-apiserver: an IPv6 service range must be /108 or smaller');
		} else if (cidr.family === 4 && cidr.prefix < 12) {
			add('serviceCIDR', part, 'is too large for kube-apiserver: an IPv4 service range must be /12 or smaller');
		} else if (ranges.some(range => range.family === cidr.family)) {
			add('serviceCIDR', text, `gives two IPv${cidr.family} ranges; kube-apiserver takes at most one range per family`);
		} else {
			ranges.push(cidr);
			continue;
		}

		return undefined;
	}

	return ranges;
}

/**
 * A host's name as Kubernetes takes a node's name: a DNS-1123 subdomain (lower case, dot-separated labels of
 * at most 63, at most 253 in all), which also keeps it a safe file name (`nodes/<name>/`, `<name>.pem`):
 * no `/`, no `..`, no leading `-` a shell or ssh would read as an option. The load balancer's is a DNS name.
 */
function checkName(field: string, name: string, kind: 'node' | 'loadBalancer', add: (field: string, value: unknown, message: string) => void): boolean {
	if (name === '') return false;
	const rule =
		kind === 'node'
			? 'must be a DNS-1123 subdomain, as Kubernetes takes node names: lower-case letters, digits, "-" and ".", labels starting and ending with a letter or digit'
			: 'must be a DNS name such as api-lb.corp.internal: lower-case letters, digits, "-" and ".", labels starting and ending with a letter or digit';
	if (name.includes('/') || name.includes('\\') || name.includes('..')) {
		// The name becomes a file name (its certificate, its folder under nodes/): refuse anything that leaves the folder.
		add(field, name, 'would escape the output folder; use a plain host name');
	} else if (name.length > 253) add(field, name, `is ${name.length} characters; a DNS name has at most 253`);
	else if (name.split('.').some(label => label.length > 63)) add(field, name, 'has a label longer than 63 characters (the most DNS allows)');
	else if (/^[\d.]+$/.test(name) || ipFamily(name)) add(field, name, 'looks like an IP address; give the address as ip and a host name as name');
	else if (name !== name.toLowerCase() && dns1123Subdomain.test(name.toLowerCase())) {
		add(field, name, `must be lower case, as Kubernetes registers it (${name.toLowerCase()})`);
	} else if (!dns1123Subdomain.test(name)) add(field, name, rule);
	else return true;
	return false;
}

/** Why a SAN is not acceptable, or undefined when it is a valid DNS name or IP. */
export function sanProblem(value: unknown): string | undefined {
	if (typeof value !== 'string' || value === '') return 'must be a DNS name or an IP address';
	// Checked as what it looks like: digits and dots, or a colon, is meant as an address (10.0.0.300 is a typo, not a name).
	if (/^[\d.]+$/.test(value) || value.includes(':') || ipFamily(value)) {
		const problem = addressProblem(value);
		return problem ? (problem === 'is not an IPv4 or IPv6 address' ? 'looks like an IP address but is not a valid one' : problem) : undefined;
	}

	if (value.length > 253) return `is ${value.length} characters; a DNS name has at most 253`;
	if (!isDnsName(value)) return 'is neither an IP address nor a lower-case DNS name (a leading "*." wildcard is allowed)';
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

/** The API server's in-cluster IP, from the (first) service range. */
export function serviceIp(topology: Topology): string {
	return serviceIps(topology)[0]!;
}

/** The API server's in-cluster IPs: the first address of each service range (two on a dual-stack cluster). */
export function serviceIps(topology: Topology): string[] {
	return topology.serviceCIDR.split(',').map(text => {
		const cidr = parseCidr(text);
		if (!cidr) throw new Error(`bug: unvalidated serviceCIDR ${topology.serviceCIDR}`);
		return firstServiceIp(cidr);
	});
}

export function exampleTopology(): Topology {
	const result = validateTopology(exampleCluster);
	if (!result.ok) throw new Error('bug: the example cluster does not validate');
	return result.topology;
}
