import {certCommands as flavoredCommands} from '../../../core/by-hand.js';
import {buildPlan, type Plan} from '../../../core/plan.js';
import {readingsByCert} from '../../../core/readings.js';
import {certCardLines} from '../../widgets/cert-card.js';
import {textLines, type Line} from '../../widgets/lines.js';
import type {Item, WizardState} from '../state.js';

/** The row that continues to the next stage (enter on it). */
export const continueItem: Item = {kind: 'action', id: 'next', label: 'Continue'};

/** While keys are made, or when the cluster is not valid, say so instead of drawing cards. */
export function pendingLines(state: WizardState, width: number): Line[] | undefined {
	if (!state.topology) return textLines('✗ The cluster has problems; go back (esc) to the Cluster stage and fix them.', width, 'error');
	if (state.previewError) {
		return [
			...textLines(`✗ ${state.previewError}`, width, 'error'),
			// The engine's message names generate's --force; the wizard has no such flag and never replaces a CA.
			...textLines(`The wizard never replaces a CA: fix the folder, choose another --out, or run kubepki generate --force --out ${state.outDir}.`, width, 'muted'),
		];
	}
	if (!state.preview) {
		const progress = state.keys ? ` ${state.keys.done}/${state.keys.total}` : '';
		return textLines(`… making keys${progress} and signing; the cards appear when they are ready (keys keep working in the background).`, width, 'muted');
	}

	return undefined;
}

/** The cards of the previewed certificates whose ids are `ids` (a stage's `produces`), in plan order. */
export function cardLines(state: WizardState, width: number, ids: (plan: Plan) => readonly string[]): Line[] {
	const pending = pendingLines(state, width);
	if (pending) return pending;
	const {plan} = state.preview!;
	const shown = new Set(ids(plan));
	const readings = readingsByCert(plan);
	return state.preview!.certs.filter(cert => shown.has(cert.spec.id)).flatMap(cert => certCardLines(cert, width, readings.get(cert.spec.id)));
}

/** The plan of the current topology (pure and cheap: no keys). */
export function planOf(state: WizardState): Plan | undefined {
	return state.preview?.plan ?? (state.topology ? buildPlan(state.topology) : undefined);
}

/** The commands of the certificates whose ids are `ids`, in the flavour shown. */
export function certCommands(state: WizardState, ids: (plan: Plan) => readonly string[]): string[] {
	const plan = planOf(state);
	if (!plan) return ['# the cluster has problems: fix them first'];
	const flavor = state.showCommand || 'cfssl';
	const shown = new Set(ids(plan));
	return plan.certs.filter(spec => shown.has(spec.id)).flatMap((spec, i) => [...(i > 0 ? [''] : []), ...flavoredCommands(plan, spec, flavor)]);
}

/** The ids of the plan's certificates that `pick` selects. */
export function idsWhere(pick: (spec: Plan['certs'][number]) => boolean): (plan: Plan) => string[] {
	return plan => plan.certs.filter(pick).map(spec => spec.id);
}

/** A stage that shows no certificate. */
export const none = (): readonly string[] => [];

/**
 * Why a stage that needs the cluster's certificates cannot go on: the cluster has problems, or the engine
 * refused to make them (a CA certificate without its key in the folder, say).
 */
export function needsCertificates(state: WizardState): string | undefined {
	if (!state.topology) return 'the cluster has problems: esc back to the Cluster stage and fix the fields marked ✗';
	if (state.previewError) return `cannot go on: ${state.previewError}`;
	return undefined;
}
