import {
	certCommands,
	cfsslConfigCommands,
	comment,
	encryptionCommands,
	kubectlConfCommands,
	kubectlKubeconfigCommands,
	serviceAccountKeyCommands,
	shellWord,
	type ByHandFlavor,
} from './by-hand.js';
import {defaultEncryptionProvider, encryptionConfigName, type EncryptionProvider} from './encryption.js';
import {kubeadmConfs} from './kubeadm.js';
import {kubeconfigSpecs} from './kubeconfig.js';
import {fileModes, hardwayCertFiles, hardwayPaths, kubeadmHostFiles, kubeadmServiceAccount, publicKeyName} from './placement.js';
import {signingOrder, type CertSpec, type Layout, type Plan} from './plan.js';
import {installLines, toolProbes} from './tools.js';

/*
 * `kubepki script`: the whole PKI as the bash a person would type, cfssl or openssl flavour. Built from the
 * same plan as `generate` and from the same per-step snippets as the wizard's "show command", so the three
 * cannot drift apart. The work (keys, CSRs, extension files, cfssl's JSON) happens in a scratch folder that
 * is removed at the end, even on failure; only then are the finished files put in place, under the names
 * and with the modes `generate` gives them (placement.ts names them, for both layouts).
 */

export type ScriptOptions = {
	readonly flavor: ByHandFlavor;
	readonly encryptionProvider?: EncryptionProvider;
	/** Where the cluster came from, for the header. */
	readonly source?: string;
};

/** The tools each flavour calls, in the order the script checks them. */
export function scriptTools(flavor: ByHandFlavor, layout: Layout = 'hardway'): string[] {
	// kubeadm's service-account pair is a bare key pair, which cfssl does not make: openssl does it in both flavours.
	if (flavor === 'cfssl') return ['cfssl', 'cfssljson', ...(layout === 'kubeadm' ? ['openssl'] : []), 'kubectl'];
	return ['openssl', 'kubectl'];
}

/** One file the script leaves behind: where the scratch folder has it, where it goes, with which mode. */
export type ScriptOutput = {
	/** Path inside the scratch folder. */
	readonly from: string;
	/** Path inside the folder the script runs in. */
	readonly path: string;
	readonly mode: 0o600 | 0o644;
	readonly kind: 'certificate' | 'private-key' | 'public-key' | 'kubeconfig' | 'encryption-config';
};

function hardwayOutputs(plan: Plan): ScriptOutput[] {
	return [
		...plan.certs.flatMap(spec => hardwayCertFiles(spec).map((file): ScriptOutput => ({from: file.path, path: file.path, mode: file.mode, kind: file.part === 'cert' ? 'certificate' : 'private-key'}))),
		...kubeconfigSpecs(plan).map((k): ScriptOutput => ({from: k.file, path: k.file, mode: fileModes.kubeconfig, kind: 'kubeconfig'})),
		{from: encryptionConfigName, path: encryptionConfigName, mode: fileModes.encryptionConfig, kind: 'encryption-config'},
	];
}

/** Where a spec's files go on one host in kubeadm's layout (placement's rule, as generate's): each is made once in the scratch folder and copied to every host that needs it. */
function kubeadmHostOutputs(spec: CertSpec, host: string): ScriptOutput[] {
	const scratch = hardwayPaths(spec);
	return kubeadmHostFiles(spec, host).map((file): ScriptOutput => {
		if (file.part === 'cert') return {from: scratch.cert, path: file.path, mode: file.mode, kind: 'certificate'};
		if (file.part === 'key') return {from: scratch.key, path: file.path, mode: file.mode, kind: 'private-key'};
		return {from: publicKeyName(spec), path: file.path, mode: file.mode, kind: 'public-key'};
	});
}

function kubeadmOutputs(plan: Plan): ScriptOutput[] {
	const confs = kubeadmConfs(plan);
	return [...plan.topology.masters, ...plan.topology.workers].flatMap(host => [
		...plan.certs.flatMap(spec => kubeadmHostOutputs(spec, host.name)),
		...confs.filter(conf => conf.host === host.name).map((conf): ScriptOutput => {
			return {from: conf.path, path: conf.path, mode: fileModes.kubeconfig, kind: 'kubeconfig'};
		}),
	]);
}

/** Every file the script puts in its folder, derived from the plan: what `generate` writes, less etcd/, nodes/ and the manifest. */
export function scriptOutputs(plan: Plan): ScriptOutput[] {
	return plan.layout === 'kubeadm' ? kubeadmOutputs(plan) : hardwayOutputs(plan);
}

function section(title: string): string[] {
	return ['', `# ${'-'.repeat(3)} ${title} ${'-'.repeat(Math.max(3, 96 - title.length))}`];
}

/** Stop before anything is made when a tool is missing, saying how to install it. */
function toolCheck(flavor: ByHandFlavor, layout: Layout): string[] {
	return scriptTools(flavor, layout).map(name => {
		const probe = toolProbes.find(p => p.name === name);
		const hint = probe ? installLines(probe).join('; ') : `install ${name}`;
		return `command -v ${name} > /dev/null || { echo ${shellSingle(`${name} is missing. ${hint}`)} >&2; exit 1; }`;
	});
}

function shellSingle(text: string): string {
	return `'${text.replaceAll("'", "'\\''")}'`;
}

/** Words spread over continuation lines of at most about 100 characters. */
function wrapped(first: string, words: readonly string[], last: string): string[] {
	const lines: string[] = [];
	let line = first;
	for (const word of words) {
		if (line.length + word.length > 100) {
			lines.push(`${line} \\`);
			line = '  ';
		}

		line += ` ${word}`;
	}

	return [...lines, `${line}${last}`];
}

/** Refuse to run where any of the files (or host folders) already is: a new CA would orphan what the old one signed. */
function emptyFolderCheck(outputs: readonly ScriptOutput[]): string[] {
	const top = [...new Set(outputs.map(output => output.path.split('/')[0]!))];
	return [
		...wrapped('for name in', top.map(name => shellWord(name)), '; do'),
		'  if [ -e "$name" ]; then echo "$name already exists here: run this script in an empty folder" >&2; exit 1; fi',
		'done',
	];
}

/** The scratch folder, inside the target folder (private keys never leave it), removed on every exit. */
function scratchFolder(): string[] {
	return [
		'# Everything is made in a scratch folder that is removed on exit, failed or not: CSRs, extension files and',
		'# signing profiles never land here, and the finished files are put in place only once all of them exist.',
		'OUT=$(pwd)',
		'# A scratch folder left by a run that was killed outright (kill -9) still holds private keys: remove it, but only',
		'# when the run that made it (its pid is in the name) is gone: another run in this folder may be using its own.',
		'for old in "$OUT"/.kubepki-script.*.??????; do',
		'  [ -d "$old" ] || continue',
		'  pid=${old##*/.kubepki-script.}; pid=${pid%%.*}',
		'  case $pid in ""|*[!0-9]*) continue ;; esac',
		'  [ -d "/proc/$pid" ] || kill -0 "$pid" 2>/dev/null || rm -rf "$old"',
		'done',
		'WORK=$(mktemp -d "$OUT/.kubepki-script.$$.XXXXXX")',
		`trap 'rm -rf "$WORK"' EXIT`,
		`trap 'exit 1' HUP INT TERM`,
		'cd "$WORK"',
	];
}

/** Copy the finished files from the scratch folder to their places: certificates 0644, keys and kubeconfigs 0600. */
function placeCommands(outputs: readonly ScriptOutput[]): string[] {
	const dirs = [...new Set(outputs.map(output => output.path.split('/').slice(0, -1).join('/')).filter(Boolean))];
	// mkdir -p under umask 077: the folders are 0700, as generate makes them; a parent listed before a child is fine.
	const leaves = dirs.filter(dir => !dirs.some(other => other.startsWith(`${dir}/`)));
	return [
		'cd "$OUT"',
		...(leaves.length > 0 ? wrapped('mkdir -p', leaves.map(dir => shellWord(dir)), '') : []),
		...outputs.map(output => `install -m ${output.mode.toString(8)} "$WORK"/${shellWord(output.from)} ${shellWord(output.path)}`),
	];
}

/** The whole script, ready to save and run with bash. */
export function buildScript(plan: Plan, options: ScriptOptions): string {
	const {flavor} = options;
	const layout: Layout = plan.layout ?? 'hardway';
	const kubeadm = layout === 'kubeadm';
	const specs = signingOrder(plan.certs);
	// kubeadm's service account signer is a key pair, not a certificate.
	const certs = specs.filter(spec => !(kubeadm && spec.role === 'service-account'));
	const keyPairs = specs.filter(spec => kubeadm && spec.role === 'service-account');
	const outputs = scriptOutputs(plan);
	const provider = options.encryptionProvider ?? defaultEncryptionProvider;
	const confs = kubeadm ? kubeadmConfs(plan) : [];
	const kubeconfigs = kubeadm ? [] : kubeconfigSpecs(plan);
	const kubeconfigCount = kubeadm ? confs.length : kubeconfigs.length;
	const command = `kubepki script --flavor ${flavor}${kubeadm ? ' --layout kubeadm' : ''}`;
	const what = kubeadm
		? `${certs.length} certificates, ${kubeadmServiceAccount.key}/${kubeadmServiceAccount.pub} and ${kubeconfigCount} .conf kubeconfigs`
		: `${certs.length} certificates, ${kubeconfigCount} kubeconfigs and ${encryptionConfigName}`;
	const lines = [
		'#!/usr/bin/env bash',
		`# The PKI of cluster ${comment(plan.topology.cluster)} by hand, with ${flavor} and kubectl (${comment(options.source ?? 'built-in example cluster')}).`,
		`# Printed by \`${command}\` from the same plan as \`kubepki generate${kubeadm ? ' --layout kubeadm' : ''}\`:`,
		`# ${what}, under the same names${kubeadm ? ' (one folder per machine)' : ''}. Run it in an empty folder.`,
		'set -euo pipefail',
		'# Private keys (and every file while it is made) readable by their owner only; certificates become 0644 at the end.',
		'umask 077',
		'',
		...toolCheck(flavor, layout),
		...emptyFolderCheck(outputs),
		'',
		...scratchFolder(),
	];

	if (flavor === 'cfssl') lines.push(...section('cfssl signing profiles'), ...cfsslConfigCommands(plan));
	lines.push(...section('certificates'));
	for (const [index, spec] of certs.entries()) lines.push(...(index > 0 ? [''] : []), ...certCommands(plan, spec, flavor));
	for (const spec of keyPairs) lines.push('', ...serviceAccountKeyCommands(spec));
	lines.push(...section('kubeconfigs (certificates embedded)'));
	if (kubeadm) {
		const hosts = [...new Set(confs.map(conf => conf.host))];
		lines.push(...wrapped('mkdir', hosts.map(host => shellWord(host)), ''));
		for (const conf of confs) lines.push('', ...kubectlConfCommands(plan, conf, conf.path));
	} else {
		for (const [index, kubeconfig] of kubeconfigs.entries()) lines.push(...(index > 0 ? [''] : []), ...kubectlKubeconfigCommands(plan, kubeconfig));
		lines.push(...section('encryption at rest'), ...encryptionCommands(provider));
	}

	lines.push(...section('into place: certificates 0644, keys and kubeconfigs 0600; the scratch folder goes'), ...placeCommands(outputs));
	lines.push('', `echo "done: ${what} in $(pwd)"`);
	return lines.join('\n') + '\n';
}
