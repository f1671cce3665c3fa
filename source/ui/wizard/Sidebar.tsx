import {Box} from 'ink';
import React from 'react';
import {marks} from '../theme.js';
import {LineText} from '../widgets/LineText.js';
import type {Line} from '../widgets/lines.js';
import {stages} from './stages/index.js';
import type {WizardState} from './state.js';

/**
 * Every stage with a mark that says where it stands: ✓ done, ▸ here, · still to come, ✗ passed once but
 * blocked now (a cluster edited into problems, a CA certificate without its key): never ✓ while blocked.
 */
export function sidebarLines(state: WizardState, width: number, wide: boolean): Line[] {
	return stages.map((stage, i): Line => {
		const here = i === state.stage;
		const blocked = Boolean(stage.blocked?.(state));
		const done = state.done.includes(stage.id) && !blocked;
		const mark = here ? marks.current : done ? marks.done : blocked && state.done.includes(stage.id) ? marks.error : marks.todo;
		const title = wide ? stage.title : stage.short;
		return {text: `${mark} ${title}`.slice(0, width), tone: here ? 'accent' : done ? 'ok' : mark === marks.error ? 'error' : 'muted', bold: here};
	});
}

export function Sidebar({state, width, height, wide}: {readonly state: WizardState; readonly width: number; readonly height: number; readonly wide: boolean}): React.ReactElement {
	const lines = sidebarLines(state, width, wide).slice(0, height);
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{lines.map((line, i) => (
				<LineText key={i} line={line} />
			))}
		</Box>
	);
}
