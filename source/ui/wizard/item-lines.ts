import {marks} from '../theme.js';
import {textLines, wrap, type Line} from '../widgets/lines.js';
import type {Item} from './state.js';

/** Width of the label column of fields and choices. */
export const labelWidth = 15;

/** The columns a field's value gets on its row (after the focus mark and the label). */
export function valueRoom(width: number): number {
	return Math.max(10, width - 2 - labelWidth);
}

function prefix(focused: boolean): string {
	return focused ? `${marks.focus} ` : '  ';
}

/** A value wrapped under its own column, the label on the first row only. */
function labelledRow(head: string, value: string, width: number, focused: boolean, tone?: Line['tone']): Line[] {
	const room = valueRoom(width);
	return wrap(value === '' ? ' ' : value, room).map((text, i) => ({
		text: i === 0 ? head + text : ' '.repeat(head.length) + text,
		tone,
		bold: focused && i === 0,
	}));
}

/** A field's problems, each under it with ✗, in the cluster file's words. */
export function problemLines(item: {readonly problems: readonly string[]}, width: number): Line[] {
	return item.problems.flatMap(p => textLines(`${marks.error} ${p}`, width - 4, 'error', '  ').map(l => ({...l, text: `    ${l.text}`})));
}

/**
 * The rows of one item when it is not being edited. Focus is the `›` mark plus bold, never colour alone;
 * problems sit right under their field with ✗, in the cluster file's words.
 */
export function itemLines(item: Item, focused: boolean, width: number): Line[] {
	const head = prefix(focused);
	switch (item.kind) {
		case 'field': {
			// An empty field shows what it takes, so "Add a SAN" is not a bare label.
			if (item.value === '' && item.hint) return [...labelledRow(head + item.label.padEnd(labelWidth), `(${item.hint}; enter to type)`, width, focused, 'muted'), ...problemLines(item, width)];
			const rows = labelledRow(head + item.label.padEnd(labelWidth), item.value, width, focused, item.problems.length > 0 ? 'error' : undefined);
			const problems = problemLines(item, width);
			const hint = focused && item.hint && item.problems.length === 0 ? [{text: `${' '.repeat(2 + labelWidth)}${item.hint} · enter edits`.slice(0, width), tone: 'muted'} as const] : [];
			return [...rows, ...problems, ...hint];
		}

		case 'choice': {
			return labelledRow(head + item.label.padEnd(labelWidth), `‹ ${item.value} ›${item.hint ? `  ${item.hint}` : ''}`, width, focused);
		}

		case 'option': {
			const mark = item.selected ? '(•)' : '( )';
			const name = `${head}${mark} ${item.label.padEnd(10)} `;
			const note = wrap(item.note, Math.max(10, width - name.length));
			return note.map((text, i) => ({text: i === 0 ? name + text : ' '.repeat(name.length) + text, bold: focused && i === 0, tone: i === 0 ? undefined : 'muted'}));
		}

		case 'removable': {
			return [{text: `${head}- ${item.label}${focused ? '   (d removes it)' : ''}`.slice(0, width), bold: focused}];
		}

		case 'action': {
			return [{text: `${head}[ ${item.label} ]`.slice(0, width), bold: true, tone: focused ? 'accent' : undefined}];
		}
	}
}
