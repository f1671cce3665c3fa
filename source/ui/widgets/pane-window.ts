import type {Line} from './lines.js';

/**
 * A window of `height` rows onto `lines`, scrolled by `scroll`. When the lines do not fit, the last row
 * says where the window is (lines 6-14 of 40), how many are hidden and which keys show them, so nothing is
 * cut off silently.
 */
export function paneWindow(lines: readonly Line[], height: number, scroll: number): {readonly rows: Line[]; readonly maxScroll: number} {
	if (height <= 0) return {rows: [], maxScroll: 0};
	if (lines.length <= height) return {rows: [...lines], maxScroll: 0};
	const visible = height - 1;
	const maxScroll = lines.length - visible;
	const top = Math.max(0, Math.min(scroll, maxScroll));
	const below = lines.length - top - visible;
	const where = `lines ${top + 1}-${top + visible} of ${lines.length}`;
	const indicator: Line =
		below > 0
			? {text: `↓ ${below} more line${below === 1 ? '' : 's'} · ${where} (pgdn)`, tone: 'muted'}
			: {text: `↑ ${top} line${top === 1 ? '' : 's'} above · ${where} (pgup)`, tone: 'muted'};
	return {rows: [...lines.slice(top, top + visible), indicator], maxScroll};
}
