// The wizard as a pure state machine: every key and every engine result is an event; the stage
// components only draw the state. Nothing here imports Ink, touches the disk or makes a key.
import type {ByHandFlavor} from '../../core/by-hand.js';
import {defaultEncryptionProvider, type EncryptionProvider} from '../../core/encryption.js';
import type {Prepared, Preview} from '../../core/preview.js';
import type {ToolStatus} from '../../core/tools.js';
import {adminServers, algorithms, formatProblem, sanProblem, validateTopology, type AdminServer, type Algorithm, type Problem, type Topology} from '../../core/topology.js';
import {apiServerSans} from '../../core/plan.js';
import {commandFor} from '../keys/bindings.js';
import type {Key} from '../keys/keys.js';
import {stages, type StageId} from './stages/index.js';

export type {StageId} from './stages/index.js';

/**
 * The cluster stage's text fields, as the person types them: hosts as `name:ip, name:ip`, lifetimes as the
 * cluster file writes them (`87600h`, `365d`).
 */
export const clusterFields = ['cluster', 'serviceCIDR', 'clusterDomain', 'loadBalancer', 'masters', 'workers', 'caValidity', 'leafValidity'] as const;
export type ClusterField = (typeof clusterFields)[number];
export type ClusterDraft = Record<ClusterField, string> & {readonly algorithm: Algorithm; readonly adminServer: AdminServer};

export type {ToolStatus} from '../../core/tools.js';

/** A focusable row of a stage body. */
export type Item =
	| {readonly kind: 'field'; readonly id: string; readonly label: string; readonly value: string; readonly problems: readonly string[]; readonly hint?: string}
	| {readonly kind: 'choice'; readonly id: string; readonly label: string; readonly value: string; readonly options: readonly string[]; readonly hint?: string}
	| {readonly kind: 'option'; readonly id: string; readonly label: string; readonly selected: boolean; readonly note: string}
	| {readonly kind: 'removable'; readonly id: string; readonly label: string}
	| {readonly kind: 'action'; readonly id: 'next' | 'write' | 'view' | 'quit'; readonly label: string};

export type Editing = {readonly id: string; readonly value: string; readonly cursor: number};

export type Region = 'body' | 'explain';
export type Overlay = 'help' | 'confirm-quit' | 'confirm-write' | 'viewer';

/** Review & write: files decided, being written, written, or failed. */
export type WritePhase =
	| {readonly phase: 'idle'}
	| {readonly phase: 'preparing'; readonly token: number}
	| {readonly phase: 'ready'; readonly prepared: Prepared}
	| {readonly phase: 'writing'; readonly prepared: Prepared}
	| {readonly phase: 'written'; readonly prepared: Prepared; readonly paths: readonly string[]}
	| {readonly phase: 'failed'; readonly error: string};

export type WizardState = {
	readonly stage: number;
	readonly done: readonly StageId[];
	readonly focus: number;
	readonly region: Region;
	readonly overlay?: Overlay;
	/** The explanation pane shows the commands by hand, in this flavour, instead of the why. */
	readonly showCommand: false | ByHandFlavor;
	/**
	 * The field being edited: the value typed so far and the cursor (an index into it). The reducer owns the
	 * text, so keys typed before the field is on screen (enter and text in one burst) land in it all the same.
	 */
	readonly editing?: Editing;
	readonly draft: ClusterDraft;
	readonly extraSans: readonly string[];
	readonly problems: readonly Problem[];
	readonly sanProblem?: string;
	/** The last valid topology; undefined while the draft has problems. */
	readonly topology?: Topology;
	/** Bumped at every topology change: results of older key jobs are ignored. */
	readonly revision: number;
	readonly keys?: {readonly revision: number; readonly done: number; readonly total: number};
	readonly preview?: Preview;
	readonly previewError?: string;
	readonly tools?: readonly ToolStatus[];
	readonly encryption: EncryptionProvider;
	readonly write: WritePhase;
	readonly scroll: {readonly body: number; readonly explain: number};
	readonly maxScroll: {readonly body: number; readonly explain: number};
	readonly notice?: string;
	/** Set when the wizard should end, with the exit code (130 for Ctrl-C). */
	readonly exit?: {readonly code: number};
	/** Whether the viewer can open from Review (it is a separate piece; absent in some builds). */
	readonly viewerAvailable: boolean;
	/** The output folder as the person typed it (for display only; the engine holds the real path). */
	readonly outDir: string;
};

export type WizardEvent =
	| {readonly type: 'key'; readonly key: Key}
	| {readonly type: 'tools'; readonly tools: readonly ToolStatus[]}
	| {readonly type: 'keys-progress'; readonly revision: number; readonly done: number; readonly total: number}
	| {readonly type: 'preview-done'; readonly revision: number; readonly preview: Preview}
	| {readonly type: 'preview-failed'; readonly revision: number; readonly error: string}
	| {readonly type: 'prepared'; readonly token: number; readonly prepared: Prepared}
	| {readonly type: 'prepare-failed'; readonly token: number; readonly error: string}
	| {readonly type: 'written'; readonly paths: readonly string[]}
	| {readonly type: 'write-failed'; readonly error: string}
	| {readonly type: 'layout'; readonly body: number; readonly explain: number}
	/** The viewer closed itself (it owns its keys, esc and q included). */
	| {readonly type: 'overlay-closed'};

const page = 5;

/** The draft a topology is edited as. */
export function draftOf(topology: Topology): ClusterDraft {
	// `name:ip`, or `name:ip1|ip2` for a host with several addresses (the first is the one connections use).
	const hosts = (list: Topology['masters']) => list.map(h => `${h.name}:${h.ips.join('|')}`).join(', ');
	return {
		cluster: topology.cluster,
		serviceCIDR: topology.serviceCIDR,
		clusterDomain: topology.clusterDomain,
		loadBalancer: `${topology.loadBalancer.name}:${topology.loadBalancer.ips.join('|')}`,
		masters: hosts(topology.masters),
		workers: hosts(topology.workers),
		caValidity: `${topology.validity.ca}h`,
		leafValidity: `${topology.validity.leaf}h`,
		algorithm: topology.algorithm,
		adminServer: topology.adminServer,
	};
}

/**
 * A lifetime as typed, as the cluster file's YAML would read it: digits alone are a number (hours), anything
 * else stays text for validateTopology to accept (`8760h`, `365d`) or refuse with its own message.
 */
function durationValue(text: string): string | number {
	const trimmed = text.trim();
	return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The cluster-file form of the draft, checked by the same validateTopology as `--config`. */
export function validateDraft(draft: ClusterDraft, extraSans: readonly string[]) {
	const list = (text: string) =>
		text
			.split(/[,\s]+/)
			.map(s => s.trim())
			.filter(Boolean);
	return validateTopology({
		cluster: draft.cluster,
		serviceCIDR: draft.serviceCIDR,
		clusterDomain: draft.clusterDomain,
		loadBalancer: draft.loadBalancer.trim(),
		masters: list(draft.masters),
		workers: list(draft.workers),
		algorithm: draft.algorithm,
		adminServer: draft.adminServer,
		validity: {ca: durationValue(draft.caValidity), leaf: durationValue(draft.leafValidity)},
		extraSANs: [...extraSans],
	});
}

const validityFields: Record<string, ClusterField> = {'validity.ca': 'caValidity', 'validity.leaf': 'leafValidity'};

/** Which draft field a problem belongs to (`masters[1].ip` → masters, `validity.leaf` → leafValidity). */
export function fieldOfProblem(problem: Problem): string {
	return validityFields[problem.field] ?? /^[A-Za-z]+/.exec(problem.field)?.[0] ?? problem.field;
}

export function initialState(topology: Topology, options: {viewerAvailable?: boolean; outDir?: string; encryption?: EncryptionProvider} = {}): WizardState {
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
		// The folder's own provider when it has one (its key is kept), else the default.
		encryption: options.encryption ?? defaultEncryptionProvider,
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
	if (currentStage(state).id !== 'review' || !state.preview) return state;
	if (state.write.phase === 'writing' || state.write.phase === 'written') return state;
	return {...state, write: {phase: 'preparing', token: state.revision * 10 + encryptionIndex(state.encryption)}};
}

function encryptionIndex(provider: EncryptionProvider): number {
	return ['aescbc', 'secretbox', 'aesgcm'].indexOf(provider);
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
			if (item?.kind === 'choice') return cycleChoice(withoutNotice, item, key.name === 'left' ? -1 : 1);
			return state;
		}

		case 'remove': {
			const item = itemsOf(state)[state.focus];
			if (item?.kind === 'removable') return removeSan(withoutNotice, item.id.slice('san:'.length));
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
			return {...state, editing: undefined, sanProblem: undefined};
		}

		case 'edit-next': {
			return commitEdit(state, editing.id, editing.value, key.name === 'shift-tab' ? -1 : 1);
		}

		case 'edit-save': {
			return commitEdit(state, editing.id, editing.value, 0);
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
	const next: WizardState = {...state, stage: index, region: 'body', showCommand: false, editing: undefined, scroll: {body: 0, explain: 0}, sanProblem: undefined};
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
			return {...state, editing: {id: item.id, value: item.value, cursor: item.value.length}, sanProblem: undefined};
		}

		case 'choice': {
			return cycleChoice(state, item, 1);
		}

		case 'option': {
			const provider = item.id.slice('encryption:'.length) as EncryptionProvider;
			const chosen: WizardState = {...state, encryption: provider, write: {phase: 'idle'}};
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
	if (stage.id === 'cluster' && state.problems.length > 0) {
		return {...state, notice: `fix the ${state.problems.length === 1 ? 'field' : 'fields'} marked ✗ first`};
	}

	if (state.stage >= stages.length - 1) return state;
	return goTo({...state, done: addDone(state.done, stage.id)}, state.stage + 1);
}

function cycleChoice(state: WizardState, item: Extract<Item, {kind: 'choice'}>, delta: number): WizardState {
	if (item.id === 'kubeconfigs.adminServer') {
		const index = adminServers.indexOf(state.draft.adminServer);
		const adminServer = adminServers[(index + delta + adminServers.length) % adminServers.length]!;
		return revalidate({...state, draft: {...state.draft, adminServer}});
	}

	if (item.id !== 'cluster.algorithm') return state;
	const index = algorithms.indexOf(state.draft.algorithm);
	const algorithm = algorithms[(index + delta + algorithms.length) % algorithms.length]!;
	return revalidate({...state, draft: {...state.draft, algorithm}});
}

/** Save a field's value, check the whole cluster again, and move the focus by `delta` rows (0: stay). */
function commitEdit(state: WizardState, id: string, value: string, delta: number): WizardState {
	const items = itemsOf(state);
	const focus = Math.max(0, Math.min(items.length - 1, state.focus + delta));
	if (id === 'san.add') {
		const san = value.trim();
		if (san === '') return {...state, editing: undefined, sanProblem: undefined, focus};
		const problem = extraSanProblem(state, san);
		if (problem) return {...state, editing: {id, value, cursor: value.length}, sanProblem: problem};
		const added = revalidate({...state, editing: undefined, sanProblem: undefined, extraSans: [...state.extraSans, san.toLowerCase()]});
		return {...added, focus: Math.min(itemsOf(added).length - 1, focus + (delta === 0 ? 1 : 0))};
	}

	const field = id.slice('cluster.'.length) as ClusterField;
	if (!clusterFields.includes(field)) return {...state, editing: undefined};
	return {...revalidate({...state, draft: {...state.draft, [field]: value}}), editing: undefined, focus};
}

/**
 * The problems of the value being typed, checked as it is typed: the cluster file's messages for a cluster
 * field, the SAN editor's for a new SAN. Empty when nothing is being edited or the value is fine.
 */
export function editProblems(state: WizardState): string[] {
	const editing = state.editing;
	if (!editing) return [];
	if (editing.id === 'san.add') {
		const value = editing.value.trim();
		const problem = value === '' ? undefined : extraSanProblem(state, value);
		return problem ? [problem] : [];
	}

	const field = editing.id.slice('cluster.'.length) as ClusterField;
	if (!clusterFields.includes(field)) return [];
	const result = validateDraft({...state.draft, [field]: editing.value}, state.extraSans);
	// A shorter CA can leave the leaf longer than it: that problem is this edit's doing, so it shows here too.
	const shown = field === 'caValidity' ? ['caValidity', 'leafValidity'] : [field];
	return result.ok ? [] : result.problems.filter(p => shown.includes(fieldOfProblem(p))).map(formatProblem);
}

/** The SAN editor's check: the cluster file's rule, plus "already there" against the computed list. */
export function extraSanProblem(state: WizardState, value: string): string | undefined {
	const index = state.extraSans.length;
	const problem = sanProblem(value);
	if (problem) return formatProblem({field: `extraSANs[${index}]`, value, message: problem});
	const lower = value.toLowerCase();
	if (state.extraSans.includes(lower)) return formatProblem({field: `extraSANs[${index}]`, value, message: 'is already in the list'});
	const computed = state.topology ? apiServerSans({...state.topology, extraSANs: []}).find(s => s.value === lower) : undefined;
	if (computed) return formatProblem({field: `extraSANs[${index}]`, value, message: `is already in the list: ${computed.why}`});
	return undefined;
}

function removeSan(state: WizardState, value: string): WizardState {
	const removed = revalidate({...state, extraSans: state.extraSans.filter(s => s !== value)});
	return {...removed, focus: Math.min(state.focus, itemsOf(removed).length - 1)};
}

/** Validate the draft; a changed valid topology bumps the revision and drops the old preview. */
function revalidate(state: WizardState): WizardState {
	const result = validateDraft(state.draft, state.extraSans);
	if (!result.ok) {
		// A new revision also for an invalid draft: a key job still running for the old cluster is then ignored.
		const revision = state.topology ? state.revision + 1 : state.revision;
		return {...state, problems: result.problems, topology: undefined, revision, preview: undefined, previewError: undefined, keys: undefined, write: {phase: 'idle'}};
	}

	if (state.topology && JSON.stringify(state.topology) === JSON.stringify(result.topology)) return {...state, problems: []};
	return {
		...state,
		problems: [],
		topology: result.topology,
		revision: state.revision + 1,
		preview: undefined,
		previewError: undefined,
		keys: undefined,
		write: {phase: 'idle'},
	};
}
