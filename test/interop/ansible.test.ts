import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {distribution} from '../../source/core/distribute.js';
import {buildPlan} from '../../source/core/plan.js';
import {parseClusterFile} from '../../source/core/topology.js';
import {hasTool, kubepki, tempDir} from '../helpers/tools.js';

// Real Ansible (Debian's ansible-core) runs the generated playbook with the local connection: each host's files land
// under its own root folder (kubepki_root), so one machine plays the whole cluster without touching /etc or /var.
const haveAnsible = hasTool('ansible-playbook');
// The playbook makes every file owner root: that needs root (CI runs as root).
const isRoot = process.getuid?.() === 0;
if (haveAnsible && !isRoot) {
	if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0') throw new Error('CI: the Ansible tests set owner root and must run as root');
	console.warn('skipping the Ansible runs: they set owner root, run the tests as root');
}

// One master and two workers: enough for "only the renewed worker changes", and quick on two cores.
const clusterYaml = [
	'cluster: ansible-test',
	'serviceCIDR: 10.32.0.0/24',
	'algorithm: ecdsa-p256',
	'loadBalancer: {name: lb, ip: 10.240.0.10}',
	'masters:',
	'  - {name: cp1, ip: 10.240.0.11}',
	'workers:',
	'  - {name: wk1, ip: 10.240.0.21}',
	'  - {name: wk2, ip: "fd00:240::22"}',
	'',
].join('\n');

type Run = {status: number | null; stderr: string; report: AnsibleReport; stdout: string};
type AnsibleReport = {
	plays: Array<{tasks: Array<{task: {name: string}; hosts: Record<string, {changed?: boolean; skipped?: boolean}>}>}>;
	stats: Record<string, {changed: number; failures: number; unreachable: number}>;
};

/** A tool run without blocking the test worker (a playbook run takes minutes on a busy machine). */
async function runAsync(tool: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{status: number | null; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		execFile(tool, args, {env, encoding: 'utf8', maxBuffer: 1 << 28}, (error, stdout, stderr) => {
			const code = (error as {code?: unknown} | null)?.code;
			resolve({status: error ? (typeof code === 'number' ? code : null) : 0, stdout, stderr});
		});
	});
}

// Pipelining: each module goes to python's stdin instead of a temp file, several shell calls fewer per file.
const ansibleEnv = {...process.env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'false', ANSIBLE_PIPELINING: 'true'};
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'auto_silent';

/** ansible-playbook with the local connection, each host rooted in root/<host>, the report as JSON. */
async function play(folder: string, root: string, extra: string[] = []): Promise<Run> {
	const args = [
		'-i', path.join(folder, 'inventory.yml'), path.join(folder, 'site.yml'),
		'-c', 'local', '-f', '10',
		'-e', `kubepki_root=${root}/{{ inventory_hostname }}`,
		'-e', 'kubepki_become=false',
		'-e', `ansible_python_interpreter=${python}`,
		...extra,
	];
	const result = await runAsync('ansible-playbook', args, ansibleEnv);
	let report: AnsibleReport;
	try {
		report = JSON.parse(result.stdout) as AnsibleReport;
	} catch {
		throw new Error(`ansible-playbook printed no JSON report (exit ${result.status}): ${result.stderr.slice(-2000)} ${result.stdout.slice(-2000)}`);
	}

	return {status: result.status, stderr: result.stderr, stdout: result.stdout, report};
}

/** Host -> handler names notified there (a handler runs, or is skipped with restarts off, only where notified). */
function notified(run: Run, handlerNames: ReadonlySet<string>): Record<string, string[]> {
	const out: Record<string, string[]> = {};
	for (const p of run.report.plays) {
		for (const t of p.tasks) {
			if (!handlerNames.has(t.task.name)) continue;
			for (const host of Object.keys(t.hosts)) (out[host] ??= []).push(t.task.name);
		}
	}

	return out;
}

function handlersOf(site: string): Set<string> {
	const plays = parseYaml(readFileSync(site, 'utf8')) as Array<{handlers?: Array<{name: string}>}>;
	return new Set(plays.flatMap(p => (p.handlers ?? []).map(h => h.name)));
}

/** Every file and folder under dir: relative path -> mode and, for files, a hash of the bytes. */
function snapshot(dir: string): Map<string, string> {
	const out = new Map<string, string>();
	if (!existsSync(dir)) return out;
	for (const entry of readdirSync(dir, {recursive: true, withFileTypes: true})) {
		const full = path.join(entry.parentPath, entry.name);
		const s = statSync(full);
		const hash = entry.isFile() ? createHash('sha256').update(readFileSync(full)).digest('hex') : 'dir';
		out.set(path.relative(dir, full), `${(s.mode & 0o777).toString(8)} ${s.uid} ${hash}`);
	}

	return out;
}

const files = (dir: string) =>
	readdirSync(dir, {recursive: true, withFileTypes: true})
		.filter(e => e.isFile())
		.map(e => path.relative(dir, path.join(e.parentPath, e.name)))
		.sort();

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

/** The load balancer gets haproxy.cfg, from the top of the output folder, in /etc/haproxy/. */
function expectHaproxy(root: string, out: string) {
	expect(files(path.join(root, 'lb'))).toEqual([path.join('etc', 'haproxy', 'haproxy.cfg')]);
	const placed = path.join(root, 'lb', 'etc', 'haproxy', 'haproxy.cfg');
	expect(readFileSync(placed).equals(readFileSync(path.join(out, 'haproxy.cfg')))).toBe(true);
	expect(mode(placed)).toBe(mode(path.join(out, 'haproxy.cfg')));
}

function expectNoCommandFailed(run: Run) {
	expect(run.status, run.stderr.slice(-2000)).toBe(0);
	for (const [host, s] of Object.entries(run.report.stats)) expect(s.failures + s.unreachable, host).toBe(0);
}

describe.skipIf(!haveAnsible)('the Ansible playbook of the hard way', () => {
	const dir = tempDir('kubepki-ansible-');
	const out = path.join(dir, 'pki');
	const root = path.join(dir, 'machines');
	const config = path.join(dir, 'cluster.yaml');
	const folder = path.join(out, 'nodes', 'ansible');
	writeFileSync(config, clusterYaml);
	const parsed = parseClusterFile(clusterYaml);
	if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
	const bundles = distribution(buildPlan(parsed.topology));
	const hosts = [...bundles.map(b => b.host), 'lb'];

	beforeAll(() => {
		const made = kubepki(['generate', '--quiet', '--config', config, '--out', out]);
		expect(made.status, made.stderr).toBe(0);
	});

	it('is accepted by ansible-playbook --syntax-check, and --list-hosts finds the masters and workers groups', async () => {
		const check = await runAsync('ansible-playbook', ['--syntax-check', '-i', path.join(folder, 'inventory.yml'), path.join(folder, 'site.yml')]);
		expect(check.status, check.stderr).toBe(0);
		const list = async (group: string) => {
			const r = await runAsync('ansible-playbook', ['--list-hosts', '--limit', group, '-i', path.join(folder, 'inventory.yml'), path.join(folder, 'site.yml')]);
			expect(r.status, r.stderr).toBe(0);
			return hosts.filter(h => new RegExp(`^\\s+${h}$`, 'm').test(r.stdout));
		};

		expect(await list('masters')).toEqual(['cp1']);
		expect(await list('workers')).toEqual(['wk1', 'wk2']);
		expect(await list('loadbalancers')).toEqual(['lb']);
	});

	it.skipIf(!isRoot)('lays every host\'s files where the plan installs them, byte for byte and mode for mode, then changes nothing on a second run; after one worker is renewed only it changes and only its kubelet is restarted', {timeout: 1_800_000}, async () => {
		const handlers = handlersOf(path.join(folder, 'site.yml'));
		const first = await play(folder, root, ['-e', 'kubepki_restart=false']);
		expectNoCommandFailed(first);
		for (const bundle of bundles) {
			const from = path.join(out, 'nodes', bundle.host);
			const expected = bundle.files.flatMap(d => d.installTo.map(dest => [dest, d.target] as const));
			// Exactly the installed paths, nothing more, and every file of nodes/<host>/ among them.
			expect(files(path.join(root, bundle.host)).map(f => `/${f}`)).toEqual(expected.map(([dest]) => dest).sort());
			expect(new Set(expected.map(([, target]) => target))).toEqual(new Set(files(from)));
			for (const [dest, target] of expected) {
				const placed = path.join(root, bundle.host, dest);
				expect(readFileSync(placed).equals(readFileSync(path.join(from, target))), `${bundle.host}:${dest}`).toBe(true);
				expect(mode(placed), `${bundle.host}:${dest}`).toBe(mode(path.join(from, target)));
				expect(statSync(placed).uid, dest).toBe(0);
				// A folder that holds a key or a kubeconfig is root's alone.
				if (mode(placed) === '600') expect(mode(path.dirname(placed)), path.dirname(dest)).toBe('700');
			}
		}

		expectHaproxy(root, out);

		const second = await play(folder, root, ['-e', 'kubepki_restart=false']);
		expectNoCommandFailed(second);
		for (const host of hosts) expect(second.report.stats[host]?.changed, host).toBe(0);
		expect(notified(second, handlers)).toEqual({});

		// The kubelet certificate of wk2 is re-issued (a new key too); renew rebuilds nodes/wk2/.
		const before = snapshot(root);
		const wk2Before = snapshot(path.join(out, 'nodes', 'wk2'));
		const again = kubepki(['renew', '--quiet', '--only', 'kubelet:wk2', '--out', out]);
		expect(again.status, again.stderr).toBe(0);
		expect(snapshot(path.join(out, 'nodes', 'wk2'))).not.toEqual(wk2Before);

		// Check mode with restarts on: tells what would change and restart, changes nothing, shows no key.
		const check = await play(folder, root, ['--check', '--diff', '-e', 'kubepki_restart=true']);
		expectNoCommandFailed(check);
		expect(snapshot(root)).toEqual(before);
		expect(check.report.stats.wk2?.changed).toBeGreaterThan(0);
		for (const host of hosts.filter(h => h !== 'wk2')) expect(check.report.stats[host]?.changed, host).toBe(0);
		expect(notified(check, handlers)).toEqual({wk2: ['restart kubelet']});
		expect(check.stdout).not.toContain('PRIVATE KEY');

		const renewed = await play(folder, root, ['-e', 'kubepki_restart=false']);
		expectNoCommandFailed(renewed);
		expect(renewed.report.stats.wk2?.changed).toBeGreaterThan(0);
		for (const host of hosts.filter(h => h !== 'wk2')) expect(renewed.report.stats[host]?.changed, host).toBe(0);
		expect(notified(renewed, handlers)).toEqual({wk2: ['restart kubelet']});
		const wk2 = bundles.find(b => b.host === 'wk2')!;
		for (const d of wk2.files) {
			for (const dest of d.installTo) expect(readFileSync(path.join(root, 'wk2', dest)).equals(readFileSync(path.join(out, 'nodes', 'wk2', d.target))), dest).toBe(true);
		}
	});
});

describe.skipIf(!haveAnsible)('the Ansible playbook of the kubeadm layout', () => {
	const dir = tempDir('kubepki-ansible-kubeadm-');
	const out = path.join(dir, 'kubernetes');
	const root = path.join(dir, 'machines');
	const config = path.join(dir, 'cluster.yaml');
	const folder = path.join(out, 'ansible');
	// One master and one worker: each master gets two dozen files; the second worker would add nothing new.
	writeFileSync(config, clusterYaml.replace(/\n {2}- \{name: wk2[^\n]*/, ''));
	const hosts = ['cp1', 'wk1'];
	const everyHost = [...hosts, 'lb'];

	beforeAll(() => {
		const made = kubepki(['generate', '--quiet', '--layout', 'kubeadm', '--config', config, '--out', out]);
		expect(made.status, made.stderr).toBe(0);
	});

	it('is accepted by ansible-playbook --syntax-check', async () => {
		const check = await runAsync('ansible-playbook', ['--syntax-check', '-i', path.join(folder, 'inventory.yml'), path.join(folder, 'site.yml')]);
		expect(check.status, check.stderr).toBe(0);
	});

	it.skipIf(!isRoot)('copies each host folder to /etc/kubernetes as it is and its units to /etc/systemd/system, then changes nothing on a second run', {timeout: 1_200_000}, async () => {
		const first = await play(folder, root, ['-e', 'kubepki_restart=false']);
		expectNoCommandFailed(first);
		const units = `systemd${path.sep}`;
		const where = (file: string) => (file.startsWith(units) ? path.join('etc', 'systemd', 'system', file.slice(units.length)) : path.join('etc', 'kubernetes', file));
		for (const host of hosts) {
			const from = path.join(out, host);
			expect(files(path.join(root, host)), host).toEqual(files(from).map(where).sort());
			for (const file of files(from)) {
				const placed = path.join(root, host, where(file));
				expect(readFileSync(placed).equals(readFileSync(path.join(from, file))), `${host}:${file}`).toBe(true);
				expect(mode(placed), `${host}:${file}`).toBe(mode(path.join(from, file)));
				if (mode(path.join(from, file)) === '600') expect(mode(path.dirname(placed)), `${host}:${file}`).toBe('700');
			}
		}

		expectHaproxy(root, out);
		const second = await play(folder, root, ['-e', 'kubepki_restart=false']);
		expectNoCommandFailed(second);
		expect(Object.keys(second.report.stats).sort()).toEqual([...everyHost].sort());
		for (const host of everyHost) expect(second.report.stats[host]?.changed, host).toBe(0);
	});
});
