// The words renew prints: what was re-issued and why, what stayed, where the old files are, and per machine
// what to copy and what to restart, in the safe order. Pure: a renewal plan in, text out.
import {copyAllScriptPath, copyScriptPath} from './placement.js';
import type {RenewalPlan} from './renew.js';

const day = (iso: string) => iso.slice(0, 10);

export function renewalText(renewal: RenewalPlan, options: {dryRun: boolean; outDir: string}): string {
	const {outDir, dryRun} = options;
	const would = (done: string, planned: string) => (dryRun ? planned : done);
	if (renewal.renewed.length === 0) {
		const next = renewal.kept.map(k => k.reason).sort()[0];
		return `kubepki renew: nothing to renew in ${outDir}${next ? ` (the soonest leaf is ${next})` : ''}; nothing written\n`;
	}

	const width = Math.max(...renewal.renewed.map(r => r.id.length));
	const lines = [
		`kubepki renew${dryRun ? ' --dry-run' : ''}: ${renewal.renewed.length} certificate(s) ${would('renewed', 'would be renewed')} in ${outDir}; the CA, the service-account pair and the encryption key are unchanged`,
		...renewal.renewed.map(r => `  ${would('renewed', 'renew')} ${r.id.padEnd(width)}  ${r.file}: ${r.reason}; ${dryRun ? 'would end' : 'now ends'} ${day(r.newNotAfter)}${r.keyReused ? ' (same key)' : ' (new key)'}`),
		`  kept    ${renewal.kept.length} other leaf certificate(s)`,
	];
	if (renewal.cappedByCa) {
		lines.push(
			`! the CA ends on ${day(renewal.caNotAfter)}, before the validity asked for: a leaf is never signed past its CA, so these end on ${day(renewal.caNotAfter)}.`,
			'  To go further, rotate the CA (kubepki rotate-ca start, then reissue, then finish).',
		);
	}

	if (dryRun) lines.push(`${renewal.changed.length} file(s) would change; nothing written (--dry-run).`);
	else lines.push(`${renewal.changed.length} file(s) changed; the ${renewal.replaced.length} they replace are kept in ${outDir}/${renewal.backupDir}/ (see the README, "Restoring a backup").`);
	lines.push('', `Per machine (sh ${outDir}/${copyScriptPath} copies only these; ${copyAllScriptPath} copies everything):`);
	for (const machine of renewal.machines) {
		lines.push(`  ${machine.host} (${machine.role})`);
		for (const file of machine.files) lines.push(`    ${file.target} -> ${file.installTo.join(' ')}`);
		lines.push(`    restart: ${machine.services.join(', ') || 'nothing (kubectl reads its kubeconfig on every call)'}`);
	}

	if (renewal.restart.length > 0) {
		lines.push('', 'Restart in this order, one step at a time, each after the check of the one before:');
		renewal.restart.forEach((step, index) => lines.push(`  ${index + 1}. ${step.host}: systemctl restart ${step.services.join(' ')}   # then ${step.check}`));
	}

	return lines.join('\n') + '\n';
}
