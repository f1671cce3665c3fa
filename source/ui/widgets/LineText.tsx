import {Text} from 'ink';
import React from 'react';
import {useTheme} from '../theme.js';
import type {Line} from './lines.js';

/** One pre-fitted line. Truncated, never wrapped: a wrapped line would make the frame taller than planned. */
export function LineText({line}: {readonly line: Line}): React.ReactElement {
	const theme = useTheme();
	const tone = line.tone ?? 'plain';
	return (
		<Text color={theme.color(tone)} dimColor={theme.dim(tone)} bold={line.bold} wrap="truncate-end">
			{line.text === '' ? ' ' : line.text}
		</Text>
	);
}
