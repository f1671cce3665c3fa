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
	| 'home'
	| 'end'
	| 'ctrl-c'
	// The readline keys people's fingers know, in a field; ctrl-d/ctrl-u also scroll outside one.
	| 'ctrl-a'
	| 'ctrl-e'
	| 'ctrl-u'
	| 'ctrl-k'
	| 'ctrl-w'
	| 'ctrl-d'
	| 'alt-b'
	| 'alt-f'
	| 'char';

/** One key press: its name, and the character typed when it is a printable one. */
export type Key = {readonly name: KeyName; readonly input: string};

/** Turn Ink's (input, key) pair into a Key. */
const ctrlKeys: Record<string, KeyName> = {c: 'ctrl-c', a: 'ctrl-a', e: 'ctrl-e', u: 'ctrl-u', k: 'ctrl-k', w: 'ctrl-w', d: 'ctrl-d'};
const altKeys: Record<string, KeyName> = {b: 'alt-b', f: 'alt-f'};

export function keyFromInk(input: string, key: InkKey): Key {
	if (key.ctrl && ctrlKeys[input]) return {name: ctrlKeys[input], input: ''};
	if (key.meta && altKeys[input]) return {name: altKeys[input], input: ''};
	if (key.upArrow) return {name: 'up', input: ''};
	if (key.downArrow) return {name: 'down', input: ''};
	if (key.leftArrow) return {name: 'left', input: ''};
	if (key.rightArrow) return {name: 'right', input: ''};
	if (key.pageUp) return {name: 'page-up', input: ''};
	if (key.pageDown) return {name: 'page-down', input: ''};
	if (key.home) return {name: 'home', input: ''};
	if (key.end) return {name: 'end', input: ''};
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
	// The readline keys, when they arrive in one chunk with text (ctrl-u then a pasted value).
	'\u0001': {name: 'ctrl-a', input: ''},
	'\u0005': {name: 'ctrl-e', input: ''},
	'\u0015': {name: 'ctrl-u', input: ''},
	'\u000B': {name: 'ctrl-k', input: ''},
	'\u0017': {name: 'ctrl-w', input: ''},
	'\u0004': {name: 'ctrl-d', input: ''},
};

const burstKey = /[\r\n\t\u007F\b\u0001\u0005\u0015\u000B\u0017\u0004]/;

const lone = (name: Exclude<KeyName, 'char'>): Key => ({name, input: ''});

/**
 * The keys inside one key as Ink reported it. Ink hands plain input that arrives together (enter pressed
 * twice quickly, "node3\r" typed fast or pasted) as one string; each enter, tab, backspace and readline key
 * in it is a key of its own, and the text between them stays one piece for the field being typed.
 *
 * Esc needs the bytes Ink read (`raw`): two Esc presses in one chunk reach Ink as "\x1b\x1b", which it
 * reports as one escape (the first byte taken for a meta prefix) with nothing left to tell them apart from a
 * single Esc. Only an event made of Esc bytes alone counts them: an arrow ("\x1b[A"), alt-arrow
 * ("\x1b\x1b[A") or alt-letter ("\x1bq") is still the one key Ink made of it.
 */
export function splitBurst(key: Key, raw?: string): Key[] {
	if (raw && /^\u001B+$/.test(raw)) return Array.from(raw, () => lone('esc'));

	if (key.name !== 'char' || key.input.length < 2 || !burstKey.test(key.input)) return [key];
	return key.input
		.split(new RegExp(`(${burstKey.source})`))
		.filter(Boolean)
		.map(piece => burstKeys[piece] ?? {name: 'char', input: piece});
}

/** A printable key, for tests and the reducer: `char('q')`. */
export const char = (input: string): Key => ({name: 'char', input});
export const named = (name: Exclude<KeyName, 'char'>): Key => ({name, input: ''});
