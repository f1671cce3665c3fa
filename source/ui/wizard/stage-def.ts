import type {Plan} from '../../core/plan.js';
import type {Line} from '../widgets/lines.js';
import type {Item, StageId, WizardState} from './state.js';

/**
 * One stage of the wizard: data and pure line builders; the frame draws them, the machine drives them.
 * Everything the reducer needs to know about a stage is declared here, so a new stage (interactive or not)
 * is one file and one entry in stages/index.ts, with no edit to machine.ts.
 */
export type StageDef = {
	readonly id: StageId;
	/** Header title. */
	readonly title: string;
	/** Sidebar title, short enough for the narrow sidebar and the one-line progress. */
	readonly short: string;
	/**
	 * The ids of the plan's certificates this stage shows as cards. Every certificate of a plan is shown by
	 * exactly one stage (test/ui/stages.test.ts walks every stage for it).
	 */
	readonly produces: (plan: Plan) => readonly string[];
	/** The focusable rows (fields, options, the action that continues), each with what it does. */
	readonly items: (state: WizardState) => readonly Item[];
	/** Everything below the rows: cards, lists, notes, fitted to `width`. */
	readonly body: (state: WizardState, width: number) => readonly Line[];
	/** The commands that do this stage by hand ("show command"). */
	readonly commands: (state: WizardState) => readonly string[];
	/**
	 * Why the stage cannot be continued or marked done right now (a field with a problem, a CA certificate
	 * without its key), or undefined when it can.
	 */
	readonly blocked?: (state: WizardState) => string | undefined;
	/** The stage shows the exact files to write: the engine is asked for them on entering it. */
	readonly decidesFiles?: true;
};
