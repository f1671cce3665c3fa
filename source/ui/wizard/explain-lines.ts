import {stageTexts} from '../../content/stages.js';
import {textLines, type Line} from '../widgets/lines.js';
import {currentStage, type WizardState} from './machine.js';

/** The title of the explanation pane: what it shows now, and how to switch. */
export function explainTitle(state: WizardState): string {
	if (state.showCommand === 'cfssl') return 'By hand with cfssl (c: the same with openssl)';
	if (state.showCommand === 'openssl') return 'By hand with openssl (c: back to why)';
	return 'Why (c: the commands by hand)';
}

/** The explanation pane's text for the current stage, or its commands when "show command" is on. */
export function explainLines(state: WizardState, width: number): Line[] {
	const stage = currentStage(state);
	if (state.showCommand) {
		// Long commands wrap with an indent, so each command still starts at the left edge.
		return stage.commands(state).flatMap(command => (command === '' ? [{text: ''}] : textLines(command, width, command.startsWith('#') ? 'muted' : undefined, '    ')));
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
