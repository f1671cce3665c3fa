// The words rotate-ca prints: what the phase changed, per machine what to copy, remove and restart, in the safe
// order, and what to check before the next phase. Pure: a result in, text out.
import {copyAllScriptPath, copyScriptPath} from './placement.js';
import type {RotationResult, RotationStatus} from './rotate.js';

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
			? `Per machine (each <host>/ of ${outDir} is that machine's /etc/kubernetes; copy these of it):`
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
		lines.push(`  to copy after the last phase${status.layout === 'kubeadm' ? ' (from each <host>/ folder)' : ` (sh ${options.outDir}/${copyScriptPath})`}:`);
		for (const entry of status.copyNext) lines.push(`    ${entry.host}: ${entry.files.join(' ')}`);
	}

	return lines.join('\n') + '\n';
}
