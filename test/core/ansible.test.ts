import {tmpdir} from 'node:os';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {clusterFiles} from '../../source/core/cluster-files.js';
import {distribution} from '../../source/core/distribute.js';
import {generate} from '../../source/core/generate.js';
import {kubeadmFiles} from '../../source/core/kubeadm.js';
import {kubeadmPlacement, kubeadmUnitFiles} from '../../source/core/kubeadm-units.js';
import {buildPlan} from '../../source/core/plan.js';
import {issueAll} from '../../source/core/pki/issue.js';
import {exampleTopology, validateTopology, type Topology} from '../../source/core/topology.js';
import type {OutputFile} from '../../source/core/write.js';
import {ipv6Topology} from '../helpers/ipv6-cluster.js';

type FileVar = {src: string; dest: string; mode: string; notify: string};
type HostVars = {ansible_host: string; kubepki_files: FileVar[]; kubepki_dirs: Array<{path: string; mode?: string}>};
type Inventory = {all: {children: Record<string, {hosts: Record<string, HostVars>}>}};
type Task = {name: string; loop?: string; notify?: string[]; diff?: boolean; 'ansible.builtin.copy'?: unknown};
type Play = {hosts: string; serial?: number; gather_facts: boolean; tasks: Task[]; handlers?: Array<{name: string; when: string}>};

const ipv6 = ipv6Topology;

/** The secret lines of every private key and kubeconfig: none may appear in the inventory or playbook. */
function secretLines(files: readonly OutputFile[]): string[] {
	return files
		.filter(f => f.mode === 0o600)
		.flatMap(f => String(f.content).split('\n'))
		.map(line => line.trim())
		.filter(line => line.length >= 40 && !line.startsWith('#'));
}

describe.each([
	['the built-in cluster', {...exampleTopology(), algorithm: 'ecdsa-p256' as const}],
	['an IPv6 cluster', ipv6],
])('nodes/ansible/ of %s', (_name, topology: Topology) => {
	const plan = buildPlan(topology);
	const bundles = distribution(plan);
	let files: OutputFile[];
	let inventory: Inventory;
	let plays: Play[];
	beforeAll(async () => {
		const issued = await issueAll(plan.certs);
		files = await clusterFiles(plan, issued, {outDir: path.join(tmpdir(), 'kubepki-no-such-folder')});
		inventory = parseYaml(String(files.find(f => f.path === 'nodes/ansible/inventory.yml')?.content)) as Inventory;
		plays = parseYaml(String(files.find(f => f.path === 'nodes/ansible/site.yml')?.content)) as Play[];
	});

	it('groups the masters, the workers and the load balancer (haproxy.cfg), each with its address as ansible_host', () => {
		const groups = inventory.all.children;
		expect(Object.keys(groups).sort()).toEqual(['loadbalancers', 'masters', 'workers']);
		expect(Object.keys(groups.masters!.hosts)).toEqual(topology.masters.map(m => m.name));
		expect(Object.keys(groups.workers!.hosts)).toEqual(topology.workers.map(w => w.name));
		expect(Object.keys(groups.loadbalancers!.hosts)).toEqual([topology.loadBalancer.name]);
		for (const host of [...topology.masters, ...topology.workers, topology.loadBalancer]) {
			const vars = groups.masters!.hosts[host.name] ?? groups.workers!.hosts[host.name] ?? groups.loadbalancers!.hosts[host.name];
			expect(vars?.ansible_host, host.name).toBe(host.ip);
		}

		// haproxy.cfg is written at the top of the output folder, two levels above the playbook.
		expect(groups.loadbalancers!.hosts[topology.loadBalancer.name]!.kubepki_files).toEqual([
			{src: '../../haproxy.cfg', dest: '/etc/haproxy/haproxy.cfg', mode: '0644', notify: 'reload haproxy'},
		]);
	});

	it('holds no key, kubeconfig or certificate content, in the inventory or the playbook', () => {
		const secrets = secretLines(files);
		expect(secrets.length).toBeGreaterThan(10);
		for (const name of ['inventory.yml', 'site.yml']) {
			const text = String(files.find(f => f.path === `nodes/ansible/${name}`)?.content);
			expect(text).not.toMatch(/BEGIN|PRIVATE KEY|client-key-data|secret:/);
			for (const line of secrets) expect(text.includes(line), `${name} contains a secret line`).toBe(false);
		}
	});

	it('sends every delivery to its install paths with the mode of its nodes/ copy, and nothing else', () => {
		const modes = new Map(files.map(f => [f.path, `0${f.mode.toString(8)}`]));
		for (const bundle of bundles) {
			const vars = inventory.all.children[`${bundle.role}s`]!.hosts[bundle.host]!;
			const want = bundle.files.flatMap(d => d.installTo.map(dest => `../${bundle.host}/${d.target} ${dest} ${modes.get(`nodes/${bundle.host}/${d.target}`)}`));
			expect(vars.kubepki_files.map(f => `${f.src} ${f.dest} ${f.mode}`).sort(), bundle.host).toEqual(want.sort());
			// Folders that receive a key or a kubeconfig are made 0700; /etc/systemd/system keeps its own mode.
			for (const dir of vars.kubepki_dirs) {
				const secret = vars.kubepki_files.some(f => path.posix.dirname(f.dest) === dir.path && f.mode === '0600');
				expect(dir.mode, dir.path).toBe(secret ? '0700' : undefined);
			}
		}
	});

	it('restarts the masters one at a time, and notifies for each file the handlers of the services that read it', () => {
		expect(plays.map(p => [p.hosts, p.serial ?? 'all at once', p.gather_facts])).toEqual([
			['masters', 1, false],
			['workers', 'all at once', false],
			['loadbalancers', 'all at once', false],
		]);
		// haproxy reloads its configuration and keeps its connections.
		expect(plays[2]?.handlers).toEqual([{name: 'reload haproxy', 'ansible.builtin.systemd_service': {name: 'haproxy', state: 'reloaded'}, when: 'kubepki_restarts | bool'}]);
		for (const p of plays) {
			const handlers = new Set((p.handlers ?? []).map(h => h.name));
			for (const h of p.handlers ?? []) expect(h.when).toContain('kubepki_restarts');
			const group = inventory.all.children[p.hosts]!.hosts;
			const services = new Set(bundles.filter(b => b.host in group).flatMap(b => b.files.flatMap(d => d.services)));
			expect([...handlers].filter(h => h.startsWith('restart ')).sort()).toEqual([...services].map(s => `restart ${s}`).sort());
			for (const task of p.tasks.filter(t => t['ansible.builtin.copy'])) {
				for (const handler of task.notify ?? []) expect(handlers.has(handler), handler).toBe(true);
				// A task that copies keys never shows a diff: --diff would print the key.
				if (task.loop?.includes("| selectattr('mode', 'equalto', '0600')")) expect(task.diff, task.name).toBe(false);
			}
		}

		const byHost = new Map(bundles.map(b => [b.host, b]));
		for (const [host, vars] of Object.entries({...inventory.all.children.masters!.hosts, ...inventory.all.children.workers!.hosts})) {
			for (const file of vars.kubepki_files) {
				const delivery = byHost.get(host)?.files.find(d => `../${host}/${d.target}` === file.src);
				const restarts = file.notify.split(', ').filter(h => h.startsWith('restart ')).map(h => h.slice('restart '.length));
				expect(restarts, `${host} ${file.dest}`).toEqual(delivery?.services);
				expect(file.notify.includes('reload systemd units'), file.dest).toBe(file.dest.startsWith('/etc/systemd/system/'));
			}
		}
	});
});

describe('the kubeadm layout\'s placement and playbook', () => {
	const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'}, {layout: 'kubeadm'});
	let layout: OutputFile[];
	beforeAll(async () => {
		layout = [...kubeadmFiles(plan, await issueAll(plan.certs)), ...kubeadmUnitFiles(plan)];
	});

	it('installs each file of a host folder at the same path under /etc/kubernetes (units in /etc/systemd/system), read by the services that use it', () => {
		const bundles = kubeadmPlacement(plan, layout);
		for (const bundle of bundles) {
			const mine = layout.filter(f => f.path.startsWith(`${bundle.host}/`)).map(f => f.path.slice(bundle.host.length + 1));
			expect(bundle.files.map(d => d.target).sort()).toEqual(mine.sort());
			for (const d of bundle.files) {
				expect(d.installTo).toEqual([d.target.startsWith('systemd/') ? `/etc/systemd/system/${d.target.slice('systemd/'.length)}` : `/etc/kubernetes/${d.target}`]);
			}
		}

		const services = (host: string, target: string) => bundles.find(b => b.host === host)?.files.find(d => d.target === target)?.services;
		// kubeadm's readers, written out by hand: the kubelet is the only service on a worker.
		expect(services('node1', 'kubelet.conf')).toEqual(['kubelet']);
		expect(services('node1', 'pki/ca.crt')).toEqual(['kubelet']);
		expect(services('master1', 'controller-manager.conf')).toEqual(['kube-controller-manager']);
		expect(services('master1', 'scheduler.conf')).toEqual(['kube-scheduler']);
		expect(services('master1', 'pki/etcd/peer.crt')).toEqual(['etcd']);
		expect(services('master1', 'pki/apiserver.key')).toEqual(['kube-apiserver']);
		expect(services('master1', 'admin.conf')).toEqual([]);
		expect(services('master1', 'systemd/kube-apiserver.service')).toEqual(['kube-apiserver']);
		expect(services('master1', 'systemd/kubelet.service')).toEqual(['kubelet']);
		expect(services('node1', 'kubelet-config.yaml')).toEqual(['kubelet']);
	});

	it('is written by generate --layout kubeadm to ansible/ beside the host folders, its handlers restarting systemd units', async () => {
		const out = path.join(tmpdir(), `kubepki-ansible-unit-${process.pid}`);
		const {rm} = await import('node:fs/promises');
		try {
			const result = await generate({...exampleTopology(), algorithm: 'ecdsa-p256'}, {outDir: out, layout: 'kubeadm'});
			const site = result.files.find(f => f.path === 'ansible/site.yml');
			const inventory = result.files.find(f => f.path === 'ansible/inventory.yml');
			expect(inventory).toBeDefined();
			const plays = parseYaml(String(site?.content)) as Array<{hosts: string; handlers: Array<Record<string, unknown>>}>;
			const masters = plays.find(p => p.hosts === 'masters')!;
			expect(masters.handlers.map(h => [h.name, h['ansible.builtin.systemd_service']])).toEqual([
				['reload systemd units', {daemon_reload: true}],
				...['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet'].map(s => [`restart ${s}`, {name: s, state: 'restarted'}]),
			]);
		} finally {
			await rm(out, {recursive: true, force: true});
		}
	});
});

describe('the folder of the playbook', () => {
	it('refuses a host named ansible, whose folder would be the playbook\'s', () => {
		const result = validateTopology({...exampleTopology(), workers: [{name: 'ansible', ip: '10.128.15.230'}]});
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.problems.map(p => `${p.field}=${p.value}`)).toEqual(['workers[0].name=ansible']);
	});
});
