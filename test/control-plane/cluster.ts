import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {parse as parseYaml, stringify} from 'yaml';

/*
 * A control plane on loopback addresses, started from the files `kubepki generate` wrote. Each machine's files
 * are installed as copy.sh says, under <root>/<host>/ instead of /; the units' flags are used as written except
 * for what is the test's own: the binaries' folder, the data directories, that <root>/<host> prefix, and the
 * few listen addresses that cannot be shared because every "machine" here is one network stack (see startApiserver,
 * startEtcd, startLocalForwarder).
 */

export type Run = {code: number; stdout: string; stderr: string};

/** Run a program without blocking the event loop (a stand-in kubelet lives in the test process). */
export function runAsync(program: string, args: readonly string[], options: {input?: string; encoding?: 'utf8' | 'latin1'} = {}): Promise<Run> {
	return new Promise(resolve => {
		const child = execFile(program, [...args], {encoding: options.encoding ?? 'utf8', maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
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
	) {}

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

	/** Start a program (from the built folder, or the system's PATH for etcd and haproxy) with its log in root/logs. */
	start(name: string, program: string, args: readonly string[]): Proc {
		const logs = path.join(this.root, 'logs');
		mkdirSync(logs, {recursive: true});
		const log = path.join(logs, `${name}.log`);
		const fd = openSync(log, 'a');
		const resolved = existsSync(path.join(this.bin, program)) ? path.join(this.bin, program) : program;
		const child = spawn(resolved, [...args], {stdio: ['ignore', fd, fd]});
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
		await new Promise<void>(resolve => {
			proc.child.once('exit', () => resolve());
			proc.child.kill('SIGTERM');
		});
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

	kubectl(args: readonly string[], input?: string): Promise<Run> {
		return runAsync(path.join(this.bin, 'kubectl'), args, {input});
	}
}
