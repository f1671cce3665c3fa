// Text widths in terminal columns, as Ink measures them (string-width): a CJK character takes two columns,
// a combining mark none. `.length` counts UTF-16 units and breaks the layout on such names.
import stringWidth from 'string-width';

export function widthOf(text: string): number {
	return stringWidth(text);
}

/** The longest start of `text` that fits `width` columns. */
function startFitting(text: string, width: number): string {
	let out = '';
	let used = 0;
	for (const char of text) {
		const w = stringWidth(char);
		if (used + w > width) break;
		out += char;
		used += w;
	}

	return out;
}

/** The longest end of `text` that fits `width` columns. */
function endFitting(text: string, width: number): string {
	const chars = [...text];
	let out = '';
	let used = 0;
	for (let i = chars.length - 1; i >= 0; i--) {
		const w = stringWidth(chars[i]!);
		if (used + w > width) break;
		out = chars[i]! + out;
		used += w;
	}

	return out;
}

/** `text` cut to `width` columns at its end (with …), or as it is when it fits. */
export function cutEnd(text: string, width: number): string {
	if (width <= 0) return '';
	if (stringWidth(text) <= width) return text;
	return `${startFitting(text, width - 1)}…`;
}

/**
 * `text` shortened in the middle to `width` columns, keeping its end: file names differ at the end
 * (a key and its certificate in one machine's folder under nodes/), so the end is what must show.
 */
export function cutMiddle(text: string, width: number): string {
	if (width <= 0) return '';
	if (stringWidth(text) <= width) return text;
	if (width < 4) return endFitting(text, width);
	const tail = Math.ceil((width - 1) * 0.6);
	return `${startFitting(text, width - 1 - tail)}…${endFitting(text, tail)}`;
}

/** `text` padded with spaces (or cut) to exactly `width` columns. */
export function padTo(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const cut = cutEnd(text, width);
	const pad = ' '.repeat(Math.max(0, width - stringWidth(cut)));
	return align === 'left' ? cut + pad : pad + cut;
}
