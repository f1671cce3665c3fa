// Waiting for a condition with no clock of its own: the test's (or hook's) timeout is the only bound, so a loaded
// machine is never taken for a broken program, and a fast one never outruns a limit. What a wait needs from a
// clock is a readable failure: a wait still pending when its test ends (it timed out) is reported by an afterEach
// hook of the file, with what it waited for and the last thing it saw (a screen, a frame, a log); one still
// pending when the file ends (a beforeAll that timed out) by an afterAll hook.
import {afterAll, afterEach} from 'vitest';

/** One look: `found` ends the wait with that value; `seen` says what was there instead (for the report). */
export type Look<T> = {readonly found: T} | {readonly seen: string};

type Pending = {readonly what: string; seen: string; stopped: boolean};

const pending = new Set<Pending>();

/** Stop every pending wait (no further look, its promise never settles) and say what each waited for. */
function reportPending(when: string): void {
	const left = [...pending];
	pending.clear();
	for (const wait of left) wait.stopped = true;
	if (left.length === 0) return;
	throw new Error(left.map(wait => `${when}, still waiting for ${wait.what}; last seen:\n${wait.seen}`).join('\n\n'));
}

// Registered when a test file imports this module (directly or through a helper): on the file's root suite.
afterEach(() => {
	reportPending('when the test ended');
});
afterAll(() => {
	reportPending('when the file ended');
});

/**
 * Look every `everyMs` until `look` finds what it waits for, and resolve with it. A look that throws ends the wait
 * with its error. No time limit: see the top of this file.
 */
export async function waitUntil<T>(what: string, look: () => Look<T> | Promise<Look<T>>, everyMs = 20): Promise<T> {
	const wait: Pending = {what, seen: '(nothing yet)', stopped: false};
	pending.add(wait);
	try {
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			const result = await look();
			if ('found' in result) return result.found;
			wait.seen = result.seen;
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => setTimeout(resolve, everyMs));
			// The test is over (timed out): no more looks, and nothing left to settle.
			// eslint-disable-next-line no-await-in-loop
			if (wait.stopped) await new Promise<never>(() => {});
		}
	} finally {
		pending.delete(wait);
	}
}
