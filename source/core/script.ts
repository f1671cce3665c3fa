import {certCommands, cfsslConfigCommands, encryptionCommands, kubectlKubeconfigCommands, type ByHandFlavor} from './by-hand.js';
import {defaultEncryptionProvider, encryptionConfigName, type EncryptionProvider} from './encryption.js';
import {kubeconfigSpecs} from './kubeconfig.js';
import type {CertSpec, Plan} from './plan.js';
import {installLines, toolProbes} from './tools.js';

/*
 * `kubepki script`: the whole PKI as the bash a person would type, cfssl or openssl flavour. Built from the
 * same plan as `generate` and from the same per-step snippets as the wizard's "show command", so the three
 * cannot drift apart. Everything is written to the current folder under the hard-way names.
 */

export type ScriptOptions = {
	readonly flavor: ByHandFlavor;
	readonly encryptionProvider?: EncryptionProvider;
	/** Where the cluster came from, for the header. */
	readonly source?: string;
};

/** The tools each flavour calls, in the order the script checks them. */
export function scriptTools(flavor: ByHandFlavor): string[] {
	return flavor === 'cfssl' ? ['cfssl', 'cfssljson', 'kubectl'] : ['openssl', 'kubectl'];
}

/** Roots first, then intermediates, then leaves: a certificate is signed only once its signer exists. */
function signingOrder(plan: Plan): CertSpec[] {
	const rank = (spec: CertSpec) => (spec.signer === 'self' ? 0 : spec.isCA ? 1 : 2);
	return [...plan.certs].sort((a, b) => rank(a) - rank(b));
}

function section(title: string): string[] {
	return ['', `# ${'-'.repeat(3)} ${title} ${'-'.repeat(Math.max(3, 96 - title.length))}`];
}

/** Stop before anything is made when a tool is missing, saying how to install it. */
function toolCheck(flavor: ByHandFlavor): string[] {
	return scriptTools(flavor).map(name => {
		const probe = toolProbes.find(p => p.name === name);
		const hint = probe ? installLines(probe).join('; ') : `install ${name}`;
		return `command -v ${name} > /dev/null || { echo ${shellSingle(`${name} is missing. ${hint}`)} >&2; exit 1; }`;
	});
}

/** Text for a comment line: a newline in a file name must not become a command. */
function comment(text: string): string {
	return text.replaceAll(/[\u0000-\u001F\u007F]/g, '?');
}

function shellSingle(text: string): string {
	return `'${text.replaceAll("'", "'\\''")}'`;
}

/** The whole script, ready to save and run with bash. */
export function buildScript(plan: Plan, options: ScriptOptions): string {
	const {flavor} = options;
	const certs = signingOrder(plan);
	const kubeconfigs = kubeconfigSpecs(plan);
	const provider = options.encryptionProvider ?? defaultEncryptionProvider;
	const roots = certs.filter(spec => spec.signer === 'self');
	const lines = [
		'#!/usr/bin/env bash',
		`# The PKI of cluster ${comment(plan.topology.cluster)} by hand, with ${flavor} and kubectl (${comment(options.source ?? 'built-in example cluster')}).`,
		`# Printed by \`kubepki script --flavor ${flavor}\` from the same plan as \`kubepki generate\`: ${certs.length} certificates,`,
		`# ${kubeconfigs.length} kubeconfigs and ${encryptionConfigName}, under the same file names. Run it in an empty folder.`,
		'set -euo pipefail',
		'# Private keys (and every other file made here) readable by their owner only.',
		'umask 077',
		'',
		...toolCheck(flavor),
		// Re-running would make a new CA and silently orphan everything the old one signed.
		...roots.map(root => `if [ -e ${root.file}.pem ]; then echo '${root.file}.pem already exists here: run this script in an empty folder' >&2; exit 1; fi`),
	];

	if (flavor === 'cfssl') lines.push(...section('cfssl signing profiles'), ...cfsslConfigCommands(plan));
	lines.push(...section('certificates'));
	for (const [index, spec] of certs.entries()) lines.push(...(index > 0 ? [''] : []), ...certCommands(plan, spec, flavor));
	lines.push(...section('kubeconfigs (certificates embedded)'));
	for (const [index, kubeconfig] of kubeconfigs.entries()) lines.push(...(index > 0 ? [''] : []), ...kubectlKubeconfigCommands(plan, kubeconfig));
	lines.push(...section('encryption at rest'), ...encryptionCommands(provider));
	lines.push('', `echo "done: ${certs.length} certificates, ${kubeconfigs.length} kubeconfigs and ${encryptionConfigName} in $(pwd)"`);
	return lines.join('\n') + '\n';
}
