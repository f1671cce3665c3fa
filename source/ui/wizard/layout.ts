/** How the frame divides the terminal. Pure, so the 80×24 and 120×40 layouts are tested without rendering. */
export type FrameLayout = {
	readonly columns: number;
	readonly rows: number;
	/** Explanation in its own column (120 columns or more), rather than under the stage body. */
	readonly wide: boolean;
	/** 0 below 100 columns: the stage list becomes a one-line progress in the header, the text gets the room. */
	readonly sidebarWidth: number;
	readonly mainWidth: number;
	/** Width of the explanation pane's text. */
	readonly explainWidth: number;
	/** Rows between the header and the status + key help lines. */
	readonly contentHeight: number;
};

/** Below this the frame cannot show a stage usefully; the wizard asks for a larger terminal instead. */
export const minimum = {columns: 60, rows: 16} as const;

// Header, status and key help: one row each.
const chromeRows = 3;

/** From this width on, the stage list is a sidebar; below it, one line of progress under the title. */
export const sidebarColumns = 100;

export function frameLayout(columns: number, rows: number): FrameLayout {
	const wide = columns >= 120 && rows >= 24;
	// Full stage titles only where they cost the stage nothing; the short ones fit in 17 columns.
	const sidebarWidth = columns < sidebarColumns ? 0 : columns >= 150 ? 24 : 17;
	// Ink 6.8 clears the whole screen before any frame as tall as the terminal: stay one row shorter.
	const contentHeight = Math.max(1, rows - 1 - chromeRows);
	// The sidebar is followed by a rule and a space.
	const rest = sidebarWidth === 0 ? columns : columns - sidebarWidth - 2;
	if (!wide) return {columns, rows, wide, sidebarWidth, mainWidth: rest, explainWidth: rest, contentHeight};
	// Between the stage and the explanation: a space, a rule and a space.
	const mainWidth = Math.floor((rest - 3) * 0.6);
	return {columns, rows, wide, sidebarWidth, mainWidth, explainWidth: rest - 3 - mainWidth, contentHeight};
}

/**
 * Rows for the body and the explanation when they share the main column (narrow layout). The pane with
 * the focus gets most of the room; the other keeps a few rows so it is never forgotten.
 */
export function splitPanes(available: number, explainFocused: boolean): {readonly body: number; readonly explain: number} {
	if (available <= 2) return {body: Math.max(0, available), explain: 0};
	// Focused, the explanation takes all but two rows of the body: it is what the person is reading.
	if (explainFocused) return {body: Math.min(2, available - 2), explain: available - Math.min(2, available - 2)};
	const share = 0.34;
	// At least a title, two rows of text and the "more" line, when there is room for it at all.
	const least = available >= 9 ? 4 : available >= 6 ? 3 : 2;
	const explain = Math.max(least, Math.min(available - 2, Math.round(available * share)));
	return {body: available - explain, explain};
}
