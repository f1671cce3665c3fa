import {Box, Text, useInput, useStdout} from 'ink';
import React, {useMemo, useState} from 'react';
import type {Finding} from '../../core/lint/index.js';
import type {Item} from '../../core/pki/load.js';
import {marks, useTheme, type Tone} from '../theme.js';
import type {Line} from '../widgets/lines.js';
import {detailLines, markOf, treeRows, type TreeRow} from './model.js';

export type ViewerProps = {
	/** What was read (core/pki/load.ts). */
	readonly items: readonly Item[];
	/** What lint found (core/lint). */
	readonly findings: readonly Finding[];
	/** Called on q or esc. */
	readonly onExit: () => void;
	/** Who signed each certificate (core/inspect.ts signers), shown as its chain line. */
	readonly signedBy?: ReadonlyMap<Item, string>;
	/** Where else each certificate is (core/inspect.ts copiesOf). */
	readonly copies?: ReadonlyMap<Item, readonly Item[]>;
	/** Columns to lay out for. @default the terminal's, or 80 */
	readonly width?: number;
	/** Rows of the terminal; the frame stays one shorter (a full-height frame makes Ink clear the screen). @default the terminal's, or 24 */
	readonly height?: number;
};

function LineText({line, width, inverse}: {readonly line: Line; readonly width: number; readonly inverse?: boolean}): React.ReactElement {
	const theme = useTheme();
	const tone: Tone = line.tone ?? 'plain';
	return (
		<Text wrap="truncate-end" color={theme.color(tone)} dimColor={theme.dim(tone)} bold={line.bold} inverse={inverse}>
			{line.text.length > width ? line.text.slice(0, width) : line.text || ' '}
		</Text>
	);
}

/** The tree's visible rows: a window that keeps the selection in view, with its group header when it fits. */
function windowOf(rows: readonly TreeRow[], selectedRow: number, height: number): {start: number; rows: readonly TreeRow[]} {
	const start = Math.max(0, Math.min(selectedRow - Math.floor(height / 3), rows.length - height));
	return {start, rows: rows.slice(start, start + height)};
}

// One malformed item must not take the whole screen down with Ink's error overview: it shows an error row.
function safeDetail(item: Item, findings: readonly Finding[], width: number, signedBy?: string, copies?: readonly Item[]): Line[] {
	try {
		return detailLines(item, findings, width, signedBy, copies);
	} catch (error) {
		return [{text: `${marks.error} cannot show this item: ${error instanceof Error ? error.message : String(error)}`, tone: 'error'}];
	}
}

/**
 * The certificate viewer: a tree of everything read, grouped by issuer, and the detail of the selected item
 * (every CertInfo field, the Kubernetes user, groups and role, and its file's findings).
 */
export function Viewer({items, findings, onExit, signedBy, copies, width, height}: ViewerProps): React.ReactElement {
	const {stdout} = useStdout();
	const columns = Math.max(40, width ?? stdout?.columns ?? 80);
	const rows = Math.max(8, height ?? stdout?.rows ?? 24);
	// The tree depends only on what was read: not rebuilt on every key (1,000 items × their findings).
	const [onlyFindings, setOnlyFindings] = useState(false);
	const tree = useMemo(() => treeRows(items, findings, {onlyFindings}), [items, findings, onlyFindings]);
	const selectable = useMemo(() => tree.flatMap((row, position) => (row.type === 'item' ? [position] : [])), [tree]);
	const [selected, setSelected] = useState(0);
	const [scroll, setScroll] = useState(0);

	// Frame: header, body, help line; one row less than the terminal.
	const bodyHeight = rows - 1 - 2;
	const treeWidth = columns >= 120 ? 44 : Math.min(32, Math.floor(columns * 0.4));
	const detailWidth = columns - treeWidth - 3;
	const current = Math.min(selected, Math.max(0, selectable.length - 1));
	const selectedRow = selectable[current] ?? 0;
	const selectedItem = tree[selectedRow]?.type === 'item' ? (tree[selectedRow] as Extract<TreeRow, {type: 'item'}>) : undefined;
	const detail = selectedItem ? safeDetail(selectedItem.item, findings, detailWidth, signedBy?.get(selectedItem.item), copies?.get(selectedItem.item)) : [{text: 'Nothing was read.'}];
	const maxScroll = Math.max(0, detail.length - bodyHeight);
	const top = Math.min(scroll, maxScroll);

	useInput((input, key) => {
		if (input === 'q' || key.escape) {
			onExit();
			return;
		}

		// Updates from the previous state, not this render's: keys that arrive together (a held arrow, a paste)
		// are handled in one go before React renders again, and each must count.
		const last = Math.max(0, selectable.length - 1);
		const move = (delta: number) => {
			setSelected(previous => Math.max(0, Math.min(last, Math.min(previous, last) + delta)));
			setScroll(0);
		};

		if (key.upArrow || input === 'k') move(-1);
		else if (key.downArrow || input === 'j') move(1);
		else if (key.pageDown || input === ' ') setScroll(previous => Math.min(maxScroll, Math.min(previous, maxScroll) + bodyHeight - 1));
		else if (key.pageUp || input === 'b') setScroll(previous => Math.max(0, Math.min(previous, maxScroll) - bodyHeight + 1));
		else if (input === 'f' && (onlyFindings || findings.length > 0)) {
			setOnlyFindings(previous => !previous);
			setSelected(0);
			setScroll(0);
		} else if (input === 'g') move(-selectable.length);
		else if (input === 'G') move(selectable.length);
	});

	const errors = findings.filter(f => f.severity === 'error').length;
	const warnings = findings.filter(f => f.severity === 'warning').length;
	const files = new Set(items.map(item => item.path)).size;
	const verdict = errors + warnings === 0 ? `${marks.done} no findings` : `${marks.error} ${errors} error(s)  ${marks.warn} ${warnings} warning(s)`;
	const visible = windowOf(tree, selectedRow, bodyHeight);
	const treeLines = visible.rows.map((row, offset): {line: Line; selected: boolean} => {
		if (row.type === 'group') return {line: {text: row.label, tone: 'accent', bold: true}, selected: false};
		const {mark, tone} = markOf(row.status);
		const isSelected = visible.start + offset === selectedRow;
		return {line: {text: `${isSelected ? marks.focus : ' '}${mark} ${row.label}`, tone}, selected: isSelected};
	});
	const more = detail.length > bodyHeight ? `  (detail ${top + 1}-${Math.min(detail.length, top + bodyHeight)} of ${detail.length})` : '';

	return (
		<Box flexDirection="column" width={columns}>
			<LineText line={{text: `kubepki inspect · ${files} file(s) · ${verdict}${onlyFindings ? ' · findings only' : ''}`, bold: true}} width={columns} />
			<Box flexDirection="row" height={bodyHeight}>
				<Box flexDirection="column" width={treeWidth}>
					{treeLines.map((entry, index) => (
						<LineText key={index} line={entry.line} width={treeWidth} inverse={entry.selected} />
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
			<LineText line={{text: `↑↓ move  pgup/pgdn scroll  f ${onlyFindings ? 'all files' : 'findings only'}  q/esc quit${more}`, tone: 'muted'}} width={columns} />
		</Box>
	);
}
