// The viewer's content as plain data: the list lines (group headers and rows in columns) and the detail
// lines of the selected row. No Ink here, so the layout is known (and tested) before anything is drawn.
import {detailRows, findingLine, validityState} from '../../core/inspect.js';
import {daysLeft, embeddedLabel, shortRole, type Row, type Status} from '../../core/inventory.js';
import type {Finding} from '../../core/lint/index.js';
import {marks, type Tone} from '../theme.js';
import {labelled, textLines, type Line} from '../widgets/lines.js';
import {cutMiddle, padTo} from '../widgets/width.js';

export type {Status} from '../../core/inventory.js';

const statusMark: Record<Status, string> = {error: marks.error, warning: marks.warn, ok: marks.done, unreadable: '?'};
const statusTone: Record<Status, Tone> = {error: 'error', warning: 'warn', ok: 'ok', unreadable: 'muted'};

export function markOf(status: Status): {mark: string; tone: Tone} {
	return {mark: statusMark[status], tone: statusTone[status]};
}

/** One line of the list: a group header, or a row (with its index among the rows). */
export type ListLine = {readonly line: Line; readonly row?: number};

/** Column widths of the list for a pane `width` wide: name takes what the others leave. */
export function columns(width: number): {name: number; role: number; days: number} {
	const role = width >= 44 ? 11 : 8;
	const days = 6;
	// "›✗ " before the name, a space before role and days.
	return {name: Math.max(6, width - 3 - 1 - role - 1 - days), role, days};
}

function daysText(row: Row): string {
	const days = daysLeft(row);
	return days === undefined ? '' : `${days}d`;
}

/** The list's column titles, aligned with its rows. */
export function columnTitles(width: number): Line {
	const c = columns(width);
	return {text: `   ${padTo('name', c.name)} ${padTo('role', c.role)} ${padTo('left', c.days, 'right')}`, tone: 'muted'};
}

/** The list: a header per signer (its name and key), the rows under it in columns. */
export function listLines(rows: readonly Row[], selected: number, width: number): ListLine[] {
	const c = columns(width);
	const lines: ListLine[] = [];
	let group = '';
	rows.forEach((row, index) => {
		if (row.group.id !== group) {
			group = row.group.id;
			lines.push({line: {text: cutMiddle(row.group.label, width), tone: 'accent', bold: true}});
		}

		const {mark, tone} = markOf(row.status);
		const text = `${index === selected ? marks.focus : ' '}${mark} ${padTo(cutMiddle(row.name, c.name), c.name)} ${padTo(shortRole(row.role), c.role)} ${padTo(daysText(row), c.days, 'right')}`;
		lines.push({line: {text, tone}, row: index});
	});
	return lines;
}

const kindWords: Record<Row['kind'], string> = {certificate: 'certificate', kubeconfig: 'kubeconfig', key: 'key', other: 'file'};

function findingTone(finding: Finding): Tone {
	return finding.severity === 'error' ? 'error' : finding.severity === 'warning' ? 'warn' : 'muted';
}

/** Where a finding is when that is not the row's own item: a copy, a key file, a kubeconfig field. */
function findingWhere(row: Row, finding: Finding): string {
	const same = finding.path === row.item.path && (!finding.item || finding.item.source === row.item.source);
	if (same) return '';
	const field = finding.item?.source.startsWith('kubeconfig:') ? embeddedLabel(finding.item.source) : '';
	if (finding.path === row.item.path) return field ? ` (${field})` : '';
	return ` (${[finding.path, field].filter(Boolean).join(' ')})`;
}

/** The detail pane's lines for one row: what is wrong first, then every field, copies, keys, embedded CAs. */
export function detailLines(row: Row, width: number, now = new Date()): Line[] {
	const {mark, tone} = markOf(row.status);
	const cert = row.cert;
	const lines: Line[] = [
		...textLines(`${mark} ${row.item.path}`, width, tone),
		{
			text: [kindWords[row.kind], row.role && row.role !== 'other' ? `role ${row.role}` : '', cert ? validityState(cert.cert.notBefore, cert.cert.notAfter, now) : ''].filter(Boolean).join(' · '),
			tone: 'muted',
		},
	];
	for (const problem of row.problems) lines.push(...textLines(`${marks.error} ${problem}`, width, 'error', '  '));
	if (row.findings.length > 0) {
		lines.push({text: `Findings (${row.findings.length})`, bold: true});
		for (const finding of row.findings) lines.push(...textLines(findingLine(finding) + findingWhere(row, finding), width, findingTone(finding), '  '));
	} else if (row.problems.length === 0) {
		lines.push(row.kind === 'other' ? {text: `${marks.info} not checked`, tone: 'muted'} : {text: `${marks.done} no findings`, tone: 'ok'});
	}

	lines.push({text: ''});
	const others = row.copies.filter(copy => copy !== row.cert);
	if (row.kind === 'kubeconfig') {
		for (const [label, value] of detailRows(row.item)) lines.push(...labelled(label, value, width, 11));
		for (const embed of row.embeds ?? []) lines.push(...labelled('Embeds', embed, width, 11));
		if (cert) {
			lines.push({text: ''}, {text: `User certificate (${embeddedLabel(cert.source)}${cert.referenced ? `, from ${cert.referenced}` : ''})`, bold: true});
			for (const [label, value] of detailRows(cert, row.signedBy, now, others)) lines.push(...labelled(label, value, width, 11));
		}
	} else {
		for (const [label, value] of detailRows(cert ?? row.item, row.signedBy, now, others)) lines.push(...labelled(label, value, width, 11));
	}

	for (const key of row.kind === 'key' ? [] : row.keys) {
		const matches = key.raw?.spki && cert?.raw?.spki && Buffer.from(key.raw.spki).equals(Buffer.from(cert.raw.spki));
		const name = key.source.startsWith('kubeconfig:') ? `${embeddedLabel(key.source)}${key.referenced ? ` (${key.referenced})` : ''}` : key.path;
		lines.push(...labelled('Key file', `${name} ${matches ? `${marks.done} matches` : key.encrypted ? '(encrypted, not checked)' : `${marks.error} does not match`}`, width, 11));
	}

	if (row.kind === 'key' && row.keys.length > 1) lines.push(...labelled('Copies', row.keys.map(key => key.path).join(', '), width, 11));
	return lines;
}
