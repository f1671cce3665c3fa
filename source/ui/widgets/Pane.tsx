import {Box} from 'ink';
import React from 'react';
import {LineText} from './LineText.js';
import type {Line} from './lines.js';

/** Rows already windowed by paneWindow, in a box of a fixed height so the frame never grows. */
export function Pane({rows, height, width}: {readonly rows: readonly Line[]; readonly height: number; readonly width: number}): React.ReactElement {
	return (
		<Box flexDirection="column" height={height} width={width} overflow="hidden">
			{rows.map((line, i) => (
				<LineText key={i} line={line} />
			))}
		</Box>
	);
}
