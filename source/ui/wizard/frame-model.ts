import {helpText} from '../../content/stages.js';
import {helpLine} from '../keys/help-line.js';
import {labelled, textLines, type Line} from '../widgets/lines.js';
import {paneWindow} from '../widgets/pane-window.js';
import {explainLines, explainTitle, summaryLines} from './explain-lines.js';
import {itemLines, problemLines, valueRoom} from './item-lines.js';
import {splitPanes, type FrameLayout} from './layout.js';
import {commandApplies, currentStage, editProblems, isGenerating, itemsOf} from './machine.js';
import {stages} from './stages/index.js';
import type {Item, WizardState} from './state.js';

/** One focusable row as drawn: ready lines, or the text field being edited, with the value typed so far. */
export type ItemBlock =
	| {readonly kind: 'lines'; readonly lines: readonly Line[]}
	| {
			readonly kind: 'edit';
			readonly item: Extract<Item, {kind: 'field'}>;
			readonly value: string;
			readonly cursor: number;
			readonly height: number;
			readonly problems: readonly Line[];
	  };

/** Everything the frame draws, with every height decided here: the components only lay it out. */
export type FrameModel = {
	readonly layout: FrameLayout;
	readonly summary: readonly Line[];
	readonly items: readonly ItemBlock[];
	readonly itemsHeight: number;
	readonly header: string;
	readonly body: {readonly rows: readonly Line[]; readonly height: number; readonly maxScroll: number; readonly page: number};
	readonly explain: {
		readonly title: string;
		readonly rows: readonly Line[];
		readonly height: number;
		readonly maxScroll: number;
		readonly maxSideways: number;
		readonly page: number;
	};
	/** Replaces the stage's panes: help, or a yes/no question. */
	readonly overlay?: {readonly title: string; readonly rows: readonly Line[]; readonly height: number};
	readonly help: string;
};

function itemBlock(state: WizardState, item: Item, focused: boolean, width: number): ItemBlock {
	if (item.kind === 'field' && state.editing?.id === item.id) {
		// The input wraps inside its column: one row per `room` characters, plus the cursor.
		const height = Math.max(1, Math.ceil((state.editing.value.length + 1) / valueRoom(width)));
		// Checked as it is typed, with the same messages a cluster file gets.
		return {kind: 'edit', item, value: state.editing.value, cursor: state.editing.cursor, height, problems: problemLines({problems: editProblems(state)}, width)};
	}

	return {kind: 'lines', lines: itemLines(item, focused, width)};
}

function blockHeight(block: ItemBlock): number {
	return block.kind === 'lines' ? block.lines.length : block.height + block.problems.length;
}

function note(text: string): ItemBlock {
	return {kind: 'lines', lines: [{text, tone: 'muted'}]};
}

/** A block cut to `rows` rows, its last row saying how many were left out. */
function clip(block: ItemBlock, rows: number): ItemBlock {
	const hidden = (count: number): Line => ({text: `    … ${count} more line${count === 1 ? '' : 's'}: fix the ones above first`, tone: 'error'});
	if (block.kind === 'lines') return {kind: 'lines', lines: [...block.lines.slice(0, rows - 1), hidden(block.lines.length - rows + 1)]};
	const keep = Math.max(0, rows - block.height - 1);
	return {...block, problems: [...block.problems.slice(0, keep), hidden(block.problems.length - keep)]};
}

/**
 * The blocks that fit in `max` rows, always including the focused one (long SAN lists, many problems).
 * Rows cut off above or below are counted on a line of their own, so no field disappears silently.
 */
function fitBlocks(blocks: readonly ItemBlock[], focus: number, max: number): ItemBlock[] {
	const total = blocks.reduce((sum, b) => sum + blockHeight(b), 0);
	if (total <= max) return [...blocks];
	const room = Math.max(2, max - 2);
	let start = Math.min(focus, blocks.length - 1);
	// One field with more problems than rows: its first rows, and how many more there are.
	if (blockHeight(blocks[start]!) > room) {
		const clipped = clip(blocks[start]!, room);
		return [...(start > 0 ? [note(`  ↑ ${start} more row${start === 1 ? '' : 's'} above`)] : []), clipped, ...(start < blocks.length - 1 ? [note(`  ↓ ${blocks.length - 1 - start} more rows below`)] : [])];
	}


	let end = start + 1;
	let used = blockHeight(blocks[start]!);
	while (true) {
		if (end < blocks.length && used + blockHeight(blocks[end]!) <= room) {
			used += blockHeight(blocks[end]!);
			end++;
		} else if (start > 0 && used + blockHeight(blocks[start - 1]!) <= room) {
			start--;
			used += blockHeight(blocks[start]!);
		} else {
			break;
		}
	}

	return [
		...(start > 0 ? [note(`  ↑ ${start} more row${start === 1 ? '' : 's'} above`)] : []),
		...blocks.slice(start, end),
		...(end < blocks.length ? [note(`  ↓ ${blocks.length - end} more row${blocks.length - end === 1 ? '' : 's'} below`)] : []),
	];
}

function overlayOf(state: WizardState, width: number): {title: string; lines: Line[]} | undefined {
	switch (state.overlay) {
		case 'help': {
			// Keys in a column of their own, descriptions wrapping beside them.
			const rows = helpText.flatMap(line => (line[9] !== ' ' || line.slice(0, 10).trim() === '' ? textLines(line, width) : labelled(line.slice(0, 10).trim(), line.slice(10), width, 10)));
			return {title: 'Keys (esc closes)', lines: rows};
		}

		case 'confirm-quit': {
			return {
				title: 'Quit the wizard?',
				lines: [
					...textLines(`Nothing has been written to ${state.outDir}: the certificates made in memory are dropped.`, width),
					{text: ''},
					{text: 'y or enter: quit      n or esc: stay', bold: true},
				],
			};
		}

		case 'confirm-write': {
			const count = state.write.phase === 'ready' ? state.write.prepared.files.length : 0;
			const reused = state.preview?.certs.some(c => c.status === 'reused-ca');
			return {
				title: `Write ${count} files to ${state.outDir}?`,
				lines: [
					...textLines('Private keys and kubeconfigs 0600, folders 0700; each file written atomically (temp file, fsync, rename).', width),
					...(reused ? textLines('! The existing CA in the folder is kept and signs the new certificates.', width, 'warn') : []),
					{text: ''},
					{text: 'y or enter: write      n or esc: not yet', bold: true},
				],
			};
		}

		default: {
			return undefined;
		}
	}
}

function helpFor(state: WizardState, width: number): string {
	if (state.overlay === 'confirm-quit' || state.overlay === 'confirm-write') return helpLine('confirm', width);
	if (state.overlay) return helpLine('overlay', width);
	if (state.editing) return helpLine('editing', width, {notes: ['ctrl-a/e ctrl-u/k ctrl-w alt-b/f', '(q, ? and c type text here)']});
	// In the explanation pane the arrows scroll it: say so where the eye already is.
	const labels = state.region === 'explain' ? {move: '↑↓ scroll this pane', 'first-last': 'home/end top/bottom'} : {};
	return helpLine('stage', width, {relevant: c => commandApplies(state, c), labels});
}

/** The header: where the wizard is; below the sidebar's width, also what comes next (the sidebar's job). */
function headerText(state: WizardState, layout: FrameLayout): string {
	const stage = currentStage(state);
	const step = `step ${state.stage + 1} of ${stages.length}: ${stage.title}`;
	const following = stages[state.stage + 1];
	const next = layout.sidebarWidth === 0 && following ? ` · next: ${following.short}` : '';
	const right = `out: ${state.outDir}`;
	for (const left of [`kubepki · ${step}${next}`, `${step}${next}`, step]) {
		if (left.length + 2 + right.length <= layout.columns) return left + ' '.repeat(layout.columns - left.length - right.length) + right;
	}

	return step.slice(0, layout.columns);
}

/** Lines moved `by` columns to the left (the commands pane scrolled sideways). */
function shifted(lines: readonly Line[], by: number): Line[] {
	return by === 0 ? [...lines] : lines.map(line => ({...line, text: line.text.slice(by)}));
}

export function frameModel(state: WizardState, layout: FrameLayout): FrameModel {
	const width = layout.mainWidth;
	const items = itemsOf(state);
	const explainFocused = state.region === 'explain';
	const summary = summaryLines(state, width).slice(0, explainFocused && !layout.wide ? 0 : 3);
	const help = helpFor(state, layout.columns);
	const overlay = overlayOf(state, layout.wide ? layout.mainWidth + layout.explainWidth + 3 : width);
	const blocks = items.map((item, i) => itemBlock(state, item, i === state.focus && state.region === 'body', width));
	const bodyLines = currentStage(state).body(state, width);
	// Rows left for the items after the spacer, up to three rows of body and (narrow) four of explanation;
	// while the explanation has the focus (narrow), the rows shrink to the focused one and the text gets the room.
	const reserve = 1 + Math.min(3, bodyLines.length) + (layout.wide ? 0 : 4);
	const most = !layout.wide && explainFocused ? 3 : Math.max(3, layout.contentHeight - summary.length - reserve);
	const shown = fitBlocks(blocks, state.focus, most);
	const itemsHeight = shown.reduce((sum, b) => sum + blockHeight(b), 0);
	const title = explainTitle(state);
	const available = layout.contentHeight - summary.length - itemsHeight - 1;
	const shared = splitPanes(available, explainFocused);
	const explainAll = explainLines(state, layout.explainWidth);
	// A short body gives its unused rows to the explanation, and a short explanation (with its title) to the body.
	const bodyRows = Math.max(1, Math.min(bodyLines.length, Math.max(shared.body, available - explainAll.length - 1)));
	const split = layout.wide ? {body: available, explain: layout.contentHeight} : {body: bodyRows, explain: available - bodyRows};
	const body = paneWindow(bodyLines, split.body, state.scroll.body);
	// The pane's first row is its title.
	const explainRows = Math.max(0, split.explain - 1);
	// A command word wider than the pane is never cut: the pane scrolls sideways to show it.
	const maxSideways = Math.max(0, ...explainAll.map(l => l.text.length - layout.explainWidth));
	const sideways = Math.min(state.sideways, maxSideways);
	const explain = paneWindow(shifted(explainAll, sideways), explainRows, state.scroll.explain);
	const overlayHeight = layout.contentHeight;
	const across = maxSideways > 0 ? ` · ${explainFocused ? '←→' : 'tab, ←→'}: columns ${sideways + 1}-${sideways + layout.explainWidth} of ${layout.explainWidth + maxSideways}` : '';
	return {
		layout,
		header: headerText(state, layout),
		summary,
		items: shown,
		itemsHeight,
		body: {rows: body.rows, height: split.body, maxScroll: body.maxScroll, page: split.body},
		explain: {title: title + across, rows: explain.rows, height: explainRows, maxScroll: explain.maxScroll, maxSideways, page: explainRows},
		...(overlay && {overlay: {title: overlay.title, rows: paneWindow(overlay.lines, overlayHeight - 2, 0).rows, height: overlayHeight}}),
		help,
	};
}

/** The status line: what is happening in the background, or the last notice. */
export function statusOf(state: WizardState): {readonly text: string; readonly tone: Line['tone']; readonly busy: boolean} {
	if (state.notice) return {text: `! ${state.notice}`, tone: 'warn', busy: false};
	if (state.write.phase === 'writing') return {text: 'writing the files…', tone: 'muted', busy: true};
	if (state.write.phase === 'written') return {text: `✓ written to ${state.outDir}`, tone: 'ok', busy: false};
	if (!state.topology) return {text: '✗ the cluster has problems: fix them in the Cluster stage', tone: 'error', busy: false};
	if (state.previewError) return {text: `✗ ${state.previewError}`, tone: 'error', busy: false};
	if (isGenerating(state)) {
		const progress = state.keys ? ` ${state.keys.done}/${state.keys.total}` : '';
		return {text: `making keys${progress} in the background; keep reading, the cards fill in when ready`, tone: 'muted', busy: true};
	}

	const count = state.preview?.certs.length ?? 0;
	return {text: `✓ ${count} certificates made in memory · nothing is written before Review & write`, tone: 'muted', busy: false};
}
