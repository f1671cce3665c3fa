import {kubeconfigCommands} from '../../../core/by-hand.js';
import {kubeconfigSpecs} from '../../../core/kubeconfig.js';
import {hardwayCaCert, hardwayNames, hardwayPaths} from '../../../core/placement.js';
import {adminServers} from '../../../core/topology.js';
import {revalidate} from '../draft.js';
import type {WizardState} from '../state.js';
import {labelled, textLines, type Line} from '../../widgets/lines.js';
import type {StageDef} from '../stage-def.js';
import {continueItem, pendingLines, planOf, needsCertificates, none} from './common.js';

/** Where the admin's kubeconfig points: part of the cluster (the cluster file's adminServer), so it re-plans. */
function cycleAdminServer(state: WizardState, delta: 1 | -1): WizardState {
	const index = adminServers.indexOf(state.draft.adminServer);
	const adminServer = adminServers[(index + delta + adminServers.length) % adminServers.length]!;
	return revalidate({...state, draft: {...state.draft, adminServer}});
}

export const kubeconfigsStage = {
	id: 'kubeconfigs',
	title: 'Kubeconfigs',
	short: 'Kubeconfigs',
	produces: none,
	items: state => [
		{
			kind: 'choice',
			id: 'kubeconfigs.adminServer',
			label: `${hardwayNames('admin').kubeconfig} server`,
			value: state.draft.adminServer,
			options: adminServers,
			hint: 'localhost: kubectl on a master (the guide); loadBalancer: from a workstation',
			cycle: cycleAdminServer,
		},
		continueItem,
	],
	body(state, width) {
		const plan = planOf(state);
		if (!plan) return pendingLines(state, width) ?? [];
		const lines: Line[] = textLines(`Each file: cluster ${plan.topology.cluster} (${hardwayCaCert} embedded), one user (its certificate and key embedded), context "default" naming both.`, width, 'muted');
		for (const spec of kubeconfigSpecs(plan)) {
			const cert = plan.certs.find(c => c.id === spec.certId);
			const certFile = cert ? hardwayPaths(cert).cert : spec.certId;
			const issued = state.preview?.certs.find(c => c.spec.id === spec.certId);
			lines.push({text: ''}, {text: `${spec.file} · 0600`, tone: 'accent', bold: true});
			lines.push(...labelled('  user', `${spec.user}  groups: ${cert?.kubernetes?.groups.join(', ') ?? ''}`, width, 10));
			lines.push(...labelled('  server', `${spec.server} (${spec.why})`, width, 10));
			lines.push(...labelled('  cert', issued ? `${certFile} SHA-256 ${issued.info.fingerprintSha256.slice(0, 23)}…` : `${certFile} (being made)`, width, 10));
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
