// The wizard as a pure state machine: every key and every engine result is an event; the stage
// components only draw the state. Nothing here imports Ink, touches the disk or makes a key. What a stage
// shows and what its rows do is declared by the stage (stage-def.ts): nothing here names a stage or a row.
import path from 'node:path';
import type {Key} from '../keys/keys.js';
import {commandFor, type Command} from '../keys/bindings.js';
import {clusterFileYaml} from '../../core/cluster-yaml.js';
import {byHandFile, byHandScript} from '../../core/save-file.js';
import type {Topology} from '../../core/topology.js';
import {encryptionProviders} from '../../core/encryption.js';
import {draftOf} from './draft.js';
import {stages} from './stages/index.js';
import type {Editing, Item, Region, StageId, WizardEvent, WizardState} from './state.js';

export type {ClusterDraft, ClusterField, Editing, Item, Overlay, Region, StageId, ToolStatus, WizardEvent, WizardState, WritePhase} from './state.js';
export {clusterFields} from './state.js';
export {draftOf, extraSanProblem, fieldOfProblem, validateDraft} from './draft.js';

/** Columns one ← or → scrolls the commands sideways. */
const sidewaysStep = 16;

/** The cluster file `e` writes in the output folder, as `generate --config` reads it. */
export const clusterFileName = 'cluster.yaml';

export function initialState(topology: Topology, options: {viewerAvailable?: boolean; outDir?: string; outPath?: string} = {}): WizardState {
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
		pageRows: {body: 5, explain: 5},
		sideways: 0,
		maxSideways: 0,
		saveToken: 0,
		viewerAvailable: options.viewerAvailable ?? false,
		outDir: options.outDir ?? 'pki',
		...(options.outPath && {outPath: options.outPath}),
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
			const maxSideways = Math.max(0, event.sideways ?? state.maxSideways);
			const pageRows = event.page ?? state.pageRows;
			if (
				maxScroll.body === state.maxScroll.body &&
				maxScroll.explain === state.maxScroll.explain &&
				maxSideways === state.maxSideways &&
				pageRows.body === state.pageRows.body &&
				pageRows.explain === state.pageRows.explain
			) {
				return state;
			}

			return {
				...state,
				maxScroll,
				maxSideways,
				pageRows,
				sideways: Math.min(state.sideways, maxSideways),
				scroll: {body: Math.min(state.scroll.body, maxScroll.body), explain: Math.min(state.scroll.explain, maxScroll.explain)},
			};
		}

		case 'saved': {
			if (state.saving?.token !== event.token) return state;
			// Named as the person named the folder (Review shows its absolute path): short enough for the status line.
			return {...state, saving: undefined, notice: `saved ${state.saving.what} to ${path.join(state.outDir, state.saving.relative)}`};
		}

		case 'save-failed': {
			if (state.saving?.token !== event.token) return state;
			return {...state, saving: undefined, notice: `could not save ${state.saving.what}: ${event.error}`};
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

/** Whether a stage command does something where the person is: the reducer and the help line both ask. */
export function commandApplies(state: WizardState, command: Command): boolean {
	const item = itemsOf(state)[state.focus];
	switch (command) {
		case 'cycle': {
			return item?.kind === 'choice' && !sidewaysApplies(state);
		}

		case 'sideways': {
			return sidewaysApplies(state);
		}

		case 'remove': {
			return item?.kind === 'removable' && state.region === 'body';
		}

		case 'back': {
			return state.stage > 0 || state.region === 'explain';
		}

		case 'view': {
			return state.write.phase === 'written' && state.viewerAvailable;
		}

		case 'scroll': {
			return state.maxScroll.body > 0 || state.maxScroll.explain > 0;
		}

		case 'confirm': {
			return state.region === 'body';
		}

		case 'save-commands': {
			return state.showCommand !== false;
		}

		case 'save-cluster': {
			return currentStage(state).id === 'cluster' || currentStage(state).decidesFiles === true;
		}

		default: {
			return true;
		}
	}
}

function sidewaysApplies(state: WizardState): boolean {
	return state.region === 'explain' && state.showCommand !== false && state.maxSideways > 0;
}

/** How far a page key scrolls: a pane's height less one row of overlap; ctrl-d/ctrl-u half of that. */
function pageOf(state: WizardState, region: Region, key: Key): number {
	const rows = Math.max(1, state.pageRows[region] - 1);
	const size = key.name === 'ctrl-d' || key.name === 'ctrl-u' ? Math.max(1, Math.floor(rows / 2)) : rows;
	return key.name === 'page-up' || key.name === 'ctrl-u' ? -size : size;
}

function onKey(state: WizardState, key: Key): WizardState {
	// Ctrl-C ends the wizard at once, whatever is open: nothing is on disk before Review confirms.
	if (key.name === 'ctrl-c') return {...state, exit: {code: 130}};
	if (state.exit) return state;
	if (state.overlay) return onOverlayKey(state, key);
	if (state.editing) return onEditingKey(state, key);
	const command = commandFor('stage', key, c => commandApplies(state, c));
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
			return {...withoutNotice, showCommand, scroll: {...state.scroll, explain: 0}, sideways: 0};
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
			return scrollBy(withoutNotice, region, pageOf(state, region, key));
		}

		case 'move': {
			const up = key.name === 'up';
			// In the explanation the rows are its lines; in the stage, ↑↓ only ever move between rows.
			if (state.region === 'explain') return scrollBy(withoutNotice, 'explain', up ? -1 : 1);
			return move(withoutNotice, up ? -1 : 1);
		}

		case 'first-last': {
			const first = key.name === 'home';
			if (state.region === 'explain') return scrollBy(withoutNotice, 'explain', first ? -state.scroll.explain : state.maxScroll.explain);
			return {...withoutNotice, focus: first ? 0 : Math.max(0, itemsOf(state).length - 1)};
		}

		case 'sideways': {
			const step = key.name === 'left' ? -sidewaysStep : sidewaysStep;
			const sideways = Math.max(0, Math.min(state.maxSideways, state.sideways + step));
			return {...withoutNotice, sideways};
		}

		case 'cycle': {
			const item = itemsOf(state)[state.focus];
			return item?.kind === 'choice' ? item.cycle(withoutNotice, key.name === 'left' ? -1 : 1) : state;
		}

		case 'remove': {
			const item = itemsOf(state)[state.focus];
			return item?.kind === 'removable' ? item.remove(withoutNotice) : state;
		}

		case 'view': {
			return {...withoutNotice, overlay: 'viewer'};
		}

		case 'save-commands': {
			const stage = currentStage(state);
			const flavor = state.showCommand || 'cfssl';
			return save(withoutNotice, byHandFile(stage.id, flavor), byHandScript(`${stage.title} with ${flavor}`, stage.commands(state)), 0o755, 'the commands');
		}

		case 'save-cluster': {
			return saveCluster(withoutNotice);
		}

		case 'confirm': {
			return activate(withoutNotice);
		}

		default: {
			// Text typed where there is no field to take it goes nowhere, and says so.
			if (key.name === 'char' && key.input.trim() !== '') return {...state, notice: typedOutside(state)};
			return state;
		}
	}
}

/** The hint for text typed outside a field. */
function typedOutside(state: WizardState): string {
	const item = itemsOf(state)[state.focus];
	if (state.region === 'body' && item?.kind === 'field') return `to type here, press enter to edit ${item.label} first (? lists the keys)`;
	const field = itemsOf(state).find(i => i.kind === 'field');
	if (field) return `typed text goes nowhere here: move to a field (${field.label}) and press enter to edit it`;
	return 'typed text goes nowhere on this stage (? lists the keys)';
}

function saveCluster(state: WizardState): WizardState {
	if (!state.topology) return {...state, notice: 'cannot save the cluster: fix the fields marked ✗ first'};
	return save(state, clusterFileName, clusterFileYaml(state.topology), 0o644, 'the cluster');
}

function save(state: WizardState, relative: string, content: string, mode: number, what: string): WizardState {
	const token = state.saveToken + 1;
	return {...state, saveToken: token, saving: {token, relative, content, mode, what}, notice: `saving ${what}…`};
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

/** Where the word before the cursor starts (readline: skip spaces and separators, then the word). */
function wordStart(value: string, cursor: number): number {
	let i = cursor;
	while (i > 0 && !isWordChar(value[i - 1]!)) i--;
	while (i > 0 && isWordChar(value[i - 1]!)) i--;
	return i;
}

/** Where the word after the cursor ends. */
function wordEnd(value: string, cursor: number): number {
	let i = cursor;
	while (i < value.length && !isWordChar(value[i]!)) i++;
	while (i < value.length && isWordChar(value[i]!)) i++;
	return i;
}

// Words as readline's alt-b/alt-f see them: letters and digits; "." ":" "," "/" and spaces separate them,
// so alt-b steps from an IP's last number to the one before.
function isWordChar(c: string): boolean {
	return /[\p{L}\p{N}]/u.test(c);
}

/**
 * A key typed into a field: text goes in at the cursor, backspace takes the character before it, the
 * arrows, home and end move it, and the readline keys do what they do in a shell: ctrl-a/ctrl-e start and
 * end, ctrl-u/ctrl-k erase to the start or the end, ctrl-w back to the previous space, alt-b/alt-f a word back or on.
 * Other keys (↑↓, page keys) do nothing in a one-line field.
 */
export function editText(editing: Editing, key: Key): Editing {
	const {value, cursor} = editing;
	const at = (next: number) => (next === cursor ? editing : {...editing, cursor: next});
	const cut = (from: number, to: number) => (from === to ? editing : {...editing, value: value.slice(0, from) + value.slice(to), cursor: from});
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
			return cursor === 0 ? editing : cut(cursor - 1, cursor);
		}

		case 'left': {
			return at(Math.max(0, cursor - 1));
		}

		case 'right': {
			return at(Math.min(value.length, cursor + 1));
		}

		case 'home':
		case 'ctrl-a': {
			return at(0);
		}

		case 'end':
		case 'ctrl-e': {
			return at(value.length);
		}

		case 'ctrl-u': {
			return cut(0, cursor);
		}

		case 'ctrl-k': {
			return cut(cursor, value.length);
		}

		case 'ctrl-w': {
			// As in a shell: back to the previous space (a whole "node2:10.0.0.2"), not to the previous dot.
			let from = cursor;
			while (from > 0 && value[from - 1] === ' ') from--;
			while (from > 0 && value[from - 1] !== ' ') from--;
			return cut(from, cursor);
		}

		case 'alt-b': {
			return at(wordStart(value, cursor));
		}

		case 'alt-f': {
			return at(wordEnd(value, cursor));
		}

		default: {
			return editing;
		}
	}
}

function goTo(state: WizardState, index: number): WizardState {
	const next: WizardState = {...state, stage: index, region: 'body', showCommand: false, editing: undefined, scroll: {body: 0, explain: 0}, sideways: 0, editProblem: undefined};
	return preparing({...next, focus: defaultFocus(next)});
}

function scrollBy(state: WizardState, region: Region, delta: number): WizardState {
	const value = Math.max(0, Math.min(state.maxScroll[region], state.scroll[region] + delta));
	return value === state.scroll[region] ? state : {...state, scroll: {...state.scroll, [region]: value}};
}

/** Arrows move between rows, and only that: the cards below scroll with pgup/pgdn. */
function move(state: WizardState, delta: number): WizardState {
	const target = state.focus + delta;
	if (target < 0 || target >= itemsOf(state).length) return state;
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

				case 'save-cluster': {
					return saveCluster(state);
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
