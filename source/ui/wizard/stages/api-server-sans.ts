import {apiServerSans} from '../../../core/plan.js';
import {textLines, type Line} from '../../widgets/lines.js';
import type {Item} from '../machine.js';
import type {StageDef} from './index.js';
import {cardLines, certCommands, continueItem} from './common.js';

export const apiServerSansStage = {
	id: 'sans',
	title: 'API server SANs',
	short: 'API SANs',
	items(state) {
		const extras = state.extraSans.map((san): Item => ({kind: 'removable', id: `san:${san}`, label: san}));
		const add: Item = {kind: 'field', id: 'san.add', label: 'Add a SAN', value: '', problems: state.sanProblem ? [state.sanProblem] : [], hint: 'a DNS name or an IP'};
		return [...extras, add, continueItem];
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

		return [...lines, {text: ''}, ...cardLines(state, width, cert => cert.spec.role === 'apiserver')];
	},
	commands: state => certCommands(state, spec => spec.role === 'apiserver'),
} as const satisfies StageDef;
