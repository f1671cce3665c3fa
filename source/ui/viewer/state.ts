// The viewer as a pure state machine: a key and what the screen holds in, the next state out. The Viewer
// component only draws; what every key does is here, and tested without a render.
import {sortKeys, type SortKey} from '../../core/inventory.js';
import {commandFor} from '../keys/bindings.js';
import type {Key} from '../keys/keys.js';

export type Pane = 'list' | 'detail';

export type ViewerState = {
	readonly sort: SortKey;
	readonly onlyFindings: boolean;
	/** The selected row, by id: it stays selected when the order changes. */
	readonly selectedId?: string;
	readonly pane: Pane;
	/** First line of the detail shown. */
	readonly detailTop: number;
	/** A search being typed (`editing`), or the last one (n goes to its next match). */
	readonly search?: {readonly editing: boolean; readonly query: string};
	readonly help: boolean;
	/** One line under the list: "no match for x", "sorted by expiry". */
	readonly notice?: string;
	readonly exit?: boolean;
};

/** What the screen holds when the key arrives. */
export type ViewerView = {
	/** The ids of the listed rows, in order. */
	readonly ids: readonly string[];
	/** Rows shown in one page of the list, and lines of the detail in one page. */
	readonly pageRows: number;
	readonly detailLines: number;
	readonly detailPage: number;
	/** Indexes into ids of the rows that match a query. */
	readonly matches: (query: string) => number[];
	/** Whether any row has a finding (f does nothing otherwise). */
	readonly anyFindings: boolean;
};

export const initialViewerState: ViewerState = {sort: 'name', onlyFindings: false, pane: 'list', detailTop: 0, help: false};

const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(high, value));

/** The index of the selected row in view.ids (the first row when none is selected or it is gone). */
export function selectedIndex(state: ViewerState, view: Pick<ViewerView, 'ids'>): number {
	const index = state.selectedId === undefined ? -1 : view.ids.indexOf(state.selectedId);
	return index < 0 ? 0 : index;
}

function select(state: ViewerState, view: ViewerView, index: number): ViewerState {
	const id = view.ids[clamp(index, 0, view.ids.length - 1)];
	return id === state.selectedId ? state : {...state, selectedId: id, detailTop: 0};
}

function scrollDetail(state: ViewerState, view: ViewerView, delta: number): ViewerState {
	const max = Math.max(0, view.detailLines - view.detailPage);
	return {...state, detailTop: clamp(Math.min(state.detailTop, max) + delta, 0, max)};
}

function findFrom(state: ViewerState, view: ViewerView, query: string, from: number, step: 1 | -1): ViewerState {
	const found = view.matches(query);
	const search = {editing: false, query};
	if (found.length === 0) return {...state, search, notice: `no row matches "${query}"`};
	const next = step === 1 ? (found.find(index => index >= from) ?? found[0]!) : ([...found].reverse().find(index => index <= from) ?? found.at(-1)!);
	const position = found.indexOf(next) + 1;
	return {...select({...state, search}, view, next), notice: `match ${position} of ${found.length} for "${query}"`};
}

/** The next state after one key. */
export function viewerStep(state: ViewerState, key: Key, view: ViewerView): ViewerState {
	if (state.help) return commandFor('overlay', key) === 'back' ? {...state, help: false} : state;
	if (state.search?.editing) return searchKey(state, key, view);
	const command = commandFor('viewer', key);
	const index = selectedIndex(state, view);
	const quiet = state.notice === undefined ? state : {...state, notice: undefined};
	switch (command) {
		case 'quit': {
			return {...state, exit: true};
		}

		case 'move': {
			const delta = key.name === 'up' || key.input === 'k' ? -1 : 1;
			return state.pane === 'detail' ? scrollDetail(quiet, view, delta) : select(quiet, view, index + delta);
		}

		case 'page': {
			const down = key.name === 'page-down' || key.name === 'ctrl-d';
			if (state.pane === 'detail') return scrollDetail(quiet, view, (down ? 1 : -1) * Math.max(1, view.detailPage - 1));
			return select(quiet, view, index + (down ? 1 : -1) * Math.max(1, view.pageRows - 1));
		}

		case 'ends': {
			const end = key.input === 'G' || key.name === 'end';
			if (state.pane === 'detail') return scrollDetail(quiet, view, end ? view.detailLines : -view.detailLines);
			return select(quiet, view, end ? view.ids.length - 1 : 0);
		}

		case 'pane': {
			return {...quiet, pane: state.pane === 'list' ? 'detail' : 'list'};
		}

		case 'sort': {
			const sort = sortKeys[(sortKeys.indexOf(state.sort) + 1) % sortKeys.length]!;
			// The top row is then what matters most (the soonest to end, the worst): select it.
			return {...state, sort, selectedId: undefined, detailTop: 0, notice: `sorted by ${sortWords[sort]}`};
		}

		case 'filter': {
			if (!view.anyFindings && !state.onlyFindings) return {...state, notice: 'no findings to filter by'};
			return {...quiet, onlyFindings: !state.onlyFindings, selectedId: undefined, detailTop: 0};
		}

		case 'search': {
			return {...quiet, search: {editing: true, query: ''}};
		}

		case 'next-match': {
			if (!state.search?.query) return {...state, notice: 'no search yet: / to search'};
			return key.input === 'N' ? findFrom(state, view, state.search.query, index - 1, -1) : findFrom(state, view, state.search.query, index + 1, 1);
		}

		case 'help': {
			return {...quiet, help: true};
		}

		default: {
			return state;
		}
	}
}

export const sortWords: Record<SortKey, string> = {name: 'name', expiry: 'days left', severity: 'severity'};

function searchKey(state: ViewerState, key: Key, view: ViewerView): ViewerState {
	const query = state.search?.query ?? '';
	switch (commandFor('viewer-search', key)) {
		case 'edit-save': {
			return query ? findFrom(state, view, query, selectedIndex(state, view), 1) : {...state, search: undefined};
		}

		case 'edit-cancel': {
			return {...state, search: undefined, notice: undefined};
		}

		default: {
			break;
		}
	}

	if (key.name === 'backspace' || key.name === 'delete') return {...state, search: {editing: true, query: [...query].slice(0, -1).join('')}};
	// Only what can be typed: control characters never enter the query.
	if (key.name === 'char' && key.input && !/[\u0000-\u001F\u007F]/.test(key.input)) return {...state, search: {editing: true, query: query + key.input}};
	return state;
}
