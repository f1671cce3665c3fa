import type {Tone} from '../theme.js';
import {widthOf} from './width.js';

/**
 * One line of a pane, already fitted to the pane's width. Panes are lists of lines so that their height is
 * known before Ink lays them out: that is what keeps every frame shorter than the terminal.
 */
export type Line = {readonly text: string; readonly tone?: Tone; readonly bold?: boolean};

/** Word-wrap text to `width` columns; words longer than a line are cut. `indent` prefixes the next lines. */
export function wrap(text: string, width: number, indent = ''): string[] {
	const max = Math.max(8, width);
	const out: string[] = [];
	for (const paragraph of text.split('\n')) {
		let line = '';
		const start = () => (out.length > 0 ? indent : '');
		for (const word of paragraph.split(/ +/).filter(Boolean)) {
			const joined = line === '' ? start() + word : `${line} ${word}`;
			if (widthOf(joined) <= max) {
				line = joined;
				continue;
			}

			if (line !== '') out.push(line);
			let rest = word;
			line = start() + rest;
			while (widthOf(line) > max && rest.length > 1) {
				const room = max - start().length;
				out.push(start() + rest.slice(0, room));
				rest = rest.slice(room);
				line = start() + rest;
			}
		}

		out.push(line);
	}

	return out;
}

/** Wrapped text as lines of one tone. */
export function textLines(text: string, width: number, tone?: Tone, indent = ''): Line[] {
	return wrap(text, width, indent).map(t => ({text: t, tone}));
}

/** A label column and a wrapped value: `Subject   CN=…`, continuing under the value. */
export function labelled(label: string, value: string, width: number, labelWidth = 10, tone?: Tone): Line[] {
	const pad = ' '.repeat(labelWidth);
	return wrap(value, width - labelWidth).map((t, i) => ({text: (i === 0 ? label.padEnd(labelWidth) : pad) + t, tone}));
}
