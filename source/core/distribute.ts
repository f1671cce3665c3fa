import {encryptionConfigName} from './encryption.js';
import {etcdInstall} from './etcd.js';
import {urlHost} from './ip.js';
import {kubeconfigSpecs} from './kubeconfig.js';
import type {Plan} from './plan.js';
import type {OutputFile} from './write.js';

/** One file for one machine: where it is in the output folder, and its name on the machine. */
export type Delivery = {readonly source: string; readonly target: string; readonly why: string};

/** What one machine receives (the guide's distribution list, corrected: masters need more than certs). */
export type Bundle = {
	readonly host: string;
	readonly ip: string;
	readonly role: 'master' | 'worker';
	readonly files: readonly Delivery[];
};

export const bundlesDir = 'nodes';

/** Which file goes to which machine: certificates by the plan's copyTo, then kubeconfigs, encryption, etcd. */
export function distribution(plan: Plan): Bundle[] {
	const {topology} = plan;
	const hosts = [
		...topology.masters.map(h => ({...h, role: 'master' as const})),
		...topology.workers.map(h => ({...h, role: 'worker' as const})),
	];
	const files = new Map<string, Delivery[]>(hosts.map(h => [h.name, []]));
	const give = (host: string, delivery: Delivery) => {
		const list = files.get(host);
		if (!list) throw new Error(`bug: ${delivery.source} is meant for ${host}, which is not in the cluster`);
		if (!list.some(d => d.target === delivery.target)) list.push(delivery);
	};

	for (const spec of plan.certs) {
		for (const host of spec.copyTo.cert) give(host, {source: `${spec.file}.pem`, target: `${spec.file}.pem`, why: spec.title});
		for (const host of spec.copyTo.key) give(host, {source: `${spec.file}-key.pem`, target: `${spec.file}-key.pem`, why: `${spec.title} (private key)`});
	}

	for (const kubeconfig of kubeconfigSpecs(plan)) {
		for (const host of kubeconfig.hosts) give(host, {source: kubeconfig.file, target: kubeconfig.file, why: `kubeconfig of ${kubeconfig.component}`});
	}

	for (const master of topology.masters) {
		// Every API server must decrypt what any other wrote: the same file on every master.
		give(master.name, {source: encryptionConfigName, target: encryptionConfigName, why: 'kube-apiserver --encryption-provider-config'});
		give(master.name, {source: `etcd/${master.name}.service`, target: etcdInstall.unitName, why: `etcd member ${master.name} (systemd unit)`});
	}

	return hosts.map(h => ({host: h.name, ip: h.ip, role: h.role, files: files.get(h.name) ?? []}));
}

/**
 * `nodes/<host>/<file>` copies of what each machine needs, with the modes of the originals (keys stay 0600),
 * and `nodes/copy.sh`. `written` holds the files made so far (certificates, kubeconfigs, ...).
 */
export function bundleFiles(plan: Plan, written: readonly OutputFile[]): OutputFile[] {
	const byPath = new Map(written.map(file => [file.path, file]));
	const bundles = distribution(plan);
	const copies = bundles.flatMap(bundle =>
		bundle.files.map((delivery): OutputFile => {
			const original = byPath.get(delivery.source);
			if (!original) throw new Error(`bug: ${delivery.source} is to be copied to ${bundle.host} but was not made`);
			return {
				path: `${bundlesDir}/${bundle.host}/${delivery.target}`,
				content: original.content,
				mode: original.mode,
				kind: 'bundle',
				...(original.certId && {certId: original.certId}),
			};
		}),
	);
	return [...copies, {path: `${bundlesDir}/copy.sh`, content: copyScript(plan, bundles), mode: 0o755, kind: 'copy-script'}];
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
		`# installs them (masters: ${etcdInstall.certDir}/ for etcd, /var/lib/kubernetes/ for the API server; workers: /var/lib/kubelet/).`,
		'set -eu',
		'cd "$(dirname "$0")"',
		'at="${SSH_USER:+$SSH_USER@}"',
		'',
	];
	for (const bundle of bundles) {
		lines.push(
			`# ${bundle.host} (${bundle.role})`,
			`scp -p ${bundle.files.map(d => shQuote(`${bundle.host}/${d.target}`)).join(' ')} "\${at}${urlHost(bundle.ip)}:~/"`,
			'',
		);
	}

	return lines.join('\n');
}
