import {TextInput} from '@inkjs/ui';
import {Box, Text} from 'ink';
import React from 'react';
import {marks} from '../theme.js';
import {LineText} from '../widgets/LineText.js';
import type {Line} from '../widgets/lines.js';
import {labelWidth, valueRoom} from './item-lines.js';

export type EditRowProps = {
	readonly label: string;
	readonly value: string;
	readonly width: number;
	readonly height: number;
	readonly problems: readonly Line[];
	readonly onChange: (value: string) => void;
	readonly onSubmit: (value: string) => void;
};

/**
 * A field being edited: @inkjs/ui's TextInput in the value column. It listens to keys itself; the wizard's
 * router lets only esc and tab act while it is open, so q or enter never do two things.
 */
export function EditRow({label, value, width, height, problems, onChange, onSubmit}: EditRowProps): React.ReactElement {
	return (
		<Box flexDirection="column">
			<Box height={height}>
				<Text bold>{`${marks.focus} ${label.padEnd(labelWidth)}`}</Text>
				<Box width={valueRoom(width)}>
					<TextInput defaultValue={value} onChange={onChange} onSubmit={onSubmit} />
				</Box>
			</Box>
			{problems.map((line, i) => (
				<LineText key={i} line={line} />
			))}
		</Box>
	);
}
