// The words rotate-ca prints: what the phase changed, per machine what to copy, remove and restart, in the safe
// order, and what to check before the next phase. Pure: a result in, text out.
import {clusterCaNames, copyAllScriptPath, copyScriptPath, copyScriptPaths, kubeadmCaName, kubeadmPkiDir, rotationPaths} from './placement.js';
import type {Layout} from './plan.js';
import {rotationSteps, type CaChoice, type RotationPreview, type RotationResult, type RotationStatus} from './rotate.js';

// The cluster CA's next pair in kubeadm's layout, as named inside a master's pki/.
const kubeadmNext = rotationPaths(clusterCaNames('kubeadm')).next;

const said: Record<RotationResult['step'], string> = {
	start: 'every trust file (the CA file every component reads, each kubeconfig\'s certificate-authority-data) now holds the old and the new CA; no leaf changed',
	reissue: 'every leaf is now signed by the new CA, with a new key; the kubeconfigs are rebuilt; trust still holds both CAs; the controller-manager signs CSRs with the new CA',
	finish: 'trust now holds the new CA alone',
};

export function rotationText(result: RotationResult, options: {outDir: string}): string {
	const {outDir} = options;
	const lines = [`kubepki rotate-ca ${result.step}: ${outDir} is now in phase ${result.phase} (${result.cas.join(', ')})`, `  ${said[result.step]}`];
	for (const made of result.made) lines.push(`  ${made}`);
	if (result.retiredTo) {
		lines.push(
			`! the old CA's certificate and key moved to ${outDir}/${result.retiredTo}/: anything still signed by it (a machine not yet restarted, a kubeconfig kept elsewhere) is now refused`,
		);
	}

	lines.push(`${result.changed.length} file(s) written, ${result.removed.length} removed; the files they replace are kept in ${outDir}/${result.backupDir}/ (see the README, "Restoring a backup").`);
	lines.push(
		'',
		result.plan.layout === 'kubeadm'
			? `Per machine (each <host>/ of ${outDir} is that machine's /etc/kubernetes; sh ${outDir}/${copyScriptPaths('kubeadm').changed} copies only these, each to its full path; ${copyScriptPaths('kubeadm').all} copies everything):`
			: `Per machine (sh ${outDir}/${copyScriptPath} copies only these; ${copyAllScriptPath} copies everything):`,
	);
	const hosts = [...new Set([...result.machines.map(m => m.host), ...result.leftovers.map(l => l.host)])];
	for (const host of hosts) {
		const machine = result.machines.find(m => m.host === host);
		lines.push(`  ${host}${machine ? ` (${machine.role})` : ''}`);
		for (const file of machine?.files ?? []) lines.push(`    ${file.target} -> ${file.installTo.join(' ')}`);
		for (const left of result.leftovers.filter(l => l.host === host)) lines.push(`    delete ${left.installTo.join(' ')} (no longer used)`);
		if (machine) lines.push(`    restart: ${machine.services.join(', ') || 'nothing (kubectl reads its kubeconfig on every call)'}`);
	}

	if (result.restart.length > 0) {
		lines.push('', 'Restart in this order, one step at a time, each after the check of the one before:');
		result.restart.forEach((step, index) => lines.push(`  ${index + 1}. ${step.host}: systemctl restart ${step.services.join(' ')}   # then ${step.check}`));
	}

	lines.push('', result.next ? `Before kubepki rotate-ca ${result.next}, check:` : 'Then check:');
	for (const check of result.checks) lines.push(`  - ${check}`);
	return lines.join('\n') + '\n';
}

export function statusText(status: RotationStatus, options: {outDir: string}): string {
	const at = status.finishedAt ?? status.reissuedAt ?? status.startedAt;
	const lines = [
		`${options.outDir}: ${status.phase === 'none' ? 'no CA rotation since it was generated' : `CA rotation ${status.phase}${at ? ` (${at})` : ''}`}${status.cas.length > 0 ? `, of ${status.cas.join(', ')}` : ''}`,
		`  next: ${status.next ?? (status.phase === 'none' || status.phase === 'finished' ? 'nothing due (kubepki rotate-ca start begins a rotation)' : 'nothing')}`,
	];
	const {trust, leaves} = status.counts;
	lines.push(`  trust files (CA file, kubeconfigs): ${trust.old} old CA only, ${trust.both} both, ${trust.new} new CA only, ${trust.other} other`);
	lines.push(`  leaves: ${leaves.old} signed by the old CA, ${leaves.new} by the new, ${leaves.other} by neither`);
	for (const entry of status.trust) lines.push(`    ${entry.trusts.padEnd(5)} ${entry.path}`);
	for (const entry of status.leaves) lines.push(`    ${entry.signedBy.padEnd(5)} ${entry.path}`);
	if (status.retiredTo) lines.push(`  the old CA is in ${options.outDir}/${status.retiredTo}/`);
	if (status.copyNext.length > 0) {
		lines.push(`  to copy after the last phase (sh ${options.outDir}/${copyScriptPaths(status.layout).changed}):`);
		for (const entry of status.copyNext) lines.push(`    ${entry.host}: ${entry.files.join(' ')}`);
	}

	return lines.join('\n') + '\n';
}

const changes: Record<RotationResult['step'], (layout: Layout) => string[]> = {
	start: layout => [
		'What start changes: a new CA is made beside the old one (a new key and a self-signed certificate whose CN carries the time it was made). Every trust file, the CA file every component reads and each kubeconfig\'s certificate-authority-data, becomes the bundle of the old CA and the new. No leaf changes: every certificate in use still verifies everywhere.',
		'Why it comes first: after reissue, machines that have restarted present certificates of the new CA while the others still present the old. A machine accepts the new ones only if it already trusts the new CA, so every machine must trust both before any certificate changes.',
		layout === 'kubeadm'
			? `Each new pair goes beside its old one in every master's pki/ (${kubeadmNext.cert} and ${kubeadmNext.key} for the cluster CA; likewise for etcd's and the front proxy's); the old keys stay until finish.`
			: `The controller-manager keeps signing kubelet CSRs with the old CA (${rotationPaths(clusterCaNames()).old} with ${clusterCaNames().key}): its --cluster-signing-cert-file takes one certificate, not a bundle. The old key stays until finish.`,
	],
	reissue: () => [
		'What reissue changes: every leaf of the CA being rotated is signed by the new CA, each with a new key; every kubeconfig is rebuilt; trust still holds both CAs. From here on the controller-manager signs kubelet CSRs with the new CA. The service-account key is kept, so every token stays valid.',
		'Why it comes second: since start every machine trusts both CAs, so a machine restarted with its new certificate is accepted by the ones still on the old, and the other way round. Run it only once every machine has start\'s files and was restarted.',
	],
	finish: () => [
		'What finish changes: trust becomes the new CA alone, and the old CA\'s certificate and key move to retired/<UTC time>/. No key is made and no leaf changes.',
		'Why it comes last: the old CA can leave the trust files only once nothing presents a certificate it signed. From the moment a machine has finish\'s files, anything still signed by the old CA (a machine not restarted, a kubeconfig kept elsewhere) is refused by it. Run it only once every machine has reissue\'s files and was restarted.',
	],
};

/** What a step changes and why the order matters, as paragraphs (the wizard's "Rotate the CA" before it makes anything). */
export function stepExplain(step: RotationResult['step'], layout: Layout, cas: CaChoice | readonly string[]): string[] {
	const index = rotationSteps.indexOf(step) + 1;
	const what = typeof cas === 'string' ? (cas === 'all' ? (layout === 'kubeadm' ? 'all three CAs' : 'the cluster CA') : `the ${cas} CA`) : cas.join(', ');
	return [
		`Step ${index} of 3, ${step}, of ${what}. One step per visit: after it, copy the files and restart the machines in the order it prints; the folder waits in its phase (days, if need be) until you come back for the next step.`,
		...changes[step](layout),
	];
}

/** The lines above the cards: what the step made in memory (each key in words), and that nothing is written yet. */
export function previewIntro(preview: RotationPreview, options: {outDir: string}): string[] {
	const lines = [
		preview.cards.length > 0
			? `rotate-ca ${preview.step} on ${options.outDir} (${preview.cas.join(', ')}): ${preview.cards.length} certificate(s) made in memory, shown below; nothing is written until you confirm.`
			: `rotate-ca ${preview.step} on ${options.outDir} (${preview.cas.join(', ')}): no key is made; trust becomes the new CA alone and the old CA's certificate and key move to retired/. Nothing is written until you confirm.`,
	];
	for (const made of preview.made) lines.push(`! ${made}`);
	return lines;
}

/** Where a folder's rotation stands, for the folder screen: the phase, what to copy, the next step. Empty when none was ever run. */
export function rotationGlance(status: RotationStatus, options: {outDir: string}): string[] {
	if (status.phase === 'none') return [];
	const at = status.finishedAt ?? status.reissuedAt ?? status.startedAt;
	const copy = `sh ${options.outDir}/${copyScriptPaths(status.layout).changed}`;
	const lines =
		status.phase === 'finished'
			? [`The last CA rotation (${status.cas.join(', ')}) finished${at ? ` at ${at}` : ''}${status.retiredTo ? `; the old CA is in ${options.outDir}/${status.retiredTo}/` : ''}.`]
			: [`! CA rotation in progress: phase ${status.phase}${at ? ` since ${at}` : ''}, of ${status.cas.join(', ')}. Next step: ${status.next ?? 'none'} (Rotate the CA, below).`];
	if (status.copyNext.length > 0) {
		lines.push(`  Copy what the last step changed (${copy}), then restart in the order it printed: ${status.copyNext.map(entry => `${entry.host}: ${entry.files.join(' ')}`).join('; ')}`);
	}

	return lines;
}

/** kubeadm's start: which CA to rotate, the same choices as --ca (all first, its default), each explained. */
export const caPicks: ReadonlyArray<{readonly choice: CaChoice; readonly title: string; readonly explain: string}> = [
	{choice: 'all', title: 'all three CAs', explain: 'cluster, etcd and front-proxy at once (the default of --ca): every leaf is signed anew in reissue.'},
	{choice: 'cluster', title: 'cluster', explain: `the cluster CA (${kubeadmPkiDir}/${kubeadmCaName('ca')}): the API server, the kubelets, the components and every .conf. The etcd and front-proxy leaves stay as they are.`},
	{choice: 'etcd', title: 'etcd', explain: `etcd's CA (${kubeadmPkiDir}/${kubeadmCaName('etcd-ca')}): each member's server and peer certificates, the healthcheck client and the API server's etcd client. No .conf changes.`},
	{choice: 'front-proxy', title: 'front-proxy', explain: `the front proxy's CA (${kubeadmPkiDir}/${kubeadmCaName('front-proxy-ca')}): the aggregation layer's client certificate only.`},
];

/** Under the title while a step's keys are made. */
export const makingNote = 'Nothing is written: the keys and certificates are made in memory first, to be shown before the confirm.';

/** The title of each screen of "Rotate the CA". */
export function rotateScreenTitle(phase: 'pick' | 'explain' | 'making' | 'review' | 'writing' | 'done' | 'failed', step: RotationResult['step'], error?: string, keys?: {done: number; total: number}): string {
	const count = keys && keys.total > 0 ? ` ${keys.done}/${keys.total}` : '';
	switch (phase) {
		case 'pick':
			return 'Rotate the CA: which CA? (kubeadm\'s layout has three; the same choices as --ca)';
		case 'explain':
			return `Rotate the CA, ${step}: what it changes and why the order matters`;
		case 'making':
			return step === 'start' ? `Rotate the CA, start: making the new CA key(s)${count}…` : step === 'reissue' ? `Rotate the CA, reissue: making the new leaf keys${count}…` : 'Rotate the CA, finish: reading the folder…';
		case 'review':
			return `Rotate the CA, ${step}: what will be written`;
		case 'writing':
			return `Writing rotate-ca ${step}…`;
		case 'done':
			return `rotate-ca ${step} written: copy, restart in order, check`;
		case 'failed':
			return `Rotate the CA, ${step}, failed: ${error ?? ''}`;
	}
}
