// The built CLI opened in a real terminal (tmux.ts, a private socket), as the e2e files open the wizard: 100×30
// unless told, colours as a person's terminal has them. Every terminal opened here is closed after its test.
import {afterEach} from 'vitest';
import {cliPath} from '../helpers/tools.js';
import {startTerm, type Term} from './tmux.js';

const terms: Term[] = [];
afterEach(() => {
	for (const term of terms.splice(0)) term.kill();
});

/**
 * `kubepki ARGS` in `dir`; `env` is added to (or, with undefined, removed from) the terminal's environment; `under`
 * is a command that runs it (`strace ... --`).
 */
export function wizard(dir: string, args: readonly string[], env: Record<string, string | undefined> = {}, size = {columns: 100, rows: 30}, under: readonly string[] = []): Term {
	const term = startTerm([...under, process.execPath, cliPath, ...args], {...size, cwd: dir, env: {CI: 'false', NO_COLOR: undefined, TERM: 'xterm-256color', ...env}});
	terms.push(term);
	return term;
}
