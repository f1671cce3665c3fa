import {urlHost} from './ip.js';
import {kubeconfigSpecs} from './kubeconfig.js';
import {
	apiserverToKubeletRbacName,
	bundlePath,
	componentConfigNames,
	copyScriptPath,
	encryptionConfigName,
	etcdUnitSource,
	fileModes,
	hardwayCaCert,
	unitFileName,
	unitPath,
} from './placement.js';
import {hardwayPaths, signingPaths, type Plan} from './plan.js';
import type {OutputFile} from './write.js';

/**
 * One file for one machine: where it is in the output folder, its name in `nodes/<host>/`, and the absolute
 * paths it is installed at on the machine (one file can be read by two services from two folders: the guide
 * gives etcd its own copy of the CA and of the API server's certificate in /etc/etcd/). Every unit, config and playbook that
 * names a file on a machine takes the path from here (see installedAt).
 */
export type Delivery = {
	readonly source: string;
	readonly target: string;
	readonly why: string;
	readonly installTo: readonly string[];
	/** The services on the machine that read it there: a change to the file means restarting them (the playbook's handlers). */
	readonly services: readonly NodeService[];
};

/** The folders the guide installs files into, on masters and workers. */
export const installDirs = {
	/** etcd's certificates and its environment file (the guide's `/etc/etcd/`). */
	etcd: '/etc/etcd',
	/** What the API server, controller-manager and scheduler read on a master; the CA on a worker too. */
	kubernetes: '/var/lib/kubernetes',
	kubelet: '/var/lib/kubelet',
	kubeProxy: '/var/lib/kube-proxy',
	systemd: '/etc/systemd/system',
	/** Component configuration files (the scheduler's --config). */
	config: '/etc/kubernetes/config',
	/** The load balancer's configuration. */
	haproxy: '/etc/haproxy',
} as const;

/** Where the guide installs etcd itself on each master (its certificates: installDirs.etcd, placed by distribution()). */
export const etcdInstall = {
	binary: '/usr/local/bin/etcd',
	dataDir: '/var/lib/etcd',
	envFile: `${installDirs.etcd}/etcd.env`,
	unitName: unitFileName('etcd'),
} as const;

/**
 * The services of the hard way that read the delivered files, where they run and the folders they read from
 * (the guide runs no kubelet on its masters). The Ansible handlers and Delivery.services come from this table.
 */
export const hardwayServices = [
	{name: 'etcd', runsOn: 'master', reads: [installDirs.etcd, installDirs.systemd]},
	{name: 'kube-apiserver', runsOn: 'master', reads: [installDirs.kubernetes, installDirs.systemd]},
	{name: 'kube-controller-manager', runsOn: 'master', reads: [installDirs.kubernetes, installDirs.systemd]},
	{name: 'kube-scheduler', runsOn: 'master', reads: [installDirs.kubernetes, installDirs.config, installDirs.systemd]},
	{name: 'kubelet', runsOn: 'worker', reads: [installDirs.kubelet, installDirs.kubernetes, installDirs.systemd]},
	{name: 'kube-proxy', runsOn: 'worker', reads: [installDirs.kubeProxy, installDirs.systemd]},
] as const satisfies ReadonlyArray<{name: string; runsOn: 'master' | 'worker'; reads: readonly string[]}>;

export type NodeService = (typeof hardwayServices)[number]['name'];

/** True when a component named in the plan (`kubelet (node1)`, `etcd`, `kubectl (admin)`) is this service. */
export function isService(component: string, service: string): boolean {
	return component === service || component.startsWith(`${service} `);
}

/** A file's name up to its first dot: a unit is its service's, a component configuration its component's. */
function stem(file: string): string {
	return file.slice(file.lastIndexOf('/') + 1).split('.')[0] ?? file;
}

/**
 * Which services read a file installed at these paths on a machine of this role: the services of the role that read
 * from each path's folder, narrowed to the readers the plan names (a certificate's consumers, a kubeconfig's component).
 * Without named readers (a unit, a config file) the file's name says whose it is.
 */
function servicesReading(role: string, installTo: readonly string[], readers: readonly string[]): NodeService[] {
	const found = new Set<NodeService>();
	for (const file of installTo) {
		const dir = file.slice(0, file.lastIndexOf('/'));
		const named = dir === installDirs.systemd ? [stem(file)] : readers;
		for (const service of hardwayServices) {
			if (service.runsOn !== role || !(service.reads as readonly string[]).includes(dir)) continue;
			if (named.some(reader => isService(reader, service.name))) found.add(service.name);
		}
	}

	return hardwayServices.map(s => s.name).filter(name => found.has(name));
}

/** What one machine receives (the guide's distribution list, corrected: masters need more than certs). */
export type Bundle = {
	readonly host: string;
	readonly ip: string;
	readonly role: 'master' | 'worker';
	readonly files: readonly Delivery[];
};

export {bundlesDir, unitsDir} from './placement.js';

/** One unit or configuration file of a service: its name, the folder it is installed in, what it is. */
export type ServiceFile = {readonly file: string; readonly dir: string; readonly why: string; readonly service: NodeService};

/** The units and configuration files of the services that read the PKI, per role of machine. */
export const serviceFiles: Readonly<Record<'master' | 'worker', readonly ServiceFile[]>> = {
	master: [
		{file: unitFileName('kube-apiserver'), dir: installDirs.systemd, why: 'kube-apiserver (systemd unit)', service: 'kube-apiserver'},
		{file: unitFileName('kube-controller-manager'), dir: installDirs.systemd, why: 'kube-controller-manager (systemd unit)', service: 'kube-controller-manager'},
		{file: unitFileName('kube-scheduler'), dir: installDirs.systemd, why: 'kube-scheduler (systemd unit)', service: 'kube-scheduler'},
		{file: componentConfigNames.scheduler, dir: installDirs.config, why: 'kube-scheduler --config (KubeSchedulerConfiguration)', service: 'kube-scheduler'},
	],
	worker: [
		{file: unitFileName('kubelet'), dir: installDirs.systemd, why: 'kubelet (systemd unit)', service: 'kubelet'},
		{file: componentConfigNames.kubelet, dir: installDirs.kubelet, why: 'kubelet --config (KubeletConfiguration)', service: 'kubelet'},
		{file: unitFileName('kube-proxy'), dir: installDirs.systemd, why: 'kube-proxy (systemd unit)', service: 'kube-proxy'},
		{file: componentConfigNames.kubeProxy, dir: installDirs.kubeProxy, why: 'kube-proxy --config (KubeProxyConfiguration)', service: 'kube-proxy'},
	],
};

export {apiserverToKubeletRbacName} from './placement.js';

/** Which file goes to which machine: certificates by the plan's copyTo, then kubeconfigs, encryption, etcd. */
// A plan is never changed once built, and its distribution is asked for many times by one run (each unit's flags,
// etcd's files, the copies, the layout, the manifest): made once per plan.
const distributions = new WeakMap<Plan, readonly Bundle[]>();
export function distribution(plan: Plan): readonly Bundle[] {
	let bundles = distributions.get(plan);
	if (!bundles) {
		bundles = makeDistribution(plan);
		distributions.set(plan, bundles);
	}

	return bundles;
}

function makeDistribution(plan: Plan): readonly Bundle[] {
	const {topology} = plan;
	const hosts = [
		...topology.masters.map(h => ({...h, role: 'master' as const})),
		...topology.workers.map(h => ({...h, role: 'worker' as const})),
	];
	const files = new Map<string, Delivery[]>(hosts.map(h => [h.name, []]));
	const roleOf = new Map(hosts.map(h => [h.name, h.role]));
	// `readers`: who reads the file, as the plan names them; without, the file's name says (a component's configuration).
	const give = (host: string, {readers, ...delivery}: Omit<Delivery, 'services'> & {readers?: readonly string[]}) => {
		const list = files.get(host);
		if (!list) throw new Error(`bug: ${delivery.source} is meant for ${host}, which is not in the cluster`);
		const services = servicesReading(roleOf.get(host) ?? '', delivery.installTo, readers ?? [stem(delivery.target)]);
		if (!list.some(d => d.target === delivery.target)) list.push({...delivery, services});
	};
	const {etcd, kubernetes, kubelet, kubeProxy, systemd} = installDirs;

	for (const spec of plan.certs) {
		const paths = hardwayPaths(spec);
		const readers = spec.consumers.map(c => c.component);
		// etcd reads the CA (to check peers and clients) and the certificate it serves with, from its own folder.
		const etcdReads = spec.consumers.some(c => c.component === 'etcd');
		const etcdReadsKey = etcdReads && spec.signer !== 'self';
		for (const host of spec.copyTo.cert) {
			const onWorker = roleOf.get(host) === 'worker';
			const dirs = onWorker ? [spec.role === 'kubelet' ? kubelet : kubernetes] : [...(etcdReads ? [etcd] : []), kubernetes];
			give(host, {source: paths.cert, target: paths.cert, why: spec.title, installTo: dirs.map(dir => `${dir}/${paths.cert}`), readers});
		}

		for (const host of spec.copyTo.key) {
			const onWorker = roleOf.get(host) === 'worker';
			const dirs = onWorker ? [spec.role === 'kubelet' ? kubelet : kubernetes] : [...(etcdReadsKey ? [etcd] : []), kubernetes];
			give(host, {source: paths.key, target: paths.key, why: `${spec.title} (private key)`, installTo: dirs.map(dir => `${dir}/${paths.key}`), readers});
		}
	}

	// While a CA is rotated the controller-manager signs with a pair of its own (signingPaths): on every master.
	for (const spec of plan.certs.filter(s => plan.rotation?.cas.includes(s.id))) {
		const signing = signingPaths(plan, spec);
		for (const master of topology.masters) {
			give(master.name, {source: signing.cert, target: signing.cert, why: `${spec.title}: the certificate CSRs are signed with during the rotation`, installTo: [`${kubernetes}/${signing.cert}`], readers: ['kube-controller-manager']});
			give(master.name, {source: signing.key, target: signing.key, why: `${spec.title}: the key CSRs are signed with during the rotation`, installTo: [`${kubernetes}/${signing.key}`], readers: ['kube-controller-manager']});
		}
	}

	for (const kubeconfig of kubeconfigSpecs(plan)) {
		// The guide installs a worker's two kubeconfigs as `kubeconfig` in the folder of the service that reads it.
		const installed = (host: string) =>
			roleOf.get(host) === 'worker'
				? [kubeconfig.certId === 'kube-proxy' ? `${kubeProxy}/kubeconfig` : `${kubelet}/kubeconfig`]
				: [`${kubernetes}/${kubeconfig.file}`];
		for (const host of kubeconfig.hosts) give(host, {source: kubeconfig.file, target: kubeconfig.file, why: `kubeconfig of ${kubeconfig.component}`, installTo: installed(host), readers: [kubeconfig.component]});
	}

	for (const master of topology.masters) {
		// Every API server must decrypt what any other wrote: the same file on every master.
		give(master.name, {
			source: encryptionConfigName,
			target: encryptionConfigName,
			why: 'kube-apiserver --encryption-provider-config',
			installTo: [`${kubernetes}/${encryptionConfigName}`],
			readers: ['kube-apiserver'],
		});
		give(master.name, {
			source: etcdUnitSource(master.name),
			target: etcdInstall.unitName,
			why: `etcd member ${master.name} (systemd unit)`,
			installTo: [`${systemd}/${etcdInstall.unitName}`],
		});
		give(master.name, {
			source: apiserverToKubeletRbacName,
			target: apiserverToKubeletRbacName,
			why: 'RBAC for the API server towards the kubelets (kubectl apply -f, once)',
			installTo: [`${kubernetes}/${apiserverToKubeletRbacName}`],
			// Applied once with kubectl: no service reads it.
			readers: [],
		});
	}

	for (const host of hosts) {
		for (const unit of serviceFiles[host.role]) {
			give(host.name, {source: unitPath(host.name, unit.file), target: unit.file, why: unit.why, installTo: [`${unit.dir}/${unit.file}`], readers: [unit.service]});
		}
	}

	return hosts.map(h => ({host: h.name, ip: h.ip, role: h.role, files: files.get(h.name) ?? []}));
}

/**
 * Where a file of the output folder is installed on a host (its first install path), e.g. for a flag in a unit:
 * installedAt(plan, 'master1', <the CA certificate>) is its file under /var/lib/kubernetes/. Throws (a bug) when the host does not get it.
 */
export function installedAt(bundles: readonly Bundle[], host: string, source: string, dir?: string): string {
	const delivery = bundles.find(b => b.host === host)?.files.find(d => d.source === source);
	const found = delivery?.installTo.find(p => dir === undefined || p.startsWith(`${dir}/`));
	if (!found) throw new Error(`bug: ${source} is not installed on ${host}${dir ? ` under ${dir}` : ''}`);
	return found;
}

/**
 * `nodes/<host>/<file>` copies of what each machine needs, with the modes of the originals (keys stay 0600),
 * and the copy script. `written` holds the files made so far (certificates, kubeconfigs, ...).
 */
export function bundleFiles(plan: Plan, written: readonly OutputFile[]): OutputFile[] {
	const byPath = new Map(written.map(file => [file.path, file]));
	const bundles = distribution(plan);
	const copies = bundles.flatMap(bundle =>
		bundle.files.map((delivery): OutputFile => {
			const original = byPath.get(delivery.source);
			if (!original) throw new Error(`bug: ${delivery.source} is to be copied to ${bundle.host} but was not made`);
			return {
				path: bundlePath(bundle.host, delivery.target),
				content: original.content,
				mode: original.mode,
				kind: 'bundle',
				...(original.certId && {certId: original.certId}),
			};
		}),
	);
	return [...copies, {path: copyScriptPath, content: copyScript(plan, bundles), mode: fileModes.script, kind: 'copy-script'}];
}

/** Single-quote a word for sh (file names here are plain, but a script should not depend on it). */
function shQuote(word: string): string {
	return /^[\w./:@=+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The scp commands that put each bundle in place. Written for a person to read and run; kubepki never runs it. */
export function copyScript(plan: Plan, bundles: readonly Bundle[] = distribution(plan)): string {
	const lines = [
		'#!/bin/sh',
		`# Copies each machine's files of cluster ${plan.topology.cluster} to its home folder. Written by kubepki, never run by it:`,
		'# read it, then run it from anywhere (it changes to its own folder). SSH_USER=name sets the remote user.',
		'# scp -p keeps the modes, so private keys arrive 0600. Then, on each machine, move the files where the guide',
		`# installs them (masters: ${installDirs.etcd}/ for etcd, ${installDirs.kubernetes}/ for the API server; workers: ${installDirs.kubelet}/,`,
		`# ${installDirs.kubeProxy}/ and ${installDirs.kubernetes}/${hardwayCaCert}). Each host's list below says where each file goes.`,
		'set -eu',
		'cd "$(dirname "$0")"',
		'at="${SSH_USER:+$SSH_USER@}"',
		'',
	];
	for (const bundle of bundles) {
		lines.push(
			`# ${bundle.host} (${bundle.role}); on the machine, each file goes to:`,
			...bundle.files.map(d => `#   ${d.target} -> ${d.installTo.join(' ')}`),
			`scp -p ${bundle.files.map(d => shQuote(`${bundle.host}/${d.target}`)).join(' ')} "\${at}${urlHost(bundle.ip)}:~/"`,
			'',
		);
	}

	return lines.join('\n');
}


/**
 * A copy script that keeps each file's path: every file goes to its full install path on its machine, so two files
 * of the same name in different folders (kubeadm's CA certificates of pki/ and pki/etcd/) never meet. For each
 * machine, the files are grouped by the folder they are installed under (the longest tail the output path and the
 * install path share: `<host>/pki/x` installed at /etc/kubernetes/pki/x is pki/x under /etc/kubernetes) and carried
 * as a tar stream, which keeps the modes (keys 0600) and makes the folders. `DEST=dir` writes each machine's root as
 * dir/<host>/ instead of over ssh (to look before copying); HOST arguments copy only those machines. `name` is the
 * script's own file name, for its usage line. Written for a person to read and run; kubepki never runs it.
 */
export function installScript(plan: Plan, bundles: readonly Bundle[], what: string, name: string): string {
	const lines = [
		'#!/bin/sh',
		`# Copies ${what} of cluster ${plan.topology.cluster} to each machine, every file to its full install path`,
		'# (listed per machine below), so files of the same name in different folders stay apart. Written by kubepki,',
		'# never run by it: read it, then run it from anywhere (it changes to its own folder).',
		`#   sh ${name} [HOST...]   only these machines (default: every one)`,
		'#   SSH_USER=name          the remote user; the remote side runs tar under sudo (SUDO= for none)',
		'#   DEST=dir               no ssh: write each machine\'s files under dir/<host>/ (dir/<host>/etc/..., to look first)',
		'# tar -p keeps the modes, so private keys arrive 0600; the files are owned by whoever unpacks them.',
		'set -eu',
		'cd "$(dirname "$0")"',
		'at="${SSH_USER:+$SSH_USER@}"',
		'sudo="${SUDO-sudo}"',
		'only=" $* "',
		'# put HOST ADDRESS FROM INTO FILE...: the files of FROM (relative paths) to the same paths under INTO.',
		'put() {',
		'	host=$1 address=$2 from=$3 into=$4',
		'	shift 4',
		'	case "$only" in "  " | *" $host "*) ;; *) return 0 ;; esac',
		'	if [ -n "${DEST:-}" ]; then',
		'		mkdir -p "$DEST/$host$into"',
		'		tar -C "$from" -cf - "$@" | tar -C "$DEST/$host$into" --no-same-owner -xpf -',
		'	else',
		'		tar -C "$from" -cf - "$@" | ssh "$at$address" "$sudo mkdir -p \'$into\' && $sudo tar -C \'$into\' --no-same-owner -xpf -"',
		'	fi',
		'}',
		'',
	];
	for (const bundle of bundles) {
		if (bundle.files.length === 0) continue;
		lines.push(`# ${bundle.host} (${bundle.role}):`, ...bundle.files.map(d => `#   ${d.source} -> ${d.installTo.join(' ')}`));
		const groups = new Map<string, {from: string; into: string; files: string[]}>();
		for (const delivery of bundle.files) {
			for (const installed of delivery.installTo) {
				const {from, into, rel} = sharedTail(delivery.source, installed);
				const key = `${from}\n${into}`;
				const group = groups.get(key) ?? {from, into, files: []};
				if (!group.files.includes(rel)) group.files.push(rel);
				groups.set(key, group);
			}
		}

		for (const group of groups.values()) lines.push(`put ${shQuote(bundle.host)} ${shQuote(urlHost(bundle.ip))} ${shQuote(group.from)} ${shQuote(group.into)} ${group.files.map(shQuote).join(' ')}`);
		lines.push('');
	}

	return lines.join('\n');
}

/** An output path and an install path split into the folders they sit in and the tail they share. */
function sharedTail(source: string, installed: string): {from: string; into: string; rel: string} {
	const a = source.split('/');
	const b = installed.split('/');
	let shared = 0;
	while (shared < a.length && shared < b.length - 1 && a[a.length - 1 - shared] === b[b.length - 1 - shared]) shared++;
	if (shared === 0) throw new Error(`bug: ${source} and ${installed} do not end in the same name`);
	const rel = a.slice(a.length - shared).join('/');
	return {from: a.slice(0, a.length - shared).join('/') || '.', into: b.slice(0, b.length - shared).join('/') || '/', rel};
}
