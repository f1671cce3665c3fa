import {Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import React, {useEffect} from 'react';
import {KeyHelp} from '../keys/KeyHelp.js';
import {useTheme} from '../theme.js';
import {LineText} from '../widgets/LineText.js';
import {Pane} from '../widgets/Pane.js';
import {EditRow} from './EditRow.js';
import {frameModel, statusOf, type FrameModel} from './frame-model.js';
import type {FrameLayout} from './layout.js';
import {Sidebar} from './Sidebar.js';
import type {WizardEvent, WizardState} from './state.js';

export type FrameProps = {
	readonly state: WizardState;
	readonly layout: FrameLayout;
	readonly dispatch: (event: WizardEvent) => void;
};

function Header({text}: {readonly text: string}): React.ReactElement {
	return (
		<Text bold wrap="truncate-end">
			{text}
		</Text>
	);
}

function Status({state, width}: {readonly state: WizardState; readonly width: number}): React.ReactElement {
	const found = statusOf(state);
	// The spinner's frame and gap take two columns.
	const status = {...found, text: found.text.slice(0, width - 2)};
	const line = <LineText line={{text: status.text, tone: status.tone}} />;
	// The spinner moves only while keys are made or files written: proof the screen is not frozen.
	return status.busy ? <Spinner label={status.text} /> : line;
}

function ItemList({model}: {readonly model: FrameModel}): React.ReactElement {
	return (
		<Box flexDirection="column" height={model.itemsHeight}>
			{model.items.map((block, i) =>
				block.kind === 'edit' ? (
					<EditRow
						key={`edit-${block.item.id}`}
						label={block.item.label}
						value={block.value}
						cursor={block.cursor}
						width={model.layout.mainWidth}
						height={block.height}
						problems={block.problems}
					/>
				) : (
					<Box key={i} flexDirection="column">
						{block.lines.map((line, j) => (
							<LineText key={j} line={line} />
						))}
					</Box>
				),
			)}
		</Box>
	);
}

function ExplainTitle({title, focused, width}: {readonly title: string; readonly focused: boolean; readonly width: number}): React.ReactElement {
	// Focus is said in words and a mark as well as by weight: "▸" when the arrows scroll this pane.
	const text = `${focused ? '▸ ' : '─ '}${title} `;
	return <LineText line={{text: text + '─'.repeat(Math.max(0, width - text.length)), tone: 'accent', bold: focused}} />;
}

function Separator({height}: {readonly height: number}): React.ReactElement {
	const theme = useTheme();
	return (
		<Box flexDirection="column" width={1} height={height}>
			{Array.from({length: height}, (_, i) => (
				<Text key={i} color={theme.color('muted')} dimColor={theme.dim('muted')}>
					│
				</Text>
			))}
		</Box>
	);
}

/** The whole screen of a stage: header, sidebar, the stage, its explanation, status and key help. */
export function Frame({state, layout, dispatch}: FrameProps): React.ReactElement {
	const model = frameModel(state, layout);
	const {body, explain} = model;
	// The reducer clamps scrolling to what the panes can show; tell it whenever that changes.
	useEffect(() => {
		const changed =
			body.maxScroll !== state.maxScroll.body ||
			explain.maxScroll !== state.maxScroll.explain ||
			explain.maxSideways !== state.maxSideways ||
			body.page !== state.pageRows.body ||
			explain.page !== state.pageRows.explain;
		if (changed) dispatch({type: 'layout', body: body.maxScroll, explain: explain.maxScroll, sideways: explain.maxSideways, page: {body: body.page, explain: explain.page}});
	}, [body.maxScroll, explain.maxScroll, explain.maxSideways, body.page, explain.page, state.maxScroll, state.maxSideways, state.pageRows, dispatch]);

	const explainFocused = state.region === 'explain';
	const height = layout.contentHeight;
	const stageColumn = (
		<Box flexDirection="column" width={layout.mainWidth} height={height} overflow="hidden">
			{model.summary.map((line, i) => (
				<LineText key={i} line={line} />
			))}
			<ItemList model={model} />
			<Text> </Text>
			<Pane rows={body.rows} height={body.height} width={layout.mainWidth} />
			{layout.wide ? null : (
				<>
					<ExplainTitle title={explain.title} focused={explainFocused} width={layout.mainWidth} />
					<Pane rows={explain.rows} height={explain.height} width={layout.mainWidth} />
				</>
			)}
		</Box>
	);
	const explainColumn = layout.wide ? (
		<Box flexDirection="column" width={layout.explainWidth} height={height}>
			<ExplainTitle title={explain.title} focused={explainFocused} width={layout.explainWidth} />
			<Pane rows={explain.rows} height={explain.height} width={layout.explainWidth} />
		</Box>
	) : null;
	const overlayWidth = layout.wide ? layout.mainWidth + layout.explainWidth + 3 : layout.mainWidth;
	const overlay = model.overlay ? (
		<Box flexDirection="column" width={overlayWidth} height={height}>
			<ExplainTitle title={model.overlay.title} focused width={overlayWidth} />
			<Text> </Text>
			<Pane rows={model.overlay.rows} height={height - 2} width={overlayWidth} />
		</Box>
	) : null;

	return (
		<Box flexDirection="column" width={layout.columns} height={layout.rows - 1}>
			<Header text={model.header} />
			<Box flexDirection="row" height={height}>
				{layout.sidebarWidth > 0 ? (
					<>
						<Sidebar state={state} width={layout.sidebarWidth} height={height} wide={layout.sidebarWidth >= 24} />
						<Separator height={height} />
						<Text> </Text>
					</>
				) : null}
				{overlay ?? (
					<>
						{stageColumn}
						{explainColumn ? (
							<>
								<Text> </Text>
								<Separator height={height} />
								<Text> </Text>
								{explainColumn}
							</>
						) : null}
					</>
				)}
			</Box>
			<Box height={1} overflow="hidden">
				<Status state={state} width={layout.columns} />
			</Box>
			<KeyHelp text={model.help} />
		</Box>
	);
}
