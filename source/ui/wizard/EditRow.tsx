import {Box, Text} from 'ink';
import React from 'react';
import {marks} from '../theme.js';
import {LineText} from '../widgets/LineText.js';
import type {Line} from '../widgets/lines.js';
import {labelWidth, valueRoom} from './item-lines.js';

export type EditRowProps = {
	readonly label: string;
	readonly value: string;
	/** Where the cursor stands: an index into value (value.length: after the last character). */
	readonly cursor: number;
	readonly width: number;
	readonly height: number;
	readonly problems: readonly Line[];
};

/**
 * A field being edited, drawn from the wizard's state: the value, and the cursor as an inverse cell. It
 * listens to no key itself; the reducer types into it, so text typed in the same burst as the enter that
 * opened it is never lost or taken for a command.
 */
export function EditRow({label, value, cursor, width, height, problems}: EditRowProps): React.ReactElement {
	const at = Math.max(0, Math.min(cursor, value.length));
	return (
		<Box flexDirection="column">
			<Box height={height}>
				<Text bold>{`${marks.focus} ${label.padEnd(labelWidth)}`}</Text>
				<Box width={valueRoom(width)}>
					<Text>
						{value.slice(0, at)}
						<Text inverse>{value[at] ?? ' '}</Text>
						{value.slice(at + 1)}
					</Text>
				</Box>
			</Box>
			{problems.map((line, i) => (
				<LineText key={i} line={line} />
			))}
		</Box>
	);
}
