import {etcdFaultTolerance} from '../../../core/etcd.js';
import {algorithms, formatProblem, serviceIp} from '../../../core/topology.js';
import {textLines, type Line} from '../../widgets/lines.js';
import {clusterFieldProblems, fieldOfProblem, revalidate} from '../draft.js';
import type {StageDef} from '../stage-def.js';
import {clusterFields, type ClusterField, type Item, type WizardState} from '../state.js';
import {continueItem, none, planOf} from './common.js';

const labels: Record<ClusterField, {label: string; hint: string}> = {
	cluster: {label: 'Cluster name', hint: 'the name in every kubeconfig'},
	serviceCIDR: {label: 'Service CIDR', hint: 'must match --service-cluster-ip-range'},
	clusterDomain: {label: 'Cluster domain', hint: 'kubelet clusterDomain'},
	loadBalancer: {label: 'Load balancer', hint: 'name:ip'},
	masters: {label: 'Masters', hint: 'name:ip, name:ip'},
	workers: {label: 'Workers', hint: 'name:ip, name:ip'},
	caValidity: {label: 'CA validity', hint: 'hours or days: 87600h, 3650d'},
	leafValidity: {label: 'Leaf validity', hint: '8760h or 365d; not past the CA'},
};

const hostFields = ['cluster', 'serviceCIDR', 'clusterDomain', 'loadBalancer', 'masters', 'workers'] as const satisfies readonly ClusterField[];
const validityFields = ['caValidity', 'leafValidity'] as const satisfies readonly ClusterField[];

/** A lifetime in words: whole days as days, anything else in hours. */
function lifetime(hours: number): string {
	return hours % 24 === 0 ? `${hours / 24} day${hours === 24 ? '' : 's'}` : `${hours} hour${hours === 1 ? '' : 's'}`;
}

function problemsOf(state: WizardState, field: string): string[] {
	return state.problems.filter(p => fieldOfProblem(p) === field).map(formatProblem);
}

/** A CA already in the folder keeps its own dates; the leaves it signs are cut to end with it (issue.ts). */
function reusedCaLines(state: WizardState, width: number): Line[] {
	const ca = state.preview?.certs.find(cert => cert.status === 'reused-ca');
	if (!ca) return [];
	return textLines(`! The folder's CA is kept, valid until ${ca.info.notAfter.slice(0, 10)}: CA validity applies only to a new CA, and no leaf is signed to last past that day.`, width, 'warn');
}

function cycleAlgorithm(state: WizardState, delta: 1 | -1): WizardState {
	const index = algorithms.indexOf(state.draft.algorithm);
	const algorithm = algorithms[(index + delta + algorithms.length) % algorithms.length]!;
	return revalidate({...state, draft: {...state.draft, algorithm}});
}

export const clusterStage = {
	id: 'cluster',
	title: 'Cluster',
	short: 'Cluster',
	produces: none,
	items(state) {
		const field = (id: ClusterField): Item => ({
			kind: 'field',
			id: `cluster.${id}`,
			label: labels[id].label,
			value: state.draft[id],
			problems: problemsOf(state, id),
			hint: labels[id].hint,
			save: (current, value) => ({state: revalidate({...current, draft: {...current.draft, [id]: value}})}),
			check: (current, value) => clusterFieldProblems(current, id, value),
		});
		// The machines first, then what every certificate shares: its key algorithm and its lifetime.
		return [
			...hostFields.map(field),
			{kind: 'choice', id: 'cluster.algorithm', label: 'Key algorithm', value: state.draft.algorithm, options: algorithms, hint: '←→ or enter', cycle: cycleAlgorithm},
			...validityFields.map(field),
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
		// ✓ only when every field is: a value being typed with a problem is not valid yet, saved or not.
		const editing = state.editing?.id.startsWith('cluster.') ? (state.editing.id.slice('cluster.'.length) as ClusterField) : undefined;
		const typed = editing ? clusterFieldProblems(state, editing, state.editing!.value) : [];
		if (typed.length > 0) {
			lines.push(...textLines(`✗ ${labels[editing!].label} as typed has ${typed.length === 1 ? 'a problem' : `${typed.length} problems`} (under the field); esc keeps the saved value.`, width, 'error'));
			return lines;
		}

		return [
			...lines,
			...textLines(`✓ Valid. The API server's service IP is ${serviceIp(topology)} (the first address of ${topology.serviceCIDR}).`, width, 'ok'),
			...textLines(
				`This makes ${plan.certs.length} certificates: the CA, ${topology.workers.length} kubelet(s), 4 component clients, the API server and the service-account pair; CA ${lifetime(topology.validity.ca)}, leaves ${lifetime(topology.validity.leaf)}.`,
				width,
				'muted',
			),
			...reusedCaLines(state, width),
			...(topology.masters.length % 2 === 0
				? textLines(
						`! ${members} masters run a ${members}-member etcd, which tolerates ${etcdFaultTolerance(members)} failed member(s): no more than ${members - 1} member${members - 1 === 1 ? '' : 's'} would. An odd number (3 or 5) is the usual choice.`,
						width,
						'warn',
					)
				: []),
		];
	},
	blocked: state => (state.problems.length > 0 ? `fix the ${state.problems.length === 1 ? 'field' : 'fields'} marked ✗ first` : undefined),
	commands: () => ['# the cluster file kubepki --config reads (see README: The cluster file)', 'kubepki generate --config cluster.yaml --out ./pki'],
} as const satisfies StageDef;
