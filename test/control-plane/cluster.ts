import {execFile, spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {parse as parseYaml, stringify} from 'yaml';
import {spawnTied, stopProcess} from '../helpers/processes.js';

/*
 * A control plane on a lab network (startLab), started from the files `kubepki generate` wrote. Each machine's files
 * are installed as copy.sh says, under <root>/<host>/ instead of /; the units' flags are used as written except
 * for what is the test's own: the binaries' folder, the data directories, that <root>/<host> prefix, and the
 * few listen addresses that cannot be shared because every master here is one network stack (see startApiserver,
 * startEtcd). Every process of the cluster, and every kubectl the test runs, is in the lab's machines namespace: its
 * 127.0.0.1 (what the generated kubeconfigs of admin, the controller-manager and the scheduler dial) and its ports
 * (the controller-manager's 10257, the scheduler's 10259) belong to this cluster alone, so two test runs on one
 * machine never meet there.
 */

export type Run = {code: number; stdout: string; stderr: string};

/** Run a program without blocking the event loop (a stand-in kubelet lives in the test process). */
export function runAsync(program: string, args: readonly string[], options: {input?: string; encoding?: 'utf8' | 'latin1'; env?: NodeJS.ProcessEnv} = {}): Promise<Run> {
	return new Promise(resolve => {
		const child = execFile(program, [...args], {encoding: options.encoding ?? 'utf8', maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env}, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
			resolve({code, stdout: String(stdout), stderr: String(stderr)});
		});
		if (options.input !== undefined) child.stdin?.end(options.input);
	});
}

/** A unit's ExecStart: the program and its flags in order, continued lines joined as systemd does. */
export function execStart(unit: string): {program: string; flags: Array<[string, string | true]>} {
	const lines = unit.split('\n');
	const start = lines.findIndex(line => line.startsWith('ExecStart='));
	if (start < 0) throw new Error('no ExecStart in unit');
	const words: string[] = [];
	for (let i = start; i < lines.length; i++) {
		const line = lines[i]!;
		words.push(...line.replace(/^ExecStart=/, '').replace(/\\$/, '').trim().split(/\s+/).filter(Boolean));
		if (!line.endsWith('\\')) break;
	}
	const [program, ...rest] = words;
	return {
		program: program!,
		flags: rest.map(word => {
			const match = /^--([^=]+)(?:=(.*))?$/.exec(word);
			if (!match) throw new Error(`not a flag: ${word}`);
			return [match[1]!, match[2] ?? true];
		}),
	};
}

/** What copy.sh says goes where: host -> [file in nodes/<host>/, install paths]. */
export function installList(copySh: string): Map<string, Array<{file: string; paths: string[]}>> {
	const hosts = new Map<string, Array<{file: string; paths: string[]}>>();
	let current: Array<{file: string; paths: string[]}> | undefined;
	for (const line of copySh.split('\n')) {
		const host = /^# (\S+) \((master|worker)\); on the machine/.exec(line);
		if (host) {
			current = [];
			hosts.set(host[1]!, current);
			continue;
		}
		const entry = /^#   (\S+) -> (.+)$/.exec(line);
		if (entry && current) current.push({file: entry[1]!, paths: entry[2]!.split(' ')});
	}
	return hosts;
}

type Proc = {readonly name: string; readonly child: ChildProcess; readonly log: string; exited?: number | string};

export class ControlPlane {
	readonly procs = new Map<string, Proc>();
	constructor(
		/** Everything of this cluster lives here: installed machines, data, logs. */
		readonly root: string,
		/** The output folder of `kubepki generate`. */
		readonly out: string,
		/** The folder of the built Kubernetes binaries. */
		readonly bin: string,
		/** The network namespace of the masters and the load balancer (Lab.machines): every process runs there. */
		readonly netns: string,
	) {}

	/** A program and its arguments, run in the machines' network namespace. */
	private inside(program: string, args: readonly string[]): [string, string[]] {
		return ['nsenter', [`--net=${this.netns}`, '--', program, ...args]];
	}

	/** A machine's root folder: what the machine has at /x, the test has at hostRoot(host)/x. */
	hostRoot(host: string): string {
		return path.join(this.root, 'hosts', host);
	}

	/** A path on a machine, in the test's folder. */
	on(host: string, installed: string): string {
		return path.join(this.hostRoot(host), installed);
	}

	/** Copy each machine's bundle where copy.sh says; YAML configs get their absolute paths moved under the prefix too. */
	install(): void {
		const list = installList(readFileSync(path.join(this.out, 'nodes', 'copy.sh'), 'utf8'));
		for (const [host, files] of list) {
			for (const {file, paths} of files) {
				const from = path.join(this.out, 'nodes', host, file);
				for (const to of paths) {
					const target = this.on(host, to);
					mkdirSync(path.dirname(target), {recursive: true, mode: 0o700});
					if (/\.ya?ml$/.test(file) && /kind: (KubeSchedulerConfiguration|KubeletConfiguration|KubeProxyConfiguration)/.test(readFileSync(from, 'utf8'))) {
						writeFileSync(target, this.prefixYaml(host, readFileSync(from, 'utf8')));
					} else copyFileSync(from, target);
					chmodSync(target, statSync(from).mode & 0o777);
				}
			}
		}
	}

	/**
	 * The kubeadm layout: each `<host>/` folder is that machine's /etc/kubernetes, as its README says (the units in
	 * `<host>/systemd/` are read from the output folder, like the hard way's from nodes/).
	 */
	installKubeadm(hosts: readonly string[]): void {
		for (const host of hosts) {
			const from = path.join(this.out, host);
			for (const entry of readdirSync(from, {recursive: true, withFileTypes: true})) {
				if (!entry.isFile()) continue;
				const source = path.join(entry.parentPath, entry.name);
				const target = this.on(host, path.join('/etc/kubernetes', path.relative(from, source)));
				mkdirSync(path.dirname(target), {recursive: true, mode: 0o700});
				copyFileSync(source, target);
				chmodSync(target, statSync(source).mode & 0o777);
			}
		}
	}

	private prefixYaml(host: string, text: string): string {
		const walk = (value: unknown): unknown => {
			if (typeof value === 'string' && value.startsWith('/')) return this.on(host, value);
			if (Array.isArray(value)) return value.map(walk);
			if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
			return value;
		};
		return stringify(walk(parseYaml(text)));
	}

	/** Where generate wrote a host's unit: nodes/<host>/ (hard way) or <host>/systemd/ (kubeadm). */
	unitFile(host: string, unit: string): string {
		const hardway = path.join(this.out, 'nodes', host, unit);
		return existsSync(hardway) ? hardway : path.join(this.out, host, 'systemd', unit);
	}

	/** The flags of a unit installed on a host, with absolute paths moved under that host's folder. */
	unitFlags(host: string, unit: string, rewrite: (name: string, value: string | true) => string | true | undefined = (_n, v) => v): {program: string; args: string[]} {
		const text = readFileSync(this.unitFile(host, unit), 'utf8');
		const {program, flags} = execStart(text);
		const args: string[] = [];
		for (const [name, raw] of flags) {
			const value = rewrite(name, raw);
			if (value === undefined) continue;
			if (value === true) args.push(`--${name}`);
			else args.push(`--${name}=${value.startsWith('/') && value === raw ? this.on(host, value) : value}`);
		}
		return {program: path.basename(program), args};
	}

	/**
	 * Start a program (from the built folder, or the system's PATH for etcd and haproxy) in the machines' network
	 * namespace, with its log in root/logs. nsenter execs the program: the child's pid is the program's own.
	 */
	start(name: string, program: string, args: readonly string[]): Proc {
		const logs = path.join(this.root, 'logs');
		mkdirSync(logs, {recursive: true});
		const log = path.join(logs, `${name}.log`);
		const fd = openSync(log, 'a');
		const resolved = existsSync(path.join(this.bin, program)) ? path.join(this.bin, program) : program;
		// Tied to the test process: a runner SIGKILLed mid-suite leaves no etcd, API server or haproxy behind.
		const child = spawnTied(...this.inside(resolved, args), {stdio: ['ignore', fd, fd]});
		closeSync(fd);
		const proc: Proc = {name, child, log};
		child.on('exit', (code, signal) => {
			proc.exited = code ?? signal ?? 'exited';
		});
		this.procs.set(name, proc);
		return proc;
	}

	/** Stop one process and wait until it is gone. */
	async stop(name: string): Promise<void> {
		const proc = this.procs.get(name);
		if (!proc) return;
		this.procs.delete(name);
		if (proc.exited !== undefined) return;
		await stopProcess(proc.child);
	}

	async stopAll(): Promise<void> {
		for (const name of [...this.procs.keys()].reverse()) await this.stop(name);
	}

	/** The last lines of a process's log, for a failure message. */
	tail(name: string, lines = 30): string {
		const proc = this.procs.get(name);
		if (!proc) return '';
		const all = readFileSync(proc.log, 'utf8').split('\n');
		// klog's errors and fatals first (E1201 / F1201 ...), then the end of the log.
		return [...all.filter(line => /^[EF]\d{4} /.test(line)).slice(-10), '...', ...all.slice(-lines)].join('\n');
	}

	/**
	 * Poll until check() is true. No time bound of its own: the suite's hook timeout is the only one. Fails at once,
	 * with its log, when one of the processes it depends on has exited.
	 */
	async until(what: string, check: () => Promise<boolean>, dependsOn: readonly string[] = []): Promise<void> {
		for (;;) {
			for (const name of dependsOn) {
				const proc = this.procs.get(name);
				if (!proc || proc.exited !== undefined) throw new Error(`${name} exited (${proc?.exited}) while waiting for ${what}:\n${this.tail(name)}`);
			}
			if (await check()) return;
			await new Promise(resolve => setTimeout(resolve, 250));
		}
	}

	/**
	 * An etcd member from its generated unit. Test's own: the data directory, and no 127.0.0.1:2379 listener (every
	 * member listens there too; here all masters share one network namespace, and nothing dials it).
	 */
	startEtcd(master: string): void {
		const {args} = this.unitFlags(master, 'etcd.service', (name, value) => {
			if (name === 'data-dir') return path.join(this.root, 'data', `etcd-${master}`);
			if (name === 'listen-client-urls') return String(value).split(',').filter(url => !url.includes('//127.0.0.1:')).join(',');
			return value;
		});
		this.start(`etcd-${master}`, 'etcd', args);
	}

	/** A master's API server from its generated unit, ready once /readyz answers `kubeconfig`'s user at its own address. */
	async startApiserver(master: {name: string; ip: string}, kubeconfig: string): Promise<void> {
		const {program, args} = this.unitFlags(master.name, 'kube-apiserver.service', (name, value) =>
			// The unit listens on every address (0.0.0.0); here the masters share one network stack, so each binds its own IP.
			name === 'bind-address' ? master.ip : value,
		);
		this.start(`apiserver-${master.name}`, program, args);
		await this.until(
			`kube-apiserver on ${master.name} to be ready`,
			async () => (await this.kubectl(['--kubeconfig', kubeconfig, '--server', `https://${master.ip}:6443`, 'get', '--raw', '/readyz'])).stdout === 'ok',
			[`apiserver-${master.name}`],
		);
	}

	/** haproxy on the load balancer, from the generated haproxy.cfg as it is. */
	startLoadBalancer(host: string): void {
		const config = this.on(host, '/etc/haproxy/haproxy.cfg');
		mkdirSync(path.dirname(config), {recursive: true});
		writeFileSync(config, readFileSync(path.join(this.out, 'haproxy.cfg')));
		this.start('haproxy-lb', 'haproxy', ['-db', '-f', config]);
	}

	/** The controller-manager and the scheduler of a master, from its generated units. */
	startControllers(master: string): void {
		for (const unit of ['kube-controller-manager', 'kube-scheduler']) {
			const {program, args} = this.unitFlags(master, `${unit}.service`);
			this.start(unit, program, args);
		}
	}

	/**
	 * The built kubectl, run on the masters' network (where 127.0.0.1:6443 is this cluster's), with a cache of this
	 * cluster's own: ~/.kube/cache is keyed by the server's address, and every run's admin dials 127.0.0.1:6443.
	 */
	kubectl(args: readonly string[], input?: string): Promise<Run> {
		return runAsync(...this.inside(path.join(this.bin, 'kubectl'), args), {input, env: {...process.env, KUBECACHEDIR: path.join(this.root, 'kubectl-cache')}});
	}
}

/**
 * The addresses of one cluster: a /24 of 198.18.0.0/15 (RFC 2544, set aside for tests), chosen at random so that two
 * runs do not meet. Not loopback: the API server refuses to proxy to a loopback node address ("address not allowed"),
 * and a cluster file may not mix loopback with other addresses. .1 is this machine's end of the link (the only
 * address of the lab outside its namespaces), the load balancer .10, masters .11 on, workers .21 on (startLab).
 */
export function labAddresses(): {readonly prefix: string; readonly host: string; readonly loadBalancer: string; master(i: number): string; worker(i: number): string} {
	// Never one this file took already (a lab's addresses may still be going when the next cluster starts), nor one
	// this machine has (another run's lab shows here by its .1).
	const onMachine = spawnSync('ip', ['-o', '-4', 'addr', 'show'], {encoding: 'utf8'}).stdout ?? '';
	let prefix: string;
	do {
		const block = Math.floor(Math.random() * 512);
		prefix = `198.${18 + (block >> 8)}.${block & 255}`;
	} while (takenBlocks.has(prefix) || onMachine.includes(` ${prefix}.`));
	takenBlocks.add(prefix);
	return {prefix, host: `${prefix}.1`, loadBalancer: `${prefix}.10`, master: i => `${prefix}.${11 + i}`, worker: i => `${prefix}.${21 + i}`};
}

export type LabAddresses = ReturnType<typeof labAddresses>;

const takenBlocks = new Set<string>();

export type StandInRequest = {path: string; cn?: string; o?: string | string[]};

export type Lab = {
	/** The network namespace of the load balancer and the masters, for nsenter --net= (ControlPlane runs everything there). */
	readonly machines: string;
	/** The stand-in kubelet of the first worker: what it was asked and which handshakes it refused. */
	readonly requests: StandInRequest[];
	readonly tlsErrors: string[];
	/** Serve these files (a kubelet's tlsCertFile, tlsPrivateKeyFile, clientCAFile) on the first worker's address, port 10250. */
	serve(files: {cert: string; key: string; ca: string}): Promise<void>;
	stop(): Promise<void>;
};

const standInScript = path.join(import.meta.dirname, 'kubelet-stand-in.mjs');
let labs = 0;

/** A process in a new network namespace of its own (unshare --net), once it is there; it ends when its stdin does. */
async function inNewNetns(command: readonly string[]): Promise<{child: ChildProcess; exited: Promise<void>; lines: ReturnType<typeof createInterface>; stderr: () => string; first: Promise<string>}> {
	const child = spawn('unshare', ['--net', '--', ...command], {stdio: ['pipe', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr!.on('data', chunk => (stderr += chunk));
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	const lines = createInterface({input: child.stdout!});
	const first = new Promise<string>(resolve => lines.once('line', resolve));
	return {child, exited, lines, stderr: () => stderr, first};
}

/**
 * The cluster's network, three network stacks joined by veth pairs:
 *  - the machines namespace: the load balancer's and the masters' addresses, and every process of the cluster
 *    (ControlPlane runs them there). Its loopback is its own: 127.0.0.1:6443, 10257 and 10259 are this cluster's.
 *  - the first worker's namespace: its stand-in kubelet, on the worker's address, reached from the machines.
 *  - this machine: .1 only, so that the test process itself reaches the load balancer and the masters.
 * Each namespace is held by one process (a `cat` reading a pipe from the test; the stand-in): when they end (stop(),
 * or the test process gone and the pipes closed) and the cluster's processes with them (the reaper kills those), the
 * namespaces, the pairs and every address on them go; nothing on this machine's network outlives the test.
 */
export async function startLab(addresses: LabAddresses, masters: number): Promise<Lab> {
	const used = await runAsync('ip', ['-o', '-4', 'addr', 'show']);
	if (used.stdout.includes(` ${addresses.prefix}.`)) throw new Error(`${addresses.prefix}.0/24 is already on this machine`);
	// 'ready' is said after unshare: each holder is already in its new namespace when it speaks.
	const machines = await inNewNetns(['sh', '-c', 'echo ready && exec cat']);
	const standIn = await inNewNetns([process.execPath, standInScript]);
	const requests: StandInRequest[] = [];
	const tlsErrors: string[] = [];
	const waiting = new Map<string, () => void>();
	standIn.lines.on('line', line => {
		const message = JSON.parse(line) as {event: string; path?: string; cn?: string; o?: string | string[]; message?: string};
		if (message.event === 'request') requests.push({path: message.path!, cn: message.cn, o: message.o});
		else if (message.event === 'tls-error') tlsErrors.push(message.message!);
		waiting.get(message.event)?.();
	});
	const event = (name: string) =>
		Promise.race([
			new Promise<void>(resolve => waiting.set(name, resolve)),
			standIn.exited.then(() => {
				throw new Error(`the kubelet stand-in ended before '${name}': ${standIn.stderr()}`);
			}),
		]);
	const stop = async () => {
		standIn.child.stdin!.end();
		machines.child.stdin!.end();
		await Promise.all([standIn.exited, machines.exited]);
	};
	const netns = `/proc/${machines.child.pid}/ns/net`;

	try {
		// Both at once: the stand-in's 'ready' is heard only while event('ready') waits for it.
		const [ready] = await Promise.all([Promise.race([machines.first, machines.exited.then(() => `ended: ${machines.stderr()}`)]), event('ready')]);
		if (ready !== 'ready') throw new Error(`the machines' network namespace: ${ready}`);
		const n = ++labs;
		// The only name on this machine's network; the full pid (no two live processes share one) keeps it unique.
		const hostEnd = `kp${process.pid}h${n}`;
		const at = (pid: number | undefined) => (args: string[]) => ['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', ...args];
		const inMachines = at(machines.child.pid);
		const inWorker = at(standIn.child.pid);
		const local = [addresses.loadBalancer, ...Array.from({length: masters}, (_, i) => addresses.master(i))];
		for (const command of [
			// This machine <-> the machines: the test process reaches the load balancer and the masters.
			['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'lab', 'netns', String(machines.child.pid)],
			['ip', 'addr', 'add', `${addresses.host}/24`, 'dev', hostEnd],
			['ip', 'link', 'set', hostEnd, 'up'],
			inMachines(['link', 'set', 'lo', 'up']),
			inMachines(['addr', 'add', `${addresses.loadBalancer}/24`, 'dev', 'lab']),
			...local.slice(1).map(ip => inMachines(['addr', 'add', `${ip}/32`, 'dev', 'lab'])),
			// What was true on loopback: a connection between two of these addresses comes from 127.0.0.1. Without it,
			// the kernel takes the dialled address itself as the source, and etcd refuses a peer whose certificate does
			// not carry the address it dials from (kubeadm's etcd/peer.crt holds its own master's IP and 127.0.0.1).
			...local.map(ip => inMachines(['route', 'replace', 'local', ip, 'dev', 'lab', 'table', 'local', 'proto', 'kernel', 'scope', 'host', 'src', '127.0.0.1'])),
			inMachines(['link', 'set', 'lab', 'up']),
			// The machines <-> the first worker: the API servers reach its stand-in kubelet.
			inMachines(['link', 'add', 'worker', 'type', 'veth', 'peer', 'name', 'lab', 'netns', String(standIn.child.pid)]),
			inMachines(['link', 'set', 'worker', 'up']),
			inMachines(['route', 'add', `${addresses.worker(0)}/32`, 'dev', 'worker', 'src', addresses.master(0)]),
			inWorker(['link', 'set', 'lo', 'up']),
			inWorker(['addr', 'add', `${addresses.worker(0)}/32`, 'dev', 'lab']),
			inWorker(['link', 'set', 'lab', 'up']),
			inWorker(['route', 'add', 'default', 'dev', 'lab']),
		]) {
			const r = await runAsync(command[0]!, command.slice(1));
			if (r.code !== 0) throw new Error(`${command.join(' ')}: ${r.stderr.trim()}`);
		}

		// Another run that drew the same /24 at the same moment: two links to one subnet would mix the clusters.
		const now = await runAsync('ip', ['-o', '-4', 'addr', 'show']);
		const others = now.stdout.split('\n').filter(line => line.includes(` ${addresses.prefix}.`) && !line.includes(` ${hostEnd} `));
		if (others.length > 0) throw new Error(`${addresses.prefix}.0/24 is also on this machine: ${others.join('; ')}`);
	} catch (error) {
		await stop();
		throw error;
	}

	return {
		machines: netns,
		requests,
		tlsErrors,
		async serve(files) {
			const listening = event('listening');
			standIn.child.stdin!.write(`${JSON.stringify({address: addresses.worker(0), port: 10_250, ...files})}\n`);
			await listening;
		},
		stop,
	};
}
