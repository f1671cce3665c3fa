// The wizard's state, events and row types, in a module of their own: the reducer (machine.ts) and the
// stages (stages/*) both import these, and neither imports the other's values, so there is no cycle.
import type {ContentKey} from '../../content/stages.js';
import type {ByHandFlavor} from '../../core/by-hand.js';
import type {EncryptionProvider} from '../../core/encryption.js';
import type {Prepared, Preview} from '../../core/preview.js';
import type {ToolStatus} from '../../core/tools.js';
import type {Algorithm, Problem, Topology} from '../../core/topology.js';
import type {Key} from '../keys/keys.js';

export type {ToolStatus} from '../../core/tools.js';

/** A stage's id: the key of its explanation text. */
export type StageId = ContentKey;

/**
 * The cluster stage's text fields, as the person types them: hosts as `name:ip, name:ip`, lifetimes as the
 * cluster file writes them (`87600h`, `365d`).
 */
export const clusterFields = ['cluster', 'serviceCIDR', 'clusterDomain', 'loadBalancer', 'masters', 'workers', 'caValidity', 'leafValidity'] as const;
export type ClusterField = (typeof clusterFields)[number];
export type ClusterDraft = Record<ClusterField, string> & {readonly algorithm: Algorithm};

/** What saving a field gives: the new state, or a problem that keeps the field open with what was typed. */
export type SaveResult = {readonly state: WizardState} | {readonly problem: string};

/**
 * A focusable row of a stage body. Each row carries what it does (save, cycle, choose, remove) as data of
 * its own stage, so the reducer runs any stage's rows without knowing its ids.
 */
export type Item =
	| {
			readonly kind: 'field';
			readonly id: string;
			readonly label: string;
			readonly value: string;
			readonly problems: readonly string[];
			readonly hint?: string;
			/** Save what was typed. */
			readonly save: (state: WizardState, value: string) => SaveResult;
			/** The problems of the value as it is being typed (shown live under the field). */
			readonly check?: (state: WizardState, value: string) => readonly string[];
	  }
	| {
			readonly kind: 'choice';
			readonly id: string;
			readonly label: string;
			readonly value: string;
			readonly options: readonly string[];
			readonly hint?: string;
			readonly cycle: (state: WizardState, delta: 1 | -1) => WizardState;
	  }
	| {
			readonly kind: 'option';
			readonly id: string;
			readonly label: string;
			readonly selected: boolean;
			readonly note: string;
			readonly choose: (state: WizardState) => WizardState;
	  }
	| {readonly kind: 'removable'; readonly id: string; readonly label: string; readonly remove: (state: WizardState) => WizardState}
	| {readonly kind: 'action'; readonly id: 'next' | 'write' | 'view' | 'quit' | 'save-cluster'; readonly label: string};

/** One file to save inside the output folder, and what to call it in the message that says where it went. */
export type SaveRequest = {readonly token: number; readonly relative: string; readonly content: string; readonly mode: number; readonly what: string};

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
	/** The problem that kept the field being edited open (a SAN that is already in the list, say). */
	readonly editProblem?: string;
	readonly draft: ClusterDraft;
	readonly extraSans: readonly string[];
	readonly problems: readonly Problem[];
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
	/** Rows a page key scrolls in each pane (its height, told by the frame). */
	readonly pageRows: {readonly body: number; readonly explain: number};
	/** Columns the explanation pane is scrolled sideways: a command word wider than the pane is never cut. */
	readonly sideways: number;
	readonly maxSideways: number;
	/** A file being saved because the person asked (w: this stage's commands; e: the cluster as edited). */
	readonly saving?: SaveRequest;
	/** Counts save requests, so an answer belongs to the request it was made for. */
	readonly saveToken: number;
	readonly notice?: string;
	/** Set when the wizard should end, with the exit code (130 for Ctrl-C). */
	readonly exit?: {readonly code: number};
	/** Whether the viewer can open from Review (it is a separate piece; absent in some builds). */
	readonly viewerAvailable: boolean;
	/** The output folder as the person typed it (for display only; the engine holds the real path). */
	readonly outDir: string;
	/** The same folder as an absolute path, shown on Review so nobody wonders where `pki` is. */
	readonly outPath?: string;
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
	| {readonly type: 'layout'; readonly body: number; readonly explain: number; readonly sideways?: number; readonly page?: {readonly body: number; readonly explain: number}}
	| {readonly type: 'saved'; readonly token: number; readonly path: string}
	| {readonly type: 'save-failed'; readonly token: number; readonly error: string}
	/** The viewer closed itself (it owns its keys, esc and q included). */
	| {readonly type: 'overlay-closed'};
