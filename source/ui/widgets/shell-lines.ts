// Shell commands fitted to a pane so that what is on screen can be copied and pasted as it stands:
// a long command breaks only between words, each broken line ending in ` \` and the next indented; a comment
// wraps as more comments; a here-document's lines are data and stay exactly as they are. A word that is
// longer than the pane (a URL, a `$(…)`, a list of SANs) is never cut: its line is wider than the pane, and
// the pane scrolls sideways to show it.
import type {Line} from './lines.js';

/** Indent of the lines a long command continues on (its own indent when it is already a continuation). */
const continuation = '  ';

/**
 * The words of one command line as the shell splits them: quotes, `$(…)`, `${…}` and backticks keep their
 * spaces inside one word. A `#` that starts a word starts a comment, which runs to the end of the line and is
 * returned as one word of its own.
 */
export function shellWords(line: string): string[] {
	const words: string[] = [];
	let word = '';
	let quote: '"' | "'" | '`' | undefined;
	let depth = 0;
	for (let i = 0; i < line.length; i++) {
		const c = line[i]!;
		if (quote === "'") {
			word += c;
			if (c === "'") quote = undefined;
			continue;
		}

		if (c === '\\' && i + 1 < line.length) {
			word += c + line[i + 1];
			i++;
			continue;
		}

		// Inside double quotes or backticks everything up to the closing one is part of the word.
		if (quote) {
			word += c;
			if (c === quote) quote = undefined;
			continue;
		}

		if (c === "'" || c === '"' || c === '`') {
			quote = c;
			word += c;
			continue;
		}

		if ((c === '$' && (line[i + 1] === '(' || line[i + 1] === '{')) || (depth > 0 && (c === '(' || c === '{'))) {
			if (c === '$') {
				word += c + line[i + 1];
				i++;
			} else {
				word += c;
			}

			depth++;
			continue;
		}

		if (depth > 0 && (c === ')' || c === '}')) {
			word += c;
			depth--;
			continue;
		}

		if (depth === 0 && c === '#' && word === '') {
			words.push(line.slice(i));
			return words;
		}

		if (depth === 0 && (c === ' ' || c === '\t')) {
			if (word !== '') words.push(word);
			word = '';
			continue;
		}

		word += c;
	}

	if (word !== '') words.push(word);
	return words;
}

/** A comment wrapped at spaces, each line a comment again (a long word stays whole). */
function commentLines(text: string, width: number): string[] {
	const indent = /^\s*/.exec(text)![0];
	const words = text.trim().replace(/^#\s?/, '').split(/ +/).filter(Boolean);
	const head = `${indent}# `;
	const out: string[] = [];
	let line = head;
	for (const word of words) {
		if (line !== head && line.length + 1 + word.length > width) {
			out.push(line);
			line = head + word;
		} else {
			line = line === head ? head + word : `${line} ${word}`;
		}
	}

	out.push(line === head ? text : line);
	return out;
}

/**
 * One command line broken between words: every line but the last ends in ` \`, and the next starts indented.
 * A trailing comment goes on a line of its own above the command (nothing may follow a `\`).
 */
function commandLines(command: string, width: number): string[] {
	if (command.length <= width) return [command];
	const indent = /^\s*/.exec(command)![0];
	const words = shellWords(command);
	const comment = words.at(-1)?.startsWith('#') ? words.pop() : undefined;
	const rest = comment ? command.slice(0, command.lastIndexOf(comment)).trimEnd() : command;
	if (comment && rest.length <= width) return [...commentLines(indent + comment, width), rest];
	// A `\` already at the end continues onto the next line of the list: it stays glued to the last word.
	if (words.length > 1 && words.at(-1) === '\\') {
		words.pop();
		words[words.length - 1] += ' \\';
	}

	const next = indent === '' ? continuation : indent;
	const out: string[] = [];
	let line: string[] = [];
	const text = (list: readonly string[], first: boolean) => (first && out.length === 0 ? indent : next) + list.join(' ');
	for (const word of words) {
		const candidate = [...line, word];
		// Room for the ` \` that ends a broken line.
		if (line.length > 0 && text(candidate, true).length > width - 2) {
			// A flag goes down with its value (`-out` and its file), when the line keeps a word of its own.
			const last = line.at(-1)!;
			const carry = line.length > 1 && /^--?[\w-]+$/.test(last) && !word.startsWith('-') ? [last] : [];
			out.push(`${text(carry.length > 0 ? line.slice(0, -1) : line, true)} \\`);
			line = [...carry, word];
		} else {
			line = candidate;
		}
	}

	out.push(text(line, true));
	return [...(comment ? commentLines(indent + comment, width) : []), ...out];
}

/** The delimiter of a here-document that a command line opens (`cat > f <<'EOF'`), if it opens one. */
function heredocDelimiter(line: string): {readonly word: string; readonly tabs: boolean} | undefined {
	const match = /<<(-?)\s*(['"]?)([A-Za-z_][\w]*)\2/.exec(line);
	return match ? {word: match[3]!, tabs: match[1] === '-'} : undefined;
}

/**
 * Commands (one shell line each, `''` for a blank line) as pane lines of at most `width` columns, except a
 * word or a here-document line that is wider than that on its own.
 */
export function shellLines(commands: readonly string[], width: number): Line[] {
	const lines: Line[] = [];
	let heredoc: {readonly word: string; readonly tabs: boolean} | undefined;
	for (const command of commands) {
		if (heredoc) {
			// The document's lines are the file's content: never changed, never wrapped.
			lines.push({text: command});
			if ((heredoc.tabs ? command.replace(/^\t+/, '') : command) === heredoc.word) heredoc = undefined;
			continue;
		}

		if (command.trim() === '') {
			lines.push({text: ''});
			continue;
		}

		if (command.trimStart().startsWith('#')) {
			lines.push(...commentLines(command, width).map(text => ({text, tone: 'muted' as const})));
			continue;
		}

		heredoc = heredocDelimiter(command);
		lines.push(...commandLines(command, width).map(text => ({text, tone: text.trimStart().startsWith('#') ? ('muted' as const) : undefined})));
	}

	return lines;
}
