import {Text} from 'ink';
import React from 'react';
import {useTheme} from '../theme.js';

/** The key help line at the bottom of every screen. */
export function KeyHelp({text}: {readonly text: string}): React.ReactElement {
	const theme = useTheme();
	return (
		<Text color={theme.color('muted')} dimColor={theme.dim('muted')} wrap="truncate-end">
			{text}
		</Text>
	);
}
