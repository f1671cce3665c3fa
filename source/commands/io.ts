/** What a command prints to and where it reads from: the real process in the CLI, buffers in tests. */
export type CommandIo = {
	readonly stdout: NodeJS.WritableStream & {isTTY?: boolean; columns?: number};
	readonly stderr: NodeJS.WritableStream;
	readonly env: NodeJS.ProcessEnv;
	readonly cwd: string;
};

/** A mistake in the input: printed as one line, exit 2, nothing written. */
export class UsageError extends Error {}

/**
 * A text safe to print as (part of) one line: control characters (a newline, an escape sequence from a file
 * or an argument) shown as escapes, never sent to the terminal.
 */
export function oneLine(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replaceAll(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, c => {
		const named: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'};
		return named[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;
	});
}
