// The built CLI opened in a real terminal (tmux.ts, a private socket), as the e2e files open the wizard: 100×30
// unless told, colours as a person's terminal has them. Every terminal opened here is closed after its test.
import {readFileSync} from 'node:fs';
import {afterEach} from 'vitest';
import {isKeyProcess, processAlive, processesIn} from '../helpers/processes.js';
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

/** The wizard's own process in `dir` (not its key process): the node running the built CLI there. */
export function wizardProcessIn(dir: string): number | undefined {
	return processesIn(dir).find(pid => {
		try {
			const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
			return argv[0] === process.execPath && argv[1] === cliPath && !isKeyProcess(pid);
		} catch {
			return false;
		}
	});
}

/**
 * A waitFor check that resumes the stopped wizard (SIGCONT) until `text` shows. Once is not always enough under
 * strace: a thread whose stop strace reports after the SIGCONT stops again; a SIGCONT to a running process does nothing.
 */
export function resumed(pid: number, text: string): (screen: string) => boolean {
	return screen => {
		if (screen.includes(text)) return true;
		try {
			if (processAlive(pid)) process.kill(pid, 'SIGCONT');
		} catch {
			// It ended between the look and the signal: nothing to resume.
		}

		return false;
	};
}


/**
 * The time limit of a test whose waits have no clock (they wait as long as a loaded machine needs): not a judgement
 * of speed, only so that a hang (a key lost, a screen that never comes) ends in a report of the last screen instead
 * of a run that never ends.
 */
export const hangLimitMs = 15 * 60_000;
