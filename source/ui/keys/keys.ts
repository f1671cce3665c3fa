import type {Key as InkKey} from 'ink';

/** A key by meaning, not by byte: what the wizard's reducer and bindings match on. */
export type KeyName =
	| 'up'
	| 'down'
	| 'left'
	| 'right'
	| 'enter'
	| 'esc'
	| 'tab'
	| 'shift-tab'
	| 'backspace'
	| 'delete'
	| 'page-up'
	| 'page-down'
	| 'ctrl-c'
	| 'char';

/** One key press: its name, and the character typed when it is a printable one. */
export type Key = {readonly name: KeyName; readonly input: string};

/** Turn Ink's (input, key) pair into a Key. */
export function keyFromInk(input: string, key: InkKey): Key {
	if (key.ctrl && input === 'c') return {name: 'ctrl-c', input: ''};
	if (key.upArrow) return {name: 'up', input: ''};
	if (key.downArrow) return {name: 'down', input: ''};
	if (key.leftArrow) return {name: 'left', input: ''};
	if (key.rightArrow) return {name: 'right', input: ''};
	if (key.pageUp) return {name: 'page-up', input: ''};
	if (key.pageDown) return {name: 'page-down', input: ''};
	if (key.return) return {name: 'enter', input: ''};
	if (key.escape) return {name: 'esc', input: ''};
	if (key.tab) return {name: key.shift ? 'shift-tab' : 'tab', input: ''};
	if (key.backspace) return {name: 'backspace', input: ''};
	if (key.delete) return {name: 'delete', input: ''};
	return {name: 'char', input};
}

const burstKeys: Record<string, Key> = {
	'\r': {name: 'enter', input: ''},
	'\n': {name: 'enter', input: ''},
	'\t': {name: 'tab', input: ''},
	'\u007F': {name: 'backspace', input: ''},
	'\b': {name: 'backspace', input: ''},
};

/**
 * The keys inside one `char` key. Ink hands plain input that arrives together (enter pressed twice quickly,
 * "node3\r" typed fast or pasted) as one string; each enter, tab and backspace in it is a key of its own,
 * and the text between them stays one piece for the field being typed.
 */
export function splitBurst(key: Key): Key[] {
	if (key.name !== 'char' || key.input.length < 2 || !/[\r\n\t\u007F\b]/.test(key.input)) return [key];
	return key.input
		.split(/([\r\n\t\u007F\b])/)
		.filter(Boolean)
		.map(piece => burstKeys[piece] ?? {name: 'char', input: piece});
}

/** A printable key, for tests and the reducer: `char('q')`. */
export const char = (input: string): Key => ({name: 'char', input});
export const named = (name: Exclude<KeyName, 'char'>): Key => ({name, input: ''});
