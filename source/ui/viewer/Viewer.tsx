import {Box, Text} from 'ink';
import React, {useMemo, useRef, useState} from 'react';
import {inventory, matches, sortRows, type Row} from '../../core/inventory.js';
import type {Finding} from '../../core/lint/index.js';
import type {Item} from '../../core/pki/load.js';
import {printable} from '../../core/printable.js';
import {bindings, viewerHelp} from '../keys/bindings.js';
import {helpLine} from '../keys/help-line.js';
import {KeyRouter, priority, useHasKeyRouter, useKeyHandler} from '../keys/router.js';
import {marks, useTheme, type Tone} from '../theme.js';
import {useTerminalSize} from '../use-terminal-size.js';
import type {Line} from '../widgets/lines.js';
import {cutEnd, padTo} from '../widgets/width.js';
import {columnTitles, detailLines, listLines} from './model.js';
import {initialViewerState, selectedIndex, sortWords, viewerStep, type ViewerState, type ViewerView} from './state.js';

export type ViewerProps = {
	/** What was read (core/pki/load.ts). */
	readonly items: readonly Item[];
	/** What lint found (core/lint). */
	readonly findings: readonly Finding[];
	/** Called on q or esc. */
	readonly onExit: () => void;
	/** Unused: the rows carry who signed them and their copies (kept so callers that pass them still type-check). */
	readonly signedBy?: ReadonlyMap<Item, string>;
	readonly copies?: ReadonlyMap<Item, readonly Item[]>;
	/** Columns to lay out for. @default the terminal's, updated on resize */
	readonly width?: number;
	/** Rows of the terminal; the frame stays one shorter (a full-height frame makes Ink clear the screen). @default the terminal's */
	readonly height?: number;
	/** The clock for days left. @default now */
	readonly now?: Date;
};

// What the help line drops first on a narrow terminal; `?` lists every key, and q always shows.
const viewerOptional = ['ends', 'page', 'next-match', 'pane', 'filter', 'move'] as const;

/** Below this the panes cannot show a row and its detail side by side. */
export const viewerMinimum = {columns: 60, rows: 12} as const;

function LineText({line, width, inverse}: {readonly line: Line; readonly width: number; readonly inverse?: boolean}): React.ReactElement {
	const theme = useTheme();
	const tone: Tone = line.tone ?? 'plain';
	// Whatever a file holds is shown, never obeyed: control characters arrive here escaped.
	return (
		<Text wrap="truncate-end" color={theme.color(tone)} dimColor={theme.dim(tone)} bold={line.bold} inverse={inverse}>
			{cutEnd(printable(line.text), width) || ' '}
		</Text>
	);
}

// One malformed item must not take the whole screen down: it shows an error line instead of its detail.
function safeDetail(row: Row, width: number, now?: Date): Line[] {
	try {
		return detailLines(row, width, now);
	} catch (error) {
		return [{text: `${marks.error} cannot show this item: ${error instanceof Error ? error.message : String(error)}`, tone: 'error'}];
	}
}

function helpLines(width: number): Line[] {
	const lines: Line[] = [{text: 'Keys of the viewer', bold: true}, {text: ''}];
	for (const binding of bindings.filter(b => b.context === 'viewer')) {
		lines.push({text: `${padTo(binding.help, 18)} ${viewerHelp[binding.command] ?? ''}`});
	}

	lines.push({text: ''}, {text: 'Marks: ✗ a TLS peer would refuse it (chain, key, validity) or an error finding; ! a warning; ✓ nothing found; ? not a certificate file.', tone: 'muted'});
	return lines.flatMap(line => (line.text.length > width ? [{...line, text: line.text}] : [line]));
}

function ViewerScreen({items, findings, onExit, width, height, now}: ViewerProps): React.ReactElement {
	const size = useTerminalSize();
	const columns = width ?? size.columns;
	const rows = height ?? size.rows;
	// The rows depend only on what was read: not rebuilt on every key (1,000 items × their findings).
	const all = useMemo(() => inventory(items, findings, {now}), [items, findings, now]);
	const [state, setState] = useState<ViewerState>(initialViewerState);
	const listed = useMemo(() => {
		const shown = state.onlyFindings ? all.filter(row => row.findings.length > 0 || row.problems.length > 0) : all;
		return sortRows(shown, state.sort);
	}, [all, state.sort, state.onlyFindings]);

	// Frame: header, body, status line, help line; one row less than the terminal.
	const bodyHeight = Math.max(1, rows - 1 - 3);
	const listWidth = columns >= 120 ? 60 : Math.floor(columns / 2);
	const detailWidth = Math.max(10, columns - listWidth - 3);
	const selected = selectedIndex(state, {ids: listed.map(row => row.id)});
	const row = listed[selected];
	const detail = state.help ? helpLines(detailWidth + listWidth + 3) : row ? safeDetail(row, detailWidth, now) : [{text: 'Nothing was read.'}];
	const maxTop = Math.max(0, detail.length - bodyHeight);
	const top = Math.min(state.detailTop, maxTop);

	// Keys are applied to the latest state and the latest screen, so keys that arrive together (a held arrow,
	// a paste) each count before React renders again.
	const view = useRef<ViewerView>({ids: [], pageRows: 1, detailLines: 0, detailPage: 1, matches: () => [], anyFindings: false});
	view.current = {
		ids: listed.map(r => r.id),
		pageRows: bodyHeight - 1,
		detailLines: detail.length,
		detailPage: bodyHeight,
		matches: query => matches(listed, query),
		anyFindings: all.some(r => r.findings.length > 0 || r.problems.length > 0),
	};
	const exited = useRef(false);
	useKeyHandler(
		key => {
			setState(previous => {
				const next = viewerStep(previous, key, view.current);
				if (next.exit && !exited.current) {
					exited.current = true;
					queueMicrotask(onExit);
				}

				return next;
			});
			return true;
		},
		{priority: priority.high},
	);

	if (columns < viewerMinimum.columns || rows < viewerMinimum.rows) {
		return <Text>{`kubepki inspect needs at least ${viewerMinimum.columns}×${viewerMinimum.rows} (this terminal is ${columns}×${rows}): make it larger, or q to leave.`}</Text>;
	}

	const errors = findings.filter(f => f.severity === 'error').length;
	const warnings = findings.filter(f => f.severity === 'warning').length;
	const files = new Set(items.map(item => item.path)).size;
	const refused = all.filter(r => r.status === 'error').length;
	const verdict = errors + warnings + refused === 0 ? `${marks.done} no findings` : `${marks.error} ${errors} error(s)  ${marks.warn} ${warnings} warning(s)`;
	const header = `kubepki inspect · ${files} file(s) · ${verdict} · by ${sortWords[state.sort]}${state.onlyFindings ? ' · findings only' : ''}`;

	const lines = listLines(listed, selected, listWidth);
	const listHeight = bodyHeight - 1;
	const selectedLine = Math.max(0, lines.findIndex(line => line.row === selected));
	const start = Math.max(0, Math.min(selectedLine - Math.floor(listHeight / 3), lines.length - listHeight));
	const visible = lines.slice(start, start + listHeight);
	const focus = (pane: 'list' | 'detail') => (state.pane === pane ? 'accent' : 'muted');

	const status: Line = state.search?.editing
		? {text: `/${state.search.query}▏ (enter find, esc cancel)`, tone: 'accent'}
		: state.notice
			? {text: state.notice, tone: 'muted'}
			: {text: `${state.pane === 'detail' ? 'scrolling the detail' : `row ${listed.length === 0 ? 0 : selected + 1} of ${listed.length}`}${detail.length > bodyHeight ? ` · detail ${top + 1}-${Math.min(detail.length, top + bodyHeight)} of ${detail.length}` : ''}`, tone: 'muted'};
	const help = state.help ? helpLine('overlay', columns) : state.search?.editing ? helpLine('viewer-search', columns) : helpLine('viewer', columns, {relevant: command => command !== 'filter' || view.current.anyFindings, dropFirst: viewerOptional});

	if (state.help) {
		return (
			<Box flexDirection="column" width={columns}>
				<LineText line={{text: header, bold: true}} width={columns} />
				<Box flexDirection="column" height={bodyHeight + 1}>
					{detail.slice(0, bodyHeight + 1).map((line, index) => (
						<LineText key={index} line={line} width={columns} />
					))}
				</Box>
				<LineText line={{text: help, tone: 'muted'}} width={columns} />
			</Box>
		);
	}

	return (
		<Box flexDirection="column" width={columns}>
			<LineText line={{text: header, bold: true}} width={columns} />
			<Box flexDirection="row" height={bodyHeight}>
				<Box flexDirection="column" width={listWidth}>
					<LineText line={{...columnTitles(listWidth), tone: focus('list')}} width={listWidth} />
					{visible.map((entry, index) => (
						<LineText key={index} line={entry.line} width={listWidth} inverse={entry.row === selected} />
					))}
				</Box>
				<Box flexDirection="column" width={3}>
					{Array.from({length: bodyHeight}, (_, index) => (
						<Text key={index}> │ </Text>
					))}
				</Box>
				<Box flexDirection="column" width={detailWidth}>
					{detail.slice(top, top + bodyHeight).map((line, index) => (
						<LineText key={index} line={line} width={detailWidth} />
					))}
				</Box>
			</Box>
			<LineText line={status} width={columns} />
			<LineText line={{text: help, tone: 'muted'}} width={columns} />
		</Box>
	);
}

/**
 * The certificate viewer: one row per certificate (copies folded in), grouped by the key of the CA that
 * signed it, with its mark, role and days left; the selected row's detail beside it. Brings its own key
 * router when it stands alone; inside the wizard it takes the wizard's, ahead of the stage.
 */
export function Viewer(props: ViewerProps): React.ReactElement {
	const routed = useHasKeyRouter();
	return routed ? (
		<ViewerScreen {...props} />
	) : (
		<KeyRouter>
			<ViewerScreen {...props} />
		</KeyRouter>
	);
}
