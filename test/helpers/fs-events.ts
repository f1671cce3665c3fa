// Moments inside a run, named by what it has done to the disk rather than by a clock: the file-system events
// under a folder (inotify, recursive), counted as they arrive. A kill "at the 40th event" lands among the
// run's writes however fast or loaded the machine is; a kill after a random delay mostly lands before them.
import {mkdirSync, watch} from 'node:fs';

export type EventCounter = {
	/** Events seen so far. */
	readonly count: number;
	/** Call `action` once, as soon as `n` events have been seen (at once if they have). */
	at(n: number, action: () => void): void;
	close(): void;
};

export function countEvents(dir: string): EventCounter {
	mkdirSync(dir, {recursive: true});
	let count = 0;
	let waiting: Array<{n: number; action: () => void}> = [];
	const fire = () => {
		const due = waiting.filter(w => w.n <= count);
		waiting = waiting.filter(w => w.n > count);
		for (const w of due) w.action();
	};

	const watcher = watch(dir, {recursive: true}, () => {
		count++;
		fire();
	});
	// A folder removed under the watcher (a test's cleanup) is not an error of the run being watched.
	watcher.on('error', () => {});
	return {
		get count() {
			return count;
		},
		at(n, action) {
			waiting.push({n, action});
			fire();
		},
		close: () => watcher.close(),
	};
}
