// Rendering Ink in tests at a chosen terminal size (ink-testing-library is fixed at 100 columns and has
// no rows), and pressing keys one at a time, waiting for the screen each time rather than for a clock.
import {EventEmitter} from 'node:events';
import {stripVTControlCharacters} from 'node:util';
import {render as inkRender, type Instance} from 'ink';
import type {ReactElement} from 'react';
import {waitUntil} from '../helpers/until.js';

class FakeStdout extends EventEmitter {
	frames: string[] = [];
	isTTY = true;
	constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		super();
	}

	write = (frame: string) => {
		this.frames.push(frame);
		return true;
	};
}

class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write(data: string) {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}

	read = () => {
		const {data} = this;
		this.data = null;
		return data;
	};

	/** Every setRawMode call Ink made, in order. */
	rawModes: boolean[] = [];
	setEncoding() {}
	setRawMode(on: boolean) {
		this.rawModes.push(on);
	}

	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

export type Rendered = {
	readonly stdin: FakeStdin;
	readonly stdout: FakeStdout;
	readonly instance: Instance;
	/** The last frame, raw (with colour codes). */
	raw(): string;
	/** The last frame as plain text. */
	frame(): string;
};

const mounted: Instance[] = [];

export function renderAt(tree: ReactElement, size: {columns?: number; rows?: number} = {}): Rendered {
	const stdout = new FakeStdout(size.columns ?? 100, size.rows ?? 30);
	const stdin = new FakeStdin();
	const instance = inkRender(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: new FakeStdout(100, 30) as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	mounted.push(instance);
	const raw = () => stdout.frames.at(-1) ?? '';
	return {stdin, stdout, instance, raw, frame: () => stripVTControlCharacters(raw())};
}

/** Unmount everything rendered (spinners keep timers alive otherwise). */
export function cleanup(): void {
	for (const instance of mounted.splice(0)) {
		instance.unmount();
		instance.cleanup();
	}
}

export const keys = {
	enter: '\r',
	esc: '\u001B',
	up: '\u001B[A',
	down: '\u001B[B',
	left: '\u001B[D',
	right: '\u001B[C',
	tab: '\t',
	backspace: '\u007F',
	pageDown: '\u001B[6~',
	ctrlC: '\u0003',
} as const;

/**
 * Poll until `check` holds for the frame. No limit unless `timeoutMs` is given: the test's timeout ends a wait
 * that never comes, and the last frame, which is what a reader needs, is reported with it (helpers/until.ts).
 */
export async function waitFor(r: Rendered, check: string | RegExp | ((frame: string) => boolean), timeoutMs = Number.POSITIVE_INFINITY): Promise<string> {
	const test = typeof check === 'function' ? check : typeof check === 'string' ? (f: string) => f.includes(check) : (f: string) => check.test(f);
	const started = Date.now();
	await waitUntil(
		String(check),
		() => {
			if (test(r.frame())) return {found: undefined};
			if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(check)}; last frame:\n${r.frame()}`);
			return {seen: `last frame:\n${r.frame()}`};
		},
		10,
	);

	// One more turn so the new screen's input handlers have subscribed before the next key.
	await new Promise(resolve => setImmediate(resolve));
	return r.frame();
}

/** Write one key (or one pasted text), then wait for `expect` on the screen. */
export async function press(r: Rendered, key: string, expect: string | RegExp | ((frame: string) => boolean)): Promise<string> {
	r.stdin.write(key);
	return waitFor(r, expect);
}

/** Press `key` (up by default) until the row `label` has the focus (`› label`), as a person would. */
export async function focusRow(r: Rendered, label: string, key: string = keys.up): Promise<string> {
	const target = `› ${label}`;
	for (let i = 0; i < 20 && !r.frame().includes(target); i++) {
		const before = r.frame();
		r.stdin.write(key);
		await waitFor(r, frame => frame !== before);
	}

	return waitFor(r, target);
}
