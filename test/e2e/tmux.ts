// Driving the built CLI in a real terminal: tmux on a private socket, keys by send-keys, the screen by
// capture-pane, polled until the expected text shows (never a fixed sleep, and no clock of its own).
import {execFileSync, spawnSync} from 'node:child_process';
import {waitUntil} from '../helpers/until.js';

export type Term = {
	/** The screen as text (or with escape sequences, for the colour checks). */
	screen(options?: {escapes?: boolean}): string;
	/** Send tmux key names (Enter, Up, C-c) or literal text with `literal`. */
	keys(...names: string[]): void;
	type(text: string): void;
	/**
	 * Poll the screen until it shows the text (or the check holds). No limit unless `timeoutMs` is given: the test's
	 * timeout ends a hung test, and the screen last seen is reported with it (helpers/until.ts).
	 */
	waitFor(text: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
	kill(): void;
};

let counter = 0;

function shellQuote(value: string): string {
	return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * Start `argv` in a detached tmux session of the given size. The command's exit status is printed as
 * EXIT=<code> afterwards, and the pane stays so the test can read it. `env` is set explicitly: a tmux server
 * does not pass the caller's environment to the command (and CI=true would make Ink draw nothing).
 */
export function startTerm(argv: readonly string[], options: {columns: number; rows: number; cwd: string; env: Record<string, string | undefined>; socketPrefix?: string}): Term {
	const socket = `${options.socketPrefix ?? 'kubepki-e2e'}-${process.pid}-${counter++}`;
	const name = 'e2e';
	const unset = Object.entries(options.env).filter(([, v]) => v === undefined).map(([k]) => `-u ${k}`);
	const set = Object.entries(options.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${shellQuote(v!)}`);
	// The trap keeps the shell alive when a Ctrl-C lands before the app has raw mode on (the terminal then
	// sends SIGINT to the whole foreground group): the app still gets it, and EXIT= is still printed.
	const command = `trap 'true' INT; cd ${shellQuote(options.cwd)} && env ${[...unset, ...set].join(' ')} ${argv.map(shellQuote).join(' ')}; echo EXIT=$?; sleep 600`;
	const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
	tmux('new-session', '-d', '-s', name, '-x', String(options.columns), '-y', String(options.rows), command);
	const term: Term = {
		screen: ({escapes = false} = {}) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name),
		keys: (...names) => {
			for (const key of names) tmux('send-keys', '-t', name, key);
		},
		type: text => tmux('send-keys', '-t', name, '-l', text),
		async waitFor(text, timeoutMs = Number.POSITIVE_INFINITY) {
			const started = Date.now();
			return waitUntil(
				String(text),
				() => {
					const screen = term.screen();
					if (typeof text === 'string' ? screen.includes(text) : typeof text === 'function' ? text(screen) : text.test(screen)) return {found: screen};
					if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(text)}; screen:\n${screen}`);
					return {seen: `screen:\n${screen}`};
				},
				100,
			);
		},
		kill: () => {
			spawnSync('tmux', ['-L', socket, 'kill-server'], {stdio: 'ignore'});
		},
	};
	return term;
}
