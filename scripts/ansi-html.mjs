// A terminal screen, as `tmux capture-pane -e -p` prints it (text with SGR colour sequences), turned into one
// HTML page that draws the same cells: for the README's picture (scripts/readme-picture.mjs).

/** The 16 colours of the xterm palette, then the 6×6×6 cube and the grey ramp: the 256 that SGR 38;5 names. */
const basic = ['#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5', '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff'];

export function paletteColour(index) {
	if (index < 16) return basic[index];
	if (index < 232) {
		const cube = index - 16;
		const level = value => (value === 0 ? 0 : 55 + value * 40);
		return hex(level(Math.floor(cube / 36)), level(Math.floor(cube / 6) % 6), level(cube % 6));
	}

	const grey = 8 + (index - 232) * 10;
	return hex(grey, grey, grey);
}

function hex(red, green, blue) {
	return `#${[red, green, blue].map(value => value.toString(16).padStart(2, '0')).join('')}`;
}

const plain = () => ({fg: undefined, bg: undefined, bold: false, dim: false, italic: false, underline: false, inverse: false});

/** Apply one SGR parameter list (`1;38;5;208`) to the current style. Unknown codes are ignored. */
export function applySgr(style, parameters) {
	const codes = parameters === '' ? [0] : parameters.split(';').map(Number);
	const next = {...style};
	for (let i = 0; i < codes.length; i++) {
		const code = codes[i];
		if (code === 0) Object.assign(next, plain());
		else if (code === 1) next.bold = true;
		else if (code === 2) next.dim = true;
		else if (code === 3) next.italic = true;
		else if (code === 4) next.underline = true;
		else if (code === 7) next.inverse = true;
		else if (code === 22) next.bold = next.dim = false;
		else if (code === 23) next.italic = false;
		else if (code === 24) next.underline = false;
		else if (code === 27) next.inverse = false;
		else if (code >= 30 && code <= 37) next.fg = basic[code - 30];
		else if (code >= 90 && code <= 97) next.fg = basic[code - 90 + 8];
		else if (code === 39) next.fg = undefined;
		else if (code >= 40 && code <= 47) next.bg = basic[code - 40];
		else if (code >= 100 && code <= 107) next.bg = basic[code - 100 + 8];
		else if (code === 49) next.bg = undefined;
		else if (code === 38 || code === 48) {
			const key = code === 38 ? 'fg' : 'bg';
			if (codes[i + 1] === 5) {
				next[key] = paletteColour(codes[i + 2] ?? 0);
				i += 2;
			} else if (codes[i + 1] === 2) {
				next[key] = hex(codes[i + 2] ?? 0, codes[i + 3] ?? 0, codes[i + 4] ?? 0);
				i += 4;
			}
		}
	}

	return next;
}

function escapeHtml(text) {
	return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function css(style, theme) {
	let fg = style.fg ?? theme.fg;
	let bg = style.bg;
	if (style.inverse) [fg, bg] = [bg ?? theme.bg, fg];
	const rules = [];
	if (fg !== theme.fg) rules.push(`color:${fg}`);
	if (bg) rules.push(`background:${bg}`);
	if (style.bold) rules.push('font-weight:bold');
	if (style.dim) rules.push('opacity:0.6');
	if (style.italic) rules.push('font-style:italic');
	if (style.underline) rules.push('text-decoration:underline');
	return rules.join(';');
}

/** The screen's lines as HTML (one `<div>` a line, a `<span>` a run of one style). Text other than SGR is kept. */
export function screenToHtmlLines(screen, theme = {fg: '#d0d0d0', bg: '#1c1c1c'}) {
	let style = plain();
	return screen.replace(/\n$/, '').split('\n').map(line => {
		let html = '';
		let at = 0;
		// Only SGR (ESC [ … m) is drawn; any other escape sequence is dropped, never shown as text.
		for (const match of line.matchAll(/\u001B\[([\d;]*)m|\u001B\[[\d;?]*[A-Za-z]|\u001B[\]P][^\u0007\u001B]*(?:\u0007|\u001B\\)/g)) {
			html += run(line.slice(at, match.index), style, theme);
			if (match[0].endsWith('m') && match[1] !== undefined) style = applySgr(style, match[1]);
			at = match.index + match[0].length;
		}

		html += run(line.slice(at), style, theme);
		return `<div>${html === '' ? ' ' : html}</div>`;
	});
}

function run(text, style, theme) {
	if (text === '') return '';
	const rules = css(style, theme);
	return rules === '' ? escapeHtml(text) : `<span style="${rules}">${escapeHtml(text)}</span>`;
}

/** A whole page: the screen at `columns` × `rows` cells, in a monospace font, on the terminal's background. */
export function screenToHtmlPage(screen, {columns, rows, fontSize = 14, theme = {fg: '#d0d0d0', bg: '#1c1c1c'}}) {
	const lines = screenToHtmlLines(screen, theme);
	return `<!doctype html>
<html><head><meta charset="utf-8"><style>
html, body { margin: 0; background: ${theme.bg}; }
pre { margin: 0; padding: 12px; width: ${columns}ch; height: ${rows * 1.17}em; color: ${theme.fg};
  font: ${fontSize}px/1.17 "DejaVu Sans Mono", "Liberation Mono", monospace; white-space: pre; overflow: hidden; }
pre div { height: 1.17em; }
</style></head><body><pre>${lines.join('')}</pre></body></html>
`;
}
