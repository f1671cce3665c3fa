import {certCommands as flavoredCommands} from '../../../core/by-hand.js';
import {buildPlan, type CertSpec, type Plan} from '../../../core/plan.js';
import type {PreviewCert} from '../../../core/preview.js';
import {certCardLines} from '../../widgets/cert-card.js';
import {textLines, type Line} from '../../widgets/lines.js';
import type {Item, WizardState} from '../machine.js';

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

/** Cards of the previewed certificates that `pick` selects, one after the other. */
export function cardLines(state: WizardState, width: number, pick: (cert: PreviewCert) => boolean): Line[] {
	const pending = pendingLines(state, width);
	if (pending) return pending;
	return state.preview!.certs.filter(pick).flatMap(cert => certCardLines(cert, width));
}

/** The plan of the current topology (pure and cheap: no keys). */
export function planOf(state: WizardState): Plan | undefined {
	return state.preview?.plan ?? (state.topology ? buildPlan(state.topology) : undefined);
}

/** The openssl commands of the certificates of the plan that `pick` selects. */
export function certCommands(state: WizardState, pick: (spec: CertSpec) => boolean): string[] {
	const plan = planOf(state);
	if (!plan) return ['# the cluster has problems: fix them first'];
	const flavor = state.showCommand || 'cfssl';
	return plan.certs.filter(pick).flatMap((spec, i) => [...(i > 0 ? [''] : []), ...flavoredCommands(plan, spec, flavor)]);
}
