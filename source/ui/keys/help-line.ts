import {bindings, type Command, type KeyContext} from './bindings.js';

// Dropped first to last when the line is too long for the terminal; `? help` is never dropped, and no entry
// is ever cut in the middle: a key half shown is worse than a key left to the help screen.
const dropOrder: readonly Command[] = [
	'first-last',
	'save-cluster',
	// The pane's own "↓ more lines (pgdn)" line says how to scroll it.
	'scroll',
	'save-commands',
	'pane',
	'command',
	'view',
	'sideways',
	'cycle',
	'remove',
	'back',
	'move',
	'confirm',
	'edit-next',
	'quit',
	'edit-cancel',
	'edit-save',
	'no',
	'yes',
];

export type HelpOptions = {
	/** Keep only the bindings that do something here. */
	readonly relevant?: (command: Command) => boolean;
	/** Other labels for some commands where they mean something more precise (↑↓ scroll, in a pane). */
	readonly labels?: Partial<Record<Command, string>>;
	/** Notes after the keys, dropped before any key. */
	readonly notes?: readonly string[];
	/** Commands of this screen to drop before the usual order (the viewer's own keys). */
	readonly dropFirst?: readonly Command[];
};

/**
 * The one line of key help, built from the bindings table (so it cannot drift from what the keys do):
 * the bindings of `context` that `relevant` keeps, in table order, fitted to `width` by dropping whole
 * entries, the least useful first.
 */
export function helpLine(context: KeyContext, width: number, options: HelpOptions = {}): string {
	const relevant = options.relevant ?? (() => true);
	// One entry per command (←→ may be two bindings that share the key).
	const seen = new Set<Command>();
	let entries = bindings.filter(b => b.context === context && relevant(b.command) && !seen.has(b.command) && seen.add(b.command));
	let notes = [...(options.notes ?? [])];
	const text = () => [...entries.map(b => options.labels?.[b.command] ?? b.help), ...notes].join('  ');
	while (text().length > width && notes.length > 0) notes = notes.slice(0, -1);
	for (const command of [...(options.dropFirst ?? []), ...dropOrder]) {
		if (text().length <= width) break;
		entries = entries.filter(b => b.command !== command);
	}

	return text();
}
