import {kubeconfigCommands} from '../../../core/by-hand.js';
import {kubeconfigSpecs} from '../../../core/kubeconfig.js';
import {labelled, textLines, type Line} from '../../widgets/lines.js';
import type {StageDef} from '../stage-def.js';
import {continueItem, pendingLines, planOf, needsCertificates, none} from './common.js';

export const kubeconfigsStage = {
	id: 'kubeconfigs',
	title: 'Kubeconfigs',
	short: 'Kubeconfigs',
	produces: none,
	items: () => [continueItem],
	body(state, width) {
		const plan = planOf(state);
		if (!plan) return pendingLines(state, width) ?? [];
		const lines: Line[] = textLines(`Each file: cluster ${plan.topology.cluster} (ca.pem embedded), one user (its certificate and key embedded), context "default" naming both.`, width, 'muted');
		for (const spec of kubeconfigSpecs(plan)) {
			const cert = plan.certs.find(c => c.id === spec.certId);
			const issued = state.preview?.certs.find(c => c.spec.id === spec.certId);
			lines.push({text: ''}, {text: `${spec.file} · 0600`, tone: 'accent', bold: true});
			lines.push(...labelled('  user', `${spec.user}  groups: ${cert?.kubernetes?.groups.join(', ') ?? ''}`, width, 10));
			lines.push(...labelled('  server', `${spec.server} (${spec.why})`, width, 10));
			lines.push(...labelled('  cert', issued ? `${cert?.file}.pem SHA-256 ${issued.info.fingerprintSha256.slice(0, 23)}…` : `${cert?.file}.pem (being made)`, width, 10));
			lines.push(...labelled('  goes to', spec.hosts.join(', '), width, 10));
		}

		return lines;
	},
	commands(state) {
		const plan = planOf(state);
		return plan ? kubeconfigCommands(plan) : ['# the cluster has problems: fix them first'];
	},
	blocked: needsCertificates,
} as const satisfies StageDef;
