// Whatever a file holds may end up on a terminal: a CN of `ESC]0;…BEL ESC[2J` would set the title and clear
// the screen, a file named `ESC[1A ESC[2K` would erase the line above. Every text that inspect, lint and the
// viewer print goes through here first.

// C0 controls, DEL and C1 controls; and the bidirectional overrides and line separators, which reorder or
// break what follows them without being visible.
const unsafe = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/** `text` with every control character written as an escape (`\x1b`, `\u202e`): shown, never obeyed. */
export function printable(text: string): string {
	return text.replace(unsafe, char => {
		const code = char.codePointAt(0)!;
		return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
	});
}

/** Each line of a multi-line text made printable; the line breaks themselves stay. */
export function printableLines(text: string): string {
	return text.split('\n').map(printable).join('\n');
}
