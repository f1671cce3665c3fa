import {machineCopies, placed} from '../../../core/layout-files.js';
import {bundleHostOf, bundlePath, copyScriptPath, encryptionConfigName, hardwayCaCert} from '../../../core/placement.js';
import type {OutputFile} from '../../../core/write.js';
import {labelled, textLines, type Line} from '../../widgets/lines.js';
import type {Item, WizardState} from '../state.js';
import type {StageDef} from '../stage-def.js';
import {pendingLines, none} from './common.js';

function mode(file: OutputFile): string {
	return `0${file.mode.toString(8)}`;
}

/** Which machines get each file of the output folder (core's placed: the same distribution list as the bundles). */
function destinations(state: WizardState, files: readonly OutputFile[]): Map<string, readonly string[]> {
	const plan = state.preview?.plan;
	if (!plan) return new Map();
	return new Map(placed(plan, files).filter(file => file.hosts.length > 0).map(file => [file.path, file.hosts]));
}

/**
 * Top-level files one by one, each with its mode and the machines it goes to; the per-machine copies under
 * nodes/ as one line per machine.
 */
function fileLines(state: WizardState, files: readonly OutputFile[], width: number): Line[] {
	const lines: Line[] = [];
	const perHost = new Map<string, number>();
	const where = destinations(state, files);
	const top = files.filter(file => bundleHostOf(file.path) === undefined);
	// The path column is as wide as the longest path, leaving room for where it goes.
	// (a longer name just pushes its own row's destination to the right).
	const column = Math.max(12, Math.min(Math.max(...top.map(f => f.path.length)), Math.floor((width - 6) / 2)));
	for (const file of files) {
		const bundle = bundleHostOf(file.path);
		if (bundle !== undefined) {
			perHost.set(bundle, (perHost.get(bundle) ?? 0) + 1);
			continue;
		}

		const secret = file.mode === 0o600;
		const hosts = where.get(file.path);
		const lb = state.preview?.plan.topology.loadBalancer.name;
		const goes = hosts
			? `→ ${hosts.join(' ')}`
			: file.kind === 'haproxy'
				? `→ ${lb ?? 'the load balancer'} (copy it by hand)`
				: file.kind === 'certificate' || file.kind === 'private-key'
					? '(in its kubeconfig)'
					: '(stays here)';
		const head = `${mode(file)}  ${file.path.padEnd(column)} `;
		const rest = textLines(goes, width - head.length);
		lines.push({text: head + (rest[0]?.text ?? ''), tone: secret ? 'warn' : undefined});
		for (const more of rest.slice(1)) lines.push({text: ' '.repeat(head.length) + more.text, tone: 'muted'});
	}

	for (const [host, count] of perHost) lines.push({text: `0700  ${bundlePath(host, '').padEnd(column)} ${count} files for ${host}`.slice(0, width), tone: 'muted'});
	return lines;
}

function copyList(state: WizardState, width: number): Line[] {
	const plan = state.preview?.plan;
	if (!plan) return [];
	const lines: Line[] = textLines(`What goes to each machine (nodes/<host>/, copied by ${copyScriptPath}):`, width).map(l => ({...l, bold: true}));
	for (const bundle of machineCopies(plan)) {
		lines.push({text: `${bundle.host} (${bundle.role}, ${bundle.ip})`, tone: 'accent', bold: true});
		lines.push(...textLines(bundle.files.join('  '), width - 2, undefined, '').map(l => ({...l, text: `  ${l.text}`})));
	}

	return lines;
}

export const reviewStage = {
	id: 'review',
	title: 'Review & write',
	short: 'Review & write',
	produces: none,
	decidesFiles: true,
	items(state): Item[] {
		// What was typed into the Cluster stage, kept as a file `generate --config` reads.
		const saveCluster: Item = {kind: 'action', id: 'save-cluster', label: `Save the cluster as ${state.outDir}/cluster.yaml (e)`};
		if (state.write.phase === 'written') {
			return [...(state.viewerAvailable ? [{kind: 'action', id: 'view', label: 'Open the viewer on the folder (v)'} as const] : []), saveCluster, {kind: 'action', id: 'quit', label: 'Finish'}];
		}

		const count = state.write.phase === 'ready' ? ` ${state.write.prepared.files.length} files` : '';
		return [{kind: 'action', id: 'write', label: `Write${count} to ${state.outDir}`}, saveCluster];
	},
	body(state, width) {
		const pending = pendingLines(state, width);
		if (pending) return pending;
		// The folder as an absolute path: `pki` is relative to wherever the wizard was started.
		const folder = state.outPath ? labelled('Folder', state.outPath, width, 8, 'accent') : [];
		return [...folder, ...phaseLines(state, width)];
	},
	commands: state => [`kubepki generate --out ${state.outDir}   # the same files, no questions`, `openssl verify -CAfile ${state.outDir}/${hardwayCaCert} ${state.outDir}/*.pem`],
} as const satisfies StageDef;

function phaseLines(state: WizardState, width: number): Line[] {
	switch (state.write.phase) {
		case 'idle':
		case 'preparing': {
			return [{text: '… deciding the files', tone: 'muted'}];
		}

		case 'failed': {
			return textLines(`✗ ${state.write.error}`, width, 'error');
		}

		case 'writing': {
			return [{text: `… writing ${state.write.prepared.files.length} files`, tone: 'muted'}];
		}

		case 'ready': {
			const {prepared} = state.write;
			const encryption = prepared.encryption.status === 'kept' ? `! ${encryptionConfigName} exists and is kept (${prepared.encryption.provider}): a new key would lock out its secrets.` : undefined;
			const retiring = prepared.retiring ?? [];
			const opening = prepared.hasPreviousRun
				? `${state.outDir} holds an earlier run; nothing of it has changed yet. Enter writes these ${prepared.files.length} files over it (as one set):`
				: `Nothing is on disk yet. Enter writes these ${prepared.files.length} files to ${state.outDir}:`;
			return [
				...textLines(`${opening} mode (0600 = only you can read it; folders 0700), name, and the machines it goes to:`, width, 'muted'),
				...(encryption ? textLines(encryption, width, 'warn') : []),
				...(retiring.length > 0
					? textLines(`! retired: ${retiring.length} file(s) of machines no longer in the cluster move to ${state.outDir}/retired/<UTC time>/ (${retiring.slice(0, 4).join(', ')}${retiring.length > 4 ? ', …' : ''}). Their certificates stay valid until their end date: Kubernetes checks no revocation list.`, width, 'warn')
					: []),
				...((prepared.etcdSteps ?? []).length > 0
					? [...textLines('! etcd membership changes; run on a master that stays, in this order, before the new units start:', width, 'warn'), ...(prepared.etcdSteps ?? []).flatMap(step => textLines(`  ${step}`, width, 'muted'))]
					: []),
				...fileLines(state, prepared.files, width),
				{text: ''},
				...copyList(state, width),
			];
		}

		case 'written': {
			return [
				...textLines(`✓ Wrote ${state.write.paths.length} files to ${state.outDir}.`, width, 'ok'),
				...textLines(`Next: read ${state.outDir}/${copyScriptPath}, then run it to copy each machine's files.`, width, 'muted'),
				...(state.viewerAvailable ? [] : textLines(`Inspect them: kubepki inspect ${state.outDir}`, width, 'muted')),
				{text: ''},
				...copyList(state, width),
			];
		}
	}
}
