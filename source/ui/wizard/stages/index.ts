import type {ContentKey} from '../../../content/stages.js';
import type {Line} from '../../widgets/lines.js';
import type {Item, WizardState} from '../machine.js';
import {apiServerSansStage} from './api-server-sans.js';
import {caStage} from './ca.js';
import {clusterStage} from './cluster.js';
import {componentsStage} from './components.js';
import {encryptionStage} from './encryption.js';
import {etcdStage} from './etcd.js';
import {kubeconfigsStage} from './kubeconfigs.js';
import {kubeletsStage} from './kubelets.js';
import {reviewStage} from './review.js';
import {toolsStage} from './tools.js';

/** One stage of the wizard: data and pure line builders; the frame draws them, the machine drives them. */
export type StageDef = {
	readonly id: ContentKey;
	/** Header title. */
	readonly title: string;
	/** Sidebar title, short enough for the narrow sidebar of an 80-column terminal. */
	readonly short: string;
	/** The focusable rows (fields, options, the action that continues). */
	readonly items: (state: WizardState) => readonly Item[];
	/** Everything below the rows: cards, lists, notes, fitted to `width`. */
	readonly body: (state: WizardState, width: number) => readonly Line[];
	/** The commands that do this stage by hand ("show command"). */
	readonly commands: (state: WizardState) => readonly string[];
};

/** The stages, in order. Adding a stage is one file and one entry here. */
export const stages = [
	toolsStage,
	clusterStage,
	caStage,
	kubeletsStage,
	componentsStage,
	apiServerSansStage,
	kubeconfigsStage,
	encryptionStage,
	etcdStage,
	reviewStage,
] as const satisfies readonly StageDef[];

export type StageId = (typeof stages)[number]['id'];
