import {bindings, type Command, type KeyContext} from './bindings.js';

// Dropped first when the line is too long for the terminal; the rest always shows.
const optional: readonly Command[] = ['scroll', 'pane', 'command', 'cycle', 'remove', 'view'];

/**
 * The one line of key help, built from the bindings table (so it cannot drift from what the keys do):
 * the bindings of `context` that `relevant` keeps, in table order, shortened to `width`.
 */
export function helpLine(context: KeyContext, width: number, relevant: (command: Command) => boolean = () => true, dropFirst: readonly Command[] = optional): string {
	let entries = bindings.filter(b => b.context === context && relevant(b.command));
	const text = () => entries.map(b => b.help).join('  ');
	for (const command of dropFirst) {
		if (text().length <= width) break;
		entries = entries.filter(b => b.command !== command);
	}

	return text().slice(0, width);
}
