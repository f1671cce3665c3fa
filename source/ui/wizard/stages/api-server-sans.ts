import {apiServerSans} from '../../../core/plan.js';
import {textLines, type Line} from '../../widgets/lines.js';
import {extraSanProblem, revalidate} from '../draft.js';
import type {StageDef} from '../stage-def.js';
import type {Item, WizardState} from '../state.js';
import {cardLines, certCommands, continueItem, idsWhere, needsCertificates} from './common.js';

const produces = idsWhere(spec => spec.role === 'apiserver');

function removeSan(state: WizardState, value: string): WizardState {
	const removed = revalidate({...state, extraSans: state.extraSans.filter(s => s !== value)});
	return {...removed, focus: Math.min(state.focus, apiServerSansStage.items(removed).length - 1)};
}

/** The row that adds a SAN: checked as it is typed, refused (the field stays open) when it is not one. */
const addSan = (state: WizardState): Item => ({
	kind: 'field',
	id: 'san.add',
	label: 'Add a SAN',
	value: '',
	problems: [],
	hint: 'a DNS name or an IP',
	save(current, value) {
		const san = value.trim();
		if (san === '') return {state: current};
		const problem = extraSanProblem(current, san);
		if (problem) return {problem};
		return {state: revalidate({...current, extraSans: [...current.extraSans, san.toLowerCase()]})};
	},
	check(current, value) {
		const problem = value.trim() === '' ? undefined : extraSanProblem(current, value.trim());
		return problem ? [problem] : [];
	},
	...(state.editProblem && state.editing?.id === 'san.add' ? {problems: [state.editProblem]} : {}),
});

export const apiServerSansStage: StageDef = {
	id: 'sans',
	title: 'API server SANs',
	short: 'API SANs',
	produces,
	items(state): Item[] {
		const extras = state.extraSans.map((san): Item => ({kind: 'removable', id: `san:${san}`, label: san, remove: current => removeSan(current, san)}));
		return [...extras, addSan(state), continueItem];
	},
	body(state, width) {
		if (!state.topology) return textLines('✗ The cluster has problems; go back (esc) and fix them.', width, 'error');
		const sans = apiServerSans(state.topology);
		const lines: Line[] = [{text: `The API server certificate will hold ${sans.length} SANs:`, bold: true}];
		const column = Math.min(34, Math.max(...sans.map(s => s.value.length + 5)));
		// Side by side when the reason gets a readable column; otherwise the reason goes under the SAN.
		const sideBySide = width - column - 1 >= 36;
		for (const san of sans) {
			const head = `${san.type === 'ip' ? 'IP ' : 'DNS'} ${san.value}`;
			if (!sideBySide || head.length >= column) {
				lines.push({text: head}, ...textLines(san.why, width - 4, 'muted').map(l => ({...l, text: `    ${l.text}`})));
				continue;
			}

			const why = textLines(san.why, width - column - 1, 'muted');
			lines.push({text: `${head.padEnd(column)} ${why[0]?.text ?? ''}`});
			for (const more of why.slice(1)) lines.push({text: `${' '.repeat(column)} ${more.text}`, tone: 'muted'});
		}

		return [...lines, {text: ''}, ...cardLines(state, width, produces)];
	},
	commands: state => certCommands(state, produces),
	blocked: needsCertificates,
};
