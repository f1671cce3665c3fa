import {stageTexts} from '../../content/stages.js';
import {textLines, type Line} from '../widgets/lines.js';
import {shellLines} from '../widgets/shell-lines.js';
import {currentStage} from './machine.js';
import type {WizardState} from './state.js';

/** The title of the explanation pane: what it shows now, and how to switch. */
export function explainTitle(state: WizardState): string {
	if (state.showCommand === 'cfssl') return 'By hand with cfssl (c: the same with openssl)';
	if (state.showCommand === 'openssl') return 'By hand with openssl (c: back to why)';
	return 'Why (c: the commands by hand)';
}

/** The commands of the current stage by hand, in the flavour shown: what `w` saves and the pane shows. */
export function stageCommands(state: WizardState): readonly string[] {
	return currentStage(state).commands(state);
}

/** Where the rest of the PKI comes from, and how to keep these commands. */
function commandsNote(state: WizardState): string {
	const flavor = state.showCommand || 'cfssl';
	return `# This stage by hand; the whole PKI as one script: kubepki script --flavor ${flavor}. w saves these commands in ${state.outDir}/.`;
}

/** The explanation pane's text for the current stage, or its commands when "show command" is on. */
export function explainLines(state: WizardState, width: number): Line[] {
	const stage = currentStage(state);
	if (state.showCommand) {
		// Broken only between words, with ` \`: what is on screen pastes into a shell as it stands.
		// The note is a comment too, so the whole pane can be pasted.
		return shellLines([commandsNote(state), '', ...stageCommands(state)], width);
	}

	const text = stageTexts[stage.id];
	const lines: Line[] = [];
	for (const paragraph of text.paragraphs) {
		if (lines.length > 0) lines.push({text: ''});
		lines.push(...textLines(paragraph, width));
	}

	if (text.mistakes.length > 0) {
		lines.push({text: ''}, {text: 'Where the popular guides go wrong:', bold: true});
		for (const mistake of text.mistakes) lines.push(...textLines(`! ${mistake}`, width, 'warn', '  '));
	}

	return lines;
}

/** The stage's one-line summary, wrapped. */
export function summaryLines(state: WizardState, width: number): Line[] {
	return textLines(stageTexts[currentStage(state).id].summary, width, 'title');
}
