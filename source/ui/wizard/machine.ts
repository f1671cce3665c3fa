// The wizard as a pure state machine: every key and every engine result is an event; the stage
// components only draw the state. Nothing here imports Ink, touches the disk or makes a key. What a stage
// shows and what its rows do is declared by the stage (stage-def.ts): nothing here names a stage or a row.
import type {Key} from '../keys/keys.js';
import {commandFor} from '../keys/bindings.js';
import type {Topology} from '../../core/topology.js';
import {encryptionProviders} from '../../core/encryption.js';
import {draftOf} from './draft.js';
import {stages} from './stages/index.js';
import type {Editing, Item, Region, StageId, WizardEvent, WizardState} from './state.js';

export type {ClusterDraft, ClusterField, Editing, Item, Overlay, Region, StageId, ToolStatus, WizardEvent, WizardState, WritePhase} from './state.js';
export {clusterFields} from './state.js';
export {draftOf, extraSanProblem, fieldOfProblem, validateDraft} from './draft.js';

const page = 5;

export function initialState(topology: Topology, options: {viewerAvailable?: boolean; outDir?: string} = {}): WizardState {
	const state: WizardState = {
		stage: 0,
		done: [],
		focus: 0,
		region: 'body',
		showCommand: false,
		draft: draftOf(topology),
		extraSans: topology.extraSANs,
		problems: [],
		topology,
		revision: 1,
		encryption: 'aescbc',
		write: {phase: 'idle'},
		scroll: {body: 0, explain: 0},
		maxScroll: {body: 0, explain: 0},
		viewerAvailable: options.viewerAvailable ?? false,
		outDir: options.outDir ?? 'pki',
	};
	return {...state, focus: defaultFocus(state)};
}

/** The state at stage `id`, every stage before it marked done (the walk an enter-only person takes). */
export function startAt(state: WizardState, id: StageId): WizardState {
	const index = stages.findIndex(stage => stage.id === id);
	if (index < 0) return state;
	return goTo({...state, done: stages.slice(0, index).map(stage => stage.id)}, index);
}

export function currentStage(state: WizardState) {
	return stages[state.stage]!;
}

export function itemsOf(state: WizardState): readonly Item[] {
	return currentStage(state).items(state);
}

/** Where the focus lands on entering a stage: the action that continues, so enter alone walks the wizard. */
function defaultFocus(state: WizardState): number {
	const items = itemsOf(state);
	const index = items.findIndex(item => item.kind === 'action');
	return Math.max(0, index);
}

/** Whether keys are still being made for the current topology. */
export function isGenerating(state: WizardState): boolean {
	return Boolean(state.topology) && !state.preview && !state.previewError;
}

/** True while something would be lost by quitting (nothing written yet). */
export function isUnsaved(state: WizardState): boolean {
	return state.write.phase !== 'written';
}

export function wizardReducer(state: WizardState, event: WizardEvent): WizardState {
	switch (event.type) {
		case 'key': {
			return onKey(state, event.key);
		}

		case 'tools': {
			return {...state, tools: event.tools};
		}

		case 'keys-progress': {
			if (event.revision !== state.revision) return state;
			return {...state, keys: {revision: event.revision, done: event.done, total: event.total}};
		}

		case 'preview-done': {
			if (event.revision !== state.revision) return state;
			const next = {...state, preview: event.preview, previewError: undefined, keys: undefined};
			return preparing(next);
		}

		case 'preview-failed': {
			if (event.revision !== state.revision) return state;
			return {...state, preview: undefined, previewError: event.error, keys: undefined};
		}

		case 'prepared': {
			if (state.write.phase !== 'preparing' || state.write.token !== event.token) return state;
			return {...state, write: {phase: 'ready', prepared: event.prepared}};
		}

		case 'prepare-failed': {
			if (state.write.phase !== 'preparing' || state.write.token !== event.token) return state;
			return {...state, write: {phase: 'failed', error: event.error}};
		}

		case 'written': {
			if (state.write.phase !== 'writing') return state;
			const next: WizardState = {...state, write: {phase: 'written', prepared: state.write.prepared, paths: event.paths}, done: addDone(state.done, 'review')};
			return {...next, focus: defaultFocus(next), scroll: {...state.scroll, body: 0}};
		}

		case 'write-failed': {
			return {...state, write: {phase: 'failed', error: event.error}};
		}

		case 'overlay-closed': {
			return {...state, overlay: undefined};
		}

		case 'layout': {
			const maxScroll = {body: Math.max(0, event.body), explain: Math.max(0, event.explain)};
			if (maxScroll.body === state.maxScroll.body && maxScroll.explain === state.maxScroll.explain) return state;
			return {
				...state,
				maxScroll,
				scroll: {body: Math.min(state.scroll.body, maxScroll.body), explain: Math.min(state.scroll.explain, maxScroll.explain)},
			};
		}
	}
}

/** On Review with a preview ready, ask the engine for the exact files (the token ties the answer to it). */
function preparing(state: WizardState): WizardState {
	if (!currentStage(state).decidesFiles || !state.preview) return state;
	if (state.write.phase === 'writing' || state.write.phase === 'written') return state;
	return {...state, write: {phase: 'preparing', token: state.revision * 10 + encryptionIndex(state.encryption)}};
}

function encryptionIndex(provider: WizardState['encryption']): number {
	return encryptionProviders.indexOf(provider);
}

function addDone(done: readonly StageId[], id: StageId): StageId[] {
	return done.includes(id) ? [...done] : [...done, id];
}

function onKey(state: WizardState, key: Key): WizardState {
	// Ctrl-C ends the wizard at once, whatever is open: nothing is on disk before Review confirms.
	if (key.name === 'ctrl-c') return {...state, exit: {code: 130}};
	if (state.exit) return state;
	if (state.overlay) return onOverlayKey(state, key);
	if (state.editing) return onEditingKey(state, key);
	const command = commandFor('stage', key);
	const withoutNotice = state.notice ? {...state, notice: undefined} : state;
	switch (command) {
		case 'help': {
			return {...withoutNotice, overlay: 'help'};
		}

		case 'quit': {
			// Nothing unsaved after a write: q leaves at once. Before, it asks.
			return isUnsaved(state) ? {...withoutNotice, overlay: 'confirm-quit'} : {...state, exit: {code: 0}};
		}

		case 'command': {
			// c cycles why → cfssl (the guide's tool) → openssl → why.
			const showCommand = state.showCommand === false ? 'cfssl' : state.showCommand === 'cfssl' ? 'openssl' : false;
			return {...withoutNotice, showCommand, scroll: {...state.scroll, explain: 0}};
		}

		case 'pane': {
			return {...withoutNotice, region: state.region === 'body' ? 'explain' : 'body'};
		}

		case 'back': {
			if (state.region === 'explain') return {...withoutNotice, region: 'body'};
			if (state.write.phase === 'writing') return state;
			return state.stage > 0 ? goTo(withoutNotice, state.stage - 1) : withoutNotice;
		}

		case 'scroll': {
			// The pane with the focus, unless it has nothing to scroll and the other one has.
			const other: Region = state.region === 'body' ? 'explain' : 'body';
			const region = state.maxScroll[state.region] === 0 && state.maxScroll[other] > 0 ? other : state.region;
			const delta = key.name === 'page-up' ? -page : page;
			return scrollBy(withoutNotice, region, delta);
		}

		case 'move': {
			const up = key.name === 'up';
			if (state.region === 'explain') return scrollBy(withoutNotice, 'explain', up ? -1 : 1);
			return move(withoutNotice, up ? -1 : 1);
		}

		case 'cycle': {
			const item = itemsOf(state)[state.focus];
			if (item?.kind === 'choice') return item.cycle(withoutNotice, key.name === 'left' ? -1 : 1);
			return state;
		}

		case 'remove': {
			const item = itemsOf(state)[state.focus];
			if (item?.kind === 'removable') return item.remove(withoutNotice);
			return state;
		}

		case 'view': {
			if (state.write.phase === 'written' && state.viewerAvailable) return {...withoutNotice, overlay: 'viewer'};
			return state;
		}

		case 'confirm': {
			return activate(withoutNotice);
		}

		default: {
			return state;
		}
	}
}

function onOverlayKey(state: WizardState, key: Key): WizardState {
	switch (state.overlay) {
		case 'confirm-quit': {
			const command = commandFor('confirm', key);
			if (command === 'yes') return {...state, overlay: undefined, exit: {code: 0}};
			if (command === 'no' || key.input === 'q') return {...state, overlay: undefined};
			return state;
		}

		case 'confirm-write': {
			const command = commandFor('confirm', key);
			if (command === 'yes' && state.write.phase === 'ready') {
				return {...state, overlay: undefined, write: {phase: 'writing', prepared: state.write.prepared}};
			}

			if (command === 'no' || command === 'yes') return {...state, overlay: undefined};
			return state;
		}

		case 'viewer': {
			// The viewer owns every key while it is open (its esc may mean "up a level"); it says when it
			// closes through onExit, which sends overlay-closed.
			return state;
		}

		default: {
			return commandFor('overlay', key) === 'back' ? {...state, overlay: undefined} : state;
		}
	}
}

function onEditingKey(state: WizardState, key: Key): WizardState {
	const editing = state.editing!;
	switch (commandFor('editing', key)) {
		case 'edit-cancel': {
			return {...state, editing: undefined, editProblem: undefined};
		}

		case 'edit-next': {
			return commitEdit(state, editing, key.name === 'shift-tab' ? -1 : 1);
		}

		case 'edit-save': {
			return commitEdit(state, editing, 0);
		}

		default: {
			const edited = editText(editing, key);
			return edited === editing ? state : {...state, editing: edited};
		}
	}
}

/**
 * A key typed into a field: text goes in at the cursor, backspace takes the character before it, the
 * arrows, home and end move it. Other keys (↑↓, page keys) do nothing in a one-line field.
 */
export function editText(editing: Editing, key: Key): Editing {
	const {value, cursor} = editing;
	switch (key.name) {
		case 'char': {
			// Control characters never reach the value (a stray byte of an unknown sequence, say).
			const text = key.input.replaceAll(/[\u0000-\u001F\u007F]/g, '');
			if (text === '') return editing;
			return {...editing, value: value.slice(0, cursor) + text + value.slice(cursor), cursor: cursor + text.length};
		}

		// Most terminals send DEL for the backspace key, which Ink names delete: both erase to the left.
		case 'backspace':
		case 'delete': {
			if (cursor === 0) return editing;
			return {...editing, value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1};
		}

		case 'left': {
			return cursor === 0 ? editing : {...editing, cursor: cursor - 1};
		}

		case 'right': {
			return cursor === value.length ? editing : {...editing, cursor: cursor + 1};
		}

		case 'home': {
			return cursor === 0 ? editing : {...editing, cursor: 0};
		}

		case 'end': {
			return cursor === value.length ? editing : {...editing, cursor: value.length};
		}

		default: {
			return editing;
		}
	}
}

function goTo(state: WizardState, index: number): WizardState {
	const next: WizardState = {...state, stage: index, region: 'body', showCommand: false, editing: undefined, scroll: {body: 0, explain: 0}, editProblem: undefined};
	return preparing({...next, focus: defaultFocus(next)});
}

function scrollBy(state: WizardState, region: Region, delta: number): WizardState {
	const value = Math.max(0, Math.min(state.maxScroll[region], state.scroll[region] + delta));
	return value === state.scroll[region] ? state : {...state, scroll: {...state.scroll, [region]: value}};
}

/** Arrows move between rows; past the last row they scroll the cards below, and back up before moving. */
function move(state: WizardState, delta: number): WizardState {
	const items = itemsOf(state);
	if (delta < 0 && state.scroll.body > 0) return scrollBy(state, 'body', -1);
	const target = state.focus + delta;
	if (target < 0) return state;
	if (target >= items.length) return scrollBy(state, 'body', 1);
	return {...state, focus: target};
}

function activate(state: WizardState): WizardState {
	const item = itemsOf(state)[state.focus];
	if (!item) return next(state);
	switch (item.kind) {
		case 'field': {
			return startEditing(state, item);
		}

		case 'choice': {
			return item.cycle(state, 1);
		}

		case 'option': {
			const chosen = item.choose(state);
			return {...chosen, focus: defaultFocus(chosen)};
		}

		case 'removable': {
			return {...state, notice: `d removes ${item.label}; to change it, remove it and add the new one`};
		}

		case 'action': {
			switch (item.id) {
				case 'next': {
					return next(state);
				}

				case 'write': {
					if (state.write.phase === 'ready') return {...state, overlay: 'confirm-write'};
					// Waiting would never end: the certificates cannot be made until the problem is fixed.
					if (state.previewError) return {...state, notice: `cannot write: ${state.previewError}`};
					if (!state.topology) return {...state, notice: 'cannot write: the cluster has problems (esc back to the Cluster stage)'};
					if (state.write.phase === 'failed') return {...state, notice: 'writing failed; see the message above (esc to go back and change something)'};
					return {...state, notice: 'still making the certificates; the write opens as soon as they are ready'};
				}

				case 'view': {
					return state.viewerAvailable ? {...state, overlay: 'viewer'} : state;
				}

				case 'quit': {
					return {...state, exit: {code: 0}};
				}
			}
		}
	}

	return state;
}

function next(state: WizardState): WizardState {
	const stage = currentStage(state);
	// A stage with a blocking error is neither continued nor marked done.
	const blocked = stage.blocked?.(state);
	if (blocked) return {...state, notice: blocked};

	if (state.stage >= stages.length - 1) return state;
	return goTo({...state, done: addDone(state.done, stage.id)}, state.stage + 1);
}

/** The row an id names in the current stage, if it is a field. */
function fieldOf(state: WizardState, id: string): Extract<Item, {kind: 'field'}> | undefined {
	const item = itemsOf(state).find(i => i.id === id);
	return item?.kind === 'field' ? item : undefined;
}

function startEditing(state: WizardState, item: Extract<Item, {kind: 'field'}>): WizardState {
	return {...state, editing: {id: item.id, value: item.value, cursor: item.value.length}, editProblem: undefined};
}

/**
 * Save a field through its own `save`, and move the focus by `delta` rows (0: stay on it). Tab (delta ±1)
 * opens the next field in that direction, so what is typed next goes into it, never onto another row.
 */
function commitEdit(state: WizardState, editing: Editing, delta: -1 | 0 | 1): WizardState {
	const item = fieldOf(state, editing.id);
	if (!item) return {...state, editing: undefined, editProblem: undefined};
	const result = item.save(state, editing.value);
	// Refused: the field stays open with what was typed and says why.
	if ('problem' in result) return {...state, editing, editProblem: result.problem};
	const saved: WizardState = {...result.state, editing: undefined, editProblem: undefined};
	const items = itemsOf(saved);
	// Rows can come and go with the save (an added SAN): find the field again by its id.
	const at = items.findIndex(i => i.id === item.id);
	const here = at >= 0 ? at : Math.min(state.focus, items.length - 1);
	if (delta === 0) return {...saved, focus: here};
	for (let i = here + delta; i >= 0 && i < items.length; i += delta) {
		const next = items[i]!;
		if (next.kind === 'field') return startEditing({...saved, focus: i}, next);
	}

	return {...saved, focus: Math.max(0, Math.min(items.length - 1, here + delta))};
}

/**
 * The problems of the value being typed, checked as it is typed by the field's own check (the cluster file's
 * messages for a cluster field, the SAN editor's for a new SAN). Empty when nothing is being edited.
 */
export function editProblems(state: WizardState): readonly string[] {
	const editing = state.editing;
	if (!editing) return [];
	const item = fieldOf(state, editing.id);
	if (item?.check) return item.check(state, editing.value);
	return state.editProblem ? [state.editProblem] : [];
}
