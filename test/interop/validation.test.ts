import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {buildPlan, specById} from '../../source/core/plan.js';
import {exampleClusterYaml, parseClusterFile, serviceIps} from '../../source/core/topology.js';
import {kubepki, tempDir} from '../helpers/tools.js';

// The example cluster file with one section replaced: each case differs from a good file in one thing.
const lines = exampleClusterYaml.split('\n');
const section = (key: string) => {
	const start = lines.findIndex(line => line.startsWith(`${key}:`));
	let end = start + 1;
	while (end < lines.length && lines[end]!.startsWith('  ')) end++;
	return [start, end] as const;
};

function withSection(key: string, text: string): string {
	const [start, end] = section(key);
	return [...lines.slice(0, start), ...text.split('\n'), ...lines.slice(end)].join('\n');
}

const workers = (...entries: string[]) => withSection('workers', ['workers:', ...entries.map(e => `  - ${e}`)].join('\n'));
const masters = (...entries: string[]) => withSection('masters', ['masters:', ...entries.map(e => `  - ${e}`)].join('\n'));
const without = (...keys: string[]) => keys.reduce((text, key) => withSection(key, '').replace(/\n\n/g, '\n'), exampleClusterYaml);
const plus = (text: string) => `${exampleClusterYaml}${text}\n`;

/** Accepted: real-world names and addresses. */
const accepted: Array<[string, string]> = [
	['an EC2-style dotted worker name', workers('{name: ip-10-0-0-21.ec2.internal, ip: 10.0.0.21}', '{name: node2, ip: 10.128.15.224}')],
	['an FQDN load balancer', withSection('loadBalancer', 'loadBalancer: {name: api-lb.corp.internal, ip: 10.128.15.226}')],
	['a worker with two addresses (dual-stack)', workers('{name: node1, ips: [10.128.15.223, "2600:1f18::23"]}', '{name: node2, ip: 10.128.15.224}')],
	['a dual-stack service range', withSection('serviceCIDR', 'serviceCIDR: 10.96.0.0/16,fd00:10:96::/112')],
	['a name of 253 characters in labels of 63', workers(`{name: ${['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.')}, ip: 10.0.0.9}`, '{name: node2, ip: 10.128.15.224}')],
	['a wildcard extra SAN and an IPv6 one', plus('extraSANs: ["*.api.example.com", "2001:db8::7"]')],
	['adminServer: loadBalancer', plus('adminServer: loadBalancer')],
	['a 100-year CA', plus('validity: {ca: 876000h, leaf: 8760h}')],
	['every host on loopback (one machine)', [
		'cluster: lab',
		'serviceCIDR: 10.32.0.0/24',
		'loadBalancer: {name: lb, ip: 127.0.0.10}',
		'masters: [{name: m1, ip: 127.0.0.11}]',
		'workers: [{name: w1, ip: 127.0.0.21}]',
	].join('\n')],
];

/** Refused: the field named, the value quoted, the reason said. */
const refused: Array<[string, string, RegExp]> = [
	['a file with only masters (no silent borrowing)', 'masters: [{name: m1, ip: 10.0.0.11}]\n', /^file: lacks cluster, serviceCIDR, loadBalancer, workers: each is required, with no default \(the built-in example applies only without --config\) \(got "masters"\)$/],
	['a file without workers', without('workers'), /^workers: is required: it has no default/],
	['a file without a load balancer', without('loadBalancer'), /^loadBalancer: is required: it has no default/],
	['a file without serviceCIDR', without('serviceCIDR'), /^serviceCIDR: is required/],
	['a mistyped IP as an extra SAN', plus('extraSANs: [10.0.0.300]'), /^extra SAN 1: looks like an IP address but is not a valid one \(got "10\.0\.0\.300"\)$/],
	['a bad IPv6 extra SAN', plus('extraSANs: ["fd00::1::2"]'), /^extra SAN 1: looks like an IP address but is not a valid one/],
	['an extra SAN with a zone', plus('extraSANs: ["fe80::1%eth0"]'), /^extra SAN 1: has a zone \(%eth0\)/],
	['an upper-case worker name', workers('{name: Node1, ip: 10.0.0.9}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: name: must be lower case, as Kubernetes registers it \(node1\)/],
	['names equal after case folding', workers('{name: node2, ip: 10.0.0.9}', '{name: NODE2, ip: 10.128.15.224}'), /^worker 2(?: \([^)]*\))?: name: must be lower case/],
	['a worker named like a leading option', workers('{name: "-oProxyCommand=x", ip: 10.0.0.9}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: name: must be a DNS-1123 subdomain/],
	['a worker name with a space', workers('{name: "node 1", ip: 10.0.0.9}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: name: must be a DNS-1123 subdomain/],
	['a worker name made of digits and dots', workers('{name: 10.0.0.9, ip: 10.0.0.9}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: name: looks like an IP address/],
	['a name over 253 characters', workers(`{name: ${Array(5).fill('a'.repeat(60)).join('.')}, ip: 10.0.0.9}`, '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: name: is 304 characters; a DNS name has at most 253/],
	['a load balancer name with an underscore', withSection('loadBalancer', 'loadBalancer: {name: api_lb.corp, ip: 10.128.15.226}'), /^loadBalancer\.name: must be a DNS name such as api-lb\.corp\.internal/],
	['workers X and X-key (colliding files)', workers('{name: node1, ip: 10.0.0.9}', '{name: node1-key, ip: 10.0.0.10}'), /^worker 2(?: \([^)]*\))?: name: would overwrite the key of worker node1 \(node1-key\.pem\)/],
	['a worker named like a component file', workers('{name: kube-proxy, ip: 10.0.0.9}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: name: would overwrite the kube-proxy certificate files/],
	['an IPv4-mapped IPv6 address equal to another host', workers('{name: node1, ip: "::ffff:10.128.15.221"}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ip: is already used by master 1 \(got "10\.128\.15\.221"\)$/],
	['a host address with a zone', workers('{name: node1, ip: "fe80::1%eth0"}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ip: has a zone \(%eth0\); a certificate holds the address without it/],
	['the unspecified address', workers('{name: node1, ip: 0.0.0.0}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ip: is the unspecified address/],
	['the IPv6 unspecified address', workers('{name: node1, ip: "::"}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ip: is the unspecified address/],
	['the broadcast address', workers('{name: node1, ip: 255.255.255.255}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ip: is the broadcast address/],
	['one host on loopback among real ones', workers('{name: node1, ip: 127.0.0.1}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ip: is a loopback address: only this machine reaches it/],
	['an address given twice for one host', workers('{name: node1, ips: [10.0.0.9, 10.0.0.9]}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ips\[1\]: is given twice for this host/],
	['ip and ips that disagree', workers('{name: node1, ip: 10.0.0.8, ips: [10.0.0.9]}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ip: differs from the first of ips/],
	['an empty ips list', workers('{name: node1, ips: []}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: ips: must be a list of one or more addresses/],
	['two IPv4 service ranges', withSection('serviceCIDR', 'serviceCIDR: 10.96.0.0/16,10.97.0.0/16'), /^serviceCIDR: gives two IPv4 ranges; kube-apiserver takes at most one range per family/],
	['a second address inside the service range', workers('{name: node1, ips: [10.128.15.223, "fd00:10:96::9"]}', '{name: node2, ip: 10.128.15.224}').replace('serviceCIDR: 10.32.0.0/24', 'serviceCIDR: 10.32.0.0/24,fd00:10:96::/112'), /^worker 1(?: \([^)]*\))?: ips\[1\]: lies inside serviceCIDR fd00:10:96::\/112/],
	['a CA longer than 100 years', plus('validity: {ca: 876000000h}'), /^validity\.ca: is longer than 100 years \(876000h\), the longest kubepki issues \(got "876000000h"\)$/],
	['a leaf longer than its CA', plus('validity: {ca: 100d, leaf: 200d}'), /^validity\.leaf: is longer than the CA's 2400h; a leaf cannot outlive its CA/],
	['an unknown adminServer', plus('adminServer: workstation'), /^adminServer: must be one of localhost, loadBalancer \(got "workstation"\)$/],
	['a very long value, cut in the message', withSection('cluster', `cluster: ${'x'.repeat(4176)}`), /^cluster: must be letters, digits, .* \(got "x{80}… \(4,096 more characters\)"\)$/],
	['a value with control characters', workers('{name: "node\\u001b[31m1", ip: 10.0.0.9}', '{name: node2, ip: 10.128.15.224}'), /^worker 1(?: \([^)]*\))?: name: must be a DNS-1123 subdomain.*\(got "node\\u001b\[31m1"\)$/],
];

describe('the validation table: accepted', () => {
	it.each(accepted)('accepts %s', (_name, text) => {
		const result = parseClusterFile(text);
		expect(result.ok, result.ok ? '' : JSON.stringify(result.problems)).toBe(true);
	});

	it('puts every address of a dual-stack host into its SANs, and both service IPs into the API server\'s', () => {
		const text = workers('{name: ip-10-0-0-21.ec2.internal, ips: [10.0.0.21, "2600:1f18::21"]}').replace('serviceCIDR: 10.32.0.0/24', 'serviceCIDR: 10.96.0.0/16,fd00:10:96::/112');
		const result = parseClusterFile(masters('{name: m1, ips: [10.0.0.11, "2600:1f18::11"]}').replace(/workers:[\s\S]*/, text.slice(text.indexOf('workers:'))).replace('serviceCIDR: 10.32.0.0/24', 'serviceCIDR: 10.96.0.0/16,fd00:10:96::/112'));
		if (!result.ok) throw new Error(JSON.stringify(result.problems));
		expect(serviceIps(result.topology)).toEqual(['10.96.0.1', 'fd00:10:96::1']);
		const plan = buildPlan(result.topology);
		const ips = (id: string) => specById(plan, id).sans.filter(s => s.type === 'ip').map(s => s.value);
		expect(ips('kubelet:ip-10-0-0-21.ec2.internal')).toEqual(['10.0.0.21', '2600:1f18::21']);
		expect(ips('apiserver')).toEqual(expect.arrayContaining(['10.96.0.1', 'fd00:10:96::1', '10.0.0.11', '2600:1f18::11']));
	});

	it('warns, without refusing, about a leaf under 30 days and hosts all on loopback', () => {
		const short = parseClusterFile(plus('validity: {leaf: 10d}'));
		expect(short.ok && short.warnings.map(w => w.field)).toEqual(['validity.leaf']);
		const lab = parseClusterFile(accepted.find(([name]) => name.startsWith('every host on loopback'))![1]);
		expect(lab.ok && lab.warnings.map(w => w.message)).toEqual([expect.stringMatching(/every host is on loopback/)]);
	});
});

describe('the validation table: refused, in core and through the real CLI', () => {
	const dir = tempDir();
	it.each(refused)('refuses %s: one line, exit 2, nothing written', (_name, text, line) => {
		const result = parseClusterFile(text);
		expect(result.ok).toBe(false);
		const config = path.join(dir, 'cluster.yaml');
		writeFileSync(config, text);
		const out = path.join(dir, 'never');
		const r = kubepki(['generate', '--config', config, '--out', out]);
		expect(r.status).toBe(2);
		expect(r.stdout).toBe('');
		const printed = r.stderr.split('\n');
		expect(printed, r.stderr).toHaveLength(2);
		expect(printed[1]).toBe('');
		expect(printed[0]!.startsWith(`kubepki: ${config}: `), printed[0]).toBe(true);
		expect(printed[0]!.slice(`kubepki: ${config}: `.length)).toMatch(line);
		expect(r.stderr).not.toContain('\u001B');
		expect(existsSync(out)).toBe(false);
	});

	it('generate says a leaf under 30 days is short, and still writes', () => {
		const config = path.join(dir, 'short.yaml');
		writeFileSync(config, plus('algorithm: ecdsa-p256\nvalidity: {leaf: 10d}'));
		const r = kubepki(['generate', '--config', config, '--out', path.join(dir, 'short')]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stderr).toMatch(/^kubepki: warning: validity\.leaf: is under 30 days/m);
	});

	it('node.cfg still works, and says which fields are the example\'s', () => {
		const config = path.join(dir, 'node.cfg');
		writeFileSync(config, 'worker-a:10.240.0.20\nworker-b:10.240.0.21\n');
		const r = kubepki(['script', '--flavor', 'openssl', '--config', config]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stderr).toMatch(/^kubepki: warning: file: gives the workers only: cluster, serviceCIDR, clusterDomain, loadBalancer and masters are the built-in example's/);
	});
});

describe('--config is read only from a regular file of at most 1 MiB', () => {
	const dir = tempDir();
	const fifo = path.join(dir, 'fifo');
	execFileSync('mkfifo', [fifo]);
	mkdirSync(path.join(dir, 'folder'));
	writeFileSync(path.join(dir, 'big.yaml'), `${exampleClusterYaml}# ${'x'.repeat(1024 * 1024)}\n`);
	writeFileSync(path.join(dir, 'binary.yaml'), Buffer.from([0x63, 0x6c, 0, 0x75]));
	it.each([
		['a FIFO (no writer: must not hang)', fifo, /^kubepki: --config: .*fifo is not a regular file \(a FIFO, socket or device\)/],
		['/dev/zero (must not read forever)', '/dev/zero', /^kubepki: --config: \/dev\/zero is not a regular file/],
		['a folder', path.join(dir, 'folder'), /^kubepki: --config: cannot read .*folder: it is a folder$/],
		['a file over 1 MiB', path.join(dir, 'big.yaml'), /^kubepki: --config: .*big\.yaml is 1,04\d,\d{3} bytes; a cluster file has at most 1,048,576 \(1 MiB\)$/],
		['a binary file', path.join(dir, 'binary.yaml'), /^kubepki: --config: .*binary\.yaml is a binary file/],
	])('refuses %s: one line, exit 2', (_name, config, line) => {
		const r = kubepki(['generate', '--config', config, '--out', path.join(dir, 'never')]);
		expect(r.status).toBe(2);
		expect(r.stderr.split('\n')).toEqual([expect.stringMatching(line), '']);
		expect(existsSync(path.join(dir, 'never'))).toBe(false);
	});
});
