// What the folder screen shows, as fitted lines: the glance (expiry table worst first, lint errors, the three
// choices with the selected one explained), the renewal before writing, and what was written. Only layout:
// every fact comes from core/folder-glance.ts and core/renew-text.ts.
import path from 'node:path';
import {folderChoiceCommands, folderChoices, rotationRequest, type FolderGlance, type FolderState} from '../../core/folder-glance.js';
import {printable} from '../../core/printable.js';
import {renewalText} from '../../core/renew-text.js';
import {caPicks, makingNote, previewIntro, rotateScreenTitle, rotationGlance, rotationText, stepExplain} from '../../core/rotate-text.js';
import {marks} from '../theme.js';
import {certCardLines} from '../widgets/cert-card.js';
import {textLines, type Line} from '../widgets/lines.js';
import {cutMiddle, padTo} from '../widgets/width.js';

const stateMark = {expired: marks.error, 'not-yet-valid': marks.error, within: marks.warn, ok: marks.done} as const;
const stateTone = {expired: 'error', 'not-yet-valid': 'error', within: 'warn', ok: 'ok'} as const;

/** The screen's lines at this size; the key help is always the last line. */
export function folderScreenLines(glance: FolderGlance, state: FolderState, columns: number, rows: number, shownDir: string, note?: string): Line[] {
	const width = Math.max(20, columns - 1);
	const {topology} = glance;
	const head: Line = {
		text: printable(`kubepki · ${shownDir}: cluster ${topology.cluster}, ${topology.masters.length} master(s), ${topology.workers.length} worker(s), ${topology.algorithm}`),
		tone: 'title',
		bold: true,
	};
	if (state.phase === 'glance') {
		const notes = note ? indented(`! ${printable(note)}`, width, 'warn') : [];
		return [head, ...notes, ...glanceLines(glance, state, width, rows - notes.length, head, shownDir).slice(1)];
	}

	if (state.phase.startsWith('rotate-')) return [head, ...rotateLines(glance, state, width, rows - 1, shownDir)];
	const text = state.phase === 'done' && state.written ? renewalText(state.written, {dryRun: false, outDir: shownDir}) : renewalText(glance.renewal!, {dryRun: true, outDir: shownDir});
	const reviewing = state.phase === 'review' || state.phase === 'confirm';
	const cards = reviewing && glance.renewal && glance.renewal.cards.length > 0 ? glance.renewal.cards : [];
	// Before the write: the renewal in words, then a card per new certificate, the file it lands in, who reads it.
	const body = [
		...text
			.trimEnd()
			.split('\n')
			.flatMap(line => indented(printable(line), width, line.startsWith('!') ? 'warn' : undefined)),
		...(cards.length > 0 ? [{text: ''}, {text: `The ${cards.length} new certificate(s), as they will be written:`, bold: true} satisfies Line, ...cards.flatMap(card => certCardLines(card.cert, width, card.readings, card.file))] : []),
	];
	const help =
		state.phase === 'review'
			? (glance.renewal?.renewed.length ?? 0) > 0
				? 'enter write these files · ↑↓ pgup/pgdn scroll · esc back · q quit'
				: 'nothing to renew · esc back · q quit'
			: state.phase === 'confirm'
				? printable(`Write the renewal (${glance.renewal?.changed.length ?? 0} files) to ${shownDir}? enter or y write · esc no`)
				: state.phase === 'writing'
				? 'writing…'
				: state.phase === 'failed'
					? 'esc back · q quit'
					: 'enter or q leave · ↑↓ scroll';
	const title: Line =
		reviewing
			? {text: 'Renew: the new certificates and the restart order, before anything is written', bold: true}
			: state.phase === 'failed'
				? {text: printable(`Renew failed: ${state.error ?? ''}`), tone: 'error', bold: true}
				: state.phase === 'writing'
					? {text: 'Renewing…', bold: true}
					: {text: `${marks.done} Renewed and written`, tone: 'ok', bold: true};
	const room = Math.max(1, rows - 4);
	const scroll = Math.min(state.scroll, Math.max(0, body.length - room));
	const shown = state.phase === 'failed' || state.phase === 'writing' ? [] : body.slice(scroll, scroll + room);
	return [head, title, ...shown, {text: help, tone: state.phase === 'confirm' ? 'accent' : 'muted', bold: state.phase === 'confirm'}];
}

/** A line wrapped to the width, every piece keeping the line's own indent. */
function indented(text: string, width: number, tone?: Line['tone']): Line[] {
	const lead = /^ */.exec(text)![0];
	return textLines(text.slice(lead.length), Math.max(10, width - lead.length), tone).map(line => ({...line, text: lead + line.text}));
}

/**
 * One step of "Rotate the CA": the CA to rotate (kubeadm's start), what the step changes and why the order
 * matters, the cards of what it made before writing and the confirm, then what it wrote. Text from core/rotate-text.ts.
 */
function rotateLines(glance: FolderGlance, state: FolderState, width: number, rows: number, shownDir: string): Line[] {
	const {step} = rotationRequest(glance, state);
	// A "! " line (a key made, a warning) keeps its wrapped lines under its words.
	const wrap = (text: string, tone?: Line['tone']) =>
		text.startsWith('! ')
			? indented(`  ${printable(text.slice(2))}`, width, tone ?? 'warn').map((line, index) => (index === 0 ? {...line, text: `! ${line.text.slice(2)}`} : line))
			: indented(printable(text), width, tone);
	const screen = state.phase.slice('rotate-'.length) as 'pick' | 'explain' | 'making' | 'review' | 'confirm' | 'writing' | 'done' | 'failed';
	const title: Line = {
		text: printable(rotateScreenTitle(screen === 'confirm' ? 'review' : screen, step, state.error, state.keys)),
		tone: screen === 'failed' ? 'error' : screen === 'done' ? 'ok' : undefined,
		bold: true,
	};
	let body: Line[] = [];
	let help = '';
	switch (screen) {
		case 'pick':
			body = caPicks.flatMap((pick, index) => [
				{text: `${index === state.caPick ? marks.focus : ' '} ${index + 1}. ${pick.title}`, tone: index === state.caPick ? 'accent' : 'plain', bold: index === state.caPick} satisfies Line,
				...(index === state.caPick ? wrap(`     ${pick.explain}`) : []),
			]);
			help = '↑↓ choose · enter this CA · esc back · q quit';
			break;
		case 'explain':
			// Before start the CA is the one chosen (as --ca names it); later, the ones the rotation in progress rotates.
			body = stepExplain(step, glance.layout, step === 'start' ? rotationRequest(glance, state).ca : (glance.rotation?.cas ?? [])).flatMap(text => [...wrap(text), {text: ''}]);
			help = `enter ${step === 'finish' ? 'go on' : 'make its keys'} (nothing is written yet) · ↑↓ scroll · esc back · q quit`;
			break;
		case 'making':
			body = wrap(makingNote, 'muted');
			help = 'esc back · q quit';
			break;
		case 'review':
		case 'confirm': {
			const preview = state.rotationPreview!;
			body = [...previewIntro(preview, {outDir: shownDir}).flatMap(text => wrap(text)), {text: ''}, ...preview.cards.flatMap(card => certCardLines(card.cert, width, card.readings, card.file))];
			help = screen === 'confirm' ? `Write rotate-ca ${step} to ${shownDir}? enter or y write · esc no` : 'enter write these files · ↑↓ pgup/pgdn scroll · esc back · q quit';
			break;
		}

		case 'writing':
			help = 'writing…';
			break;
		case 'done':
			body = rotationText(state.rotated!, {outDir: shownDir})
				.trimEnd()
				.split('\n')
				.flatMap(line => wrap(line));
			help = 'enter or q leave · ↑↓ pgup/pgdn scroll';
			break;
		case 'failed':
			help = 'esc back · q quit';
			break;
	}

	const helpLine: Line = {text: printable(help), tone: screen === 'confirm' ? 'accent' : 'muted', bold: screen === 'confirm'};
	const room = Math.max(1, rows - 2);
	const scroll = Math.min(state.scroll, Math.max(0, body.length - room));
	return [title, ...body.slice(scroll, scroll + room), helpLine];
}

function glanceLines(glance: FolderGlance, state: FolderState, width: number, rows: number, head: Line, shownDir: string): Line[] {
	const count = (s: string) => glance.rows.filter(row => row.state === s).length;
	const ended = count('expired') + count('not-yet-valid');
	const summary: Line = {
		text: `${glance.rows.length} certificate(s): ${ended} expired or not yet valid, ${count('within')} ending within ${glance.withinDays}d, ${count('ok')} fine · ${glance.lintErrors.length} lint error(s)`,
		tone: ended > 0 || glance.lintErrors.length > 0 ? 'error' : count('within') > 0 ? 'warn' : 'ok',
	};
	const choices = folderChoices(glance);
	const selected = choices[state.selected]!;
	const choiceLines: Line[] = choices.map((choice, index) => ({
		text: `${index === state.selected ? marks.focus : ' '} ${index + 1}. ${choice.title}`,
		tone: index === state.selected ? 'accent' : 'plain',
		bold: index === state.selected,
	}));
	const explain = (state.commands ? folderChoiceCommands(glance, selected.id) : selected.explain).flatMap(text => indented(`  ${printable(text)}`, width, state.commands ? 'muted' : undefined));
	const errors = glance.lintErrors.slice(0, 3).map(f => ({text: printable(`${marks.error} ${f.path}: ${f.message}`), tone: 'error' as const}));
	// Where a CA rotation stands: its phase, what to copy, the next step.
	const told = glance.rotation ? rotationGlance(glance.rotation, {outDir: shownDir}).flatMap(text => indented(printable(text), width, text.startsWith('!') ? 'warn' : undefined)) : [];
	const rotationRoom = 5;
	const rotation = told.length <= rotationRoom ? told : [...told.slice(0, rotationRoom - 1), {text: `  … (kubepki rotate-ca status --out ${printable(shownDir)} lists every file)`, tone: 'muted' as const}];
	const help: Line = {text: `↑↓ choose · enter open · c ${state.commands ? 'hide the commands' : 'the commands by hand'} · q quit`, tone: 'muted'};
	// The table takes what the rest leaves.
	const fixed = 1 + 1 + rotation.length + 1 + errors.length + 1 + choiceLines.length + explain.length + 1;
	const tableRoom = Math.max(2, rows - fixed);
	const shown = (file: string) => path.relative(glance.outDir, file) || file;
	const pathWidth = Math.min(40, Math.max(12, ...glance.rows.map(row => shown(row.path).length)));
	const table: Line[] = [{text: `  ${padTo('CERTIFICATE', pathWidth)}  ${padTo('ROLE', 24)}  LEFT`, tone: 'muted'}];
	const visible = glance.rows.slice(0, tableRoom - (glance.rows.length > tableRoom - 1 ? 2 : 1));
	for (const row of visible) {
		table.push({text: printable(`${stateMark[row.state]} ${padTo(cutMiddle(shown(row.path), pathWidth), pathWidth)}  ${padTo(row.isCA ? 'CA' : row.role, 24)}  ${row.residual}`), tone: stateTone[row.state]});
	}

	if (visible.length < glance.rows.length) table.push({text: `  … ${glance.rows.length - visible.length} more, soonest first above (kubepki expiry lists every one)`, tone: 'muted'});
	return [head, summary, ...rotation, ...table, ...errors, {text: ''}, ...choiceLines, ...explain, help];
}
