// The cluster as it is being edited: the draft of text fields, checked with the same validateTopology as a
// `--config` file, and the state change a new draft makes. Pure; the Cluster and API SANs stages use it.
import {apiServerSans} from '../../core/plan.js';
import {formatProblem, sanProblem, validateTopology, type Problem, type Topology} from '../../core/topology.js';
import type {ClusterDraft, ClusterField, WizardState} from './state.js';

/** The draft a topology is edited as. */
export function draftOf(topology: Topology): ClusterDraft {
	const hosts = (list: Topology['masters']) => list.map(h => `${h.name}:${h.ip}`).join(', ');
	return {
		cluster: topology.cluster,
		serviceCIDR: topology.serviceCIDR,
		clusterDomain: topology.clusterDomain,
		loadBalancer: `${topology.loadBalancer.name}:${topology.loadBalancer.ip}`,
		masters: hosts(topology.masters),
		workers: hosts(topology.workers),
		caValidity: `${topology.validity.ca}h`,
		leafValidity: `${topology.validity.leaf}h`,
		algorithm: topology.algorithm,
	};
}

/**
 * A lifetime as typed, as the cluster file's YAML would read it: digits alone are a number (hours), anything
 * else stays text for validateTopology to accept (`8760h`, `365d`) or refuse with its own message.
 */
function durationValue(text: string): string | number {
	const trimmed = text.trim();
	return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The cluster-file form of the draft, checked by the same validateTopology as `--config`. */
export function validateDraft(draft: ClusterDraft, extraSans: readonly string[]) {
	const list = (text: string) =>
		text
			.split(/[,\s]+/)
			.map(s => s.trim())
			.filter(Boolean);
	return validateTopology({
		cluster: draft.cluster,
		serviceCIDR: draft.serviceCIDR,
		clusterDomain: draft.clusterDomain,
		loadBalancer: draft.loadBalancer.trim(),
		masters: list(draft.masters),
		workers: list(draft.workers),
		algorithm: draft.algorithm,
		validity: {ca: durationValue(draft.caValidity), leaf: durationValue(draft.leafValidity)},
		extraSANs: [...extraSans],
	});
}

const validityFields: Record<string, ClusterField> = {'validity.ca': 'caValidity', 'validity.leaf': 'leafValidity'};

/** Which draft field a problem belongs to (`masters[1].ip` → masters, `validity.leaf` → leafValidity). */
export function fieldOfProblem(problem: Problem): string {
	return validityFields[problem.field] ?? /^[A-Za-z]+/.exec(problem.field)?.[0] ?? problem.field;
}

/** Validate the draft; a changed valid topology bumps the revision and drops the old preview. */
export function revalidate(state: WizardState): WizardState {
	const result = validateDraft(state.draft, state.extraSans);
	if (!result.ok) {
		// A new revision also for an invalid draft: a key job still running for the old cluster is then ignored.
		const revision = state.topology ? state.revision + 1 : state.revision;
		return {...state, problems: result.problems, topology: undefined, revision, preview: undefined, previewError: undefined, keys: undefined, write: {phase: 'idle'}};
	}

	if (state.topology && JSON.stringify(state.topology) === JSON.stringify(result.topology)) return {...state, problems: []};
	return {
		...state,
		problems: [],
		topology: result.topology,
		revision: state.revision + 1,
		preview: undefined,
		previewError: undefined,
		keys: undefined,
		write: {phase: 'idle'},
	};
}

/**
 * The problems of a cluster field's value as typed, in the cluster file's words. A shorter CA can leave the
 * leaf longer than it: that problem is this edit's doing, so it shows under the CA field too.
 */
export function clusterFieldProblems(state: WizardState, field: ClusterField, value: string): string[] {
	const result = validateDraft({...state.draft, [field]: value}, state.extraSans);
	const shown = field === 'caValidity' ? ['caValidity', 'leafValidity'] : [field];
	return result.ok ? [] : result.problems.filter(p => shown.includes(fieldOfProblem(p))).map(formatProblem);
}

/** The SAN editor's check: the cluster file's rule, plus "already there" against the computed list. */
export function extraSanProblem(state: WizardState, value: string): string | undefined {
	const index = state.extraSans.length;
	const problem = sanProblem(value);
	if (problem) return formatProblem({field: `extraSANs[${index}]`, value, message: problem});
	const lower = value.toLowerCase();
	if (state.extraSans.includes(lower)) return formatProblem({field: `extraSANs[${index}]`, value, message: 'is already in the list'});
	const computed = state.topology ? apiServerSans({...state.topology, extraSANs: []}).find(s => s.value === lower) : undefined;
	if (computed) return formatProblem({field: `extraSANs[${index}]`, value, message: `is already in the list: ${computed.why}`});
	return undefined;
}
