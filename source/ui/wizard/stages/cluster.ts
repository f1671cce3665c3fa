import {etcdFaultTolerance} from '../../../core/etcd.js';
import {algorithms, formatProblem, serviceIp} from '../../../core/topology.js';
import {textLines, type Line} from '../../widgets/lines.js';
import {clusterFields, fieldOfProblem, type ClusterField, type Item, type WizardState} from '../machine.js';
import type {StageDef} from './index.js';
import {continueItem, planOf} from './common.js';

const labels: Record<ClusterField, {label: string; hint: string}> = {
	cluster: {label: 'Cluster name', hint: 'the name in every kubeconfig'},
	serviceCIDR: {label: 'Service CIDR', hint: 'must match --service-cluster-ip-range'},
	clusterDomain: {label: 'Cluster domain', hint: 'kubelet clusterDomain'},
	loadBalancer: {label: 'Load balancer', hint: 'name:ip'},
	masters: {label: 'Masters', hint: 'name:ip, name:ip'},
	workers: {label: 'Workers', hint: 'name:ip, name:ip'},
};

function problemsOf(state: WizardState, field: string): string[] {
	return state.problems.filter(p => fieldOfProblem(p) === field).map(formatProblem);
}

export const clusterStage = {
	id: 'cluster',
	title: 'Cluster',
	short: 'Cluster',
	items(state) {
		const fields = clusterFields.map(
			(field): Item => ({kind: 'field', id: `cluster.${field}`, label: labels[field].label, value: state.draft[field], problems: problemsOf(state, field), hint: labels[field].hint}),
		);
		return [
			...fields,
			{kind: 'choice', id: 'cluster.algorithm', label: 'Key algorithm', value: state.draft.algorithm, options: algorithms, hint: '←→ or enter'},
			continueItem,
		];
	},
	body(state, width) {
		const lines: Line[] = [];
		const known = new Set<string>([...clusterFields, 'algorithm']);
		for (const problem of state.problems.filter(p => !known.has(fieldOfProblem(p)))) lines.push(...textLines(`✗ ${formatProblem(problem)}`, width, 'error'));
		const plan = planOf(state);
		if (!plan || !state.topology) return [...lines, ...textLines('✗ Fix the fields marked ✗ to see what they make.', width, 'error')];
		const {topology} = plan;
		const members = topology.masters.length;
		return [
			...lines,
			...textLines(`✓ Valid. The API server's service IP is ${serviceIp(topology)} (the first address of ${topology.serviceCIDR}).`, width, 'ok'),
			...textLines(
				`This makes ${plan.certs.length} certificates: the CA, ${topology.workers.length} kubelet(s), 4 component clients, the API server and the service-account pair; CA ${Math.round(topology.validity.ca / 24)} days, leaves ${Math.round(topology.validity.leaf / 24)} days.`,
				width,
				'muted',
			),
			...(topology.masters.length % 2 === 0
				? textLines(
						`! ${members} masters run a ${members}-member etcd, which tolerates ${etcdFaultTolerance(members)} failed member(s): no more than ${members - 1} member${members - 1 === 1 ? '' : 's'} would. An odd number (3 or 5) is the usual choice.`,
						width,
						'warn',
					)
				: []),
		];
	},
	commands: () => ['# the cluster file kubepki --config reads (see README: The cluster file)', 'kubepki generate --config cluster.yaml --out ./pki'],
} as const satisfies StageDef;
