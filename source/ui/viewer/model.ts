// The viewer's content as plain data: the tree rows (grouped by issuer) and the detail lines of the
// selected item. No Ink here, so the layout is known (and tested) before anything is drawn.
import path from 'node:path';
import {detailRows, findingLine} from '../../core/inspect.js';
import type {Finding} from '../../core/lint/index.js';
import type {Item} from '../../core/pki/load.js';
import {marks, type Tone} from '../theme.js';
import {labelled, textLines, type Line} from '../widgets/lines.js';

export type Status = 'error' | 'warning' | 'ok' | 'unreadable';

export type TreeRow =
	| {readonly type: 'group'; readonly label: string}
	| {readonly type: 'item'; readonly item: Item; readonly index: number; readonly label: string; readonly status: Status};

const statusMark: Record<Status, string> = {error: marks.error, warning: marks.warn, ok: marks.done, unreadable: '?'};
const statusTone: Record<Status, Tone> = {error: 'error', warning: 'warn', ok: 'ok', unreadable: 'muted'};

export function markOf(status: Status): {mark: string; tone: Tone} {
	return {mark: statusMark[status], tone: statusTone[status]};
}

/** Findings are per file: an item shows the worst finding of its file. */
export function statusOf(item: Item, findings: readonly Finding[]): Status {
	const mine = findings.filter(f => f.path === item.path);
	if (mine.some(f => f.severity === 'error')) return 'error';
	if (mine.some(f => f.severity === 'warning')) return 'warning';
	// A file that holds nothing kubepki reads (a unit, a script) is neither good nor bad.
	return item.kind === 'unreadable' ? 'unreadable' : 'ok';
}

/** The folder every path shares, so the tree shows short names. */
export function commonRoot(items: readonly Item[]): string {
	const dirs = items.map(item => path.dirname(item.path).split(path.sep));
	if (dirs.length === 0) return '';
	const first = dirs[0]!;
	let length = first.length;
	for (const dir of dirs) {
		let i = 0;
		while (i < length && dir[i] === first[i]) i++;
		length = i;
	}

	return first.slice(0, length).join(path.sep);
}

function shortPath(root: string, file: string): string {
	return root ? path.relative(root, file) || path.basename(file) : file;
}

// A kubeconfig's embedded parts, named short enough for the tree: `admin.kubeconfig · user admin`.
function embeddedLabel(source: string): string {
	const field = source.slice('kubeconfig:'.length);
	const user = /^users\[(.*)\]\.client-(certificate|key)-data$/.exec(field);
	if (user) return user[2] === 'key' ? `key of ${user[1]}` : `user ${user[1]}`;
	const cluster = /^clusters\[(.*)\]\.certificate-authority-data$/.exec(field);
	return cluster ? `CA of ${cluster[1]}` : field;
}

function itemLabel(root: string, item: Item): string {
	const where = item.source.startsWith('kubeconfig:') ? ` · ${embeddedLabel(item.source)}` : item.block ? ` #${item.block}` : '';
	return `${shortPath(root, item.path)}${where}`;
}

function groupOf(item: Item): string {
	// The issuer's CN is short enough for the tree's width; the full name is in the detail.
	if (item.kind === 'certificate') return `issued by ${item.cert!.issuerCommonName || item.cert!.issuer || '(empty issuer)'}`;
	if (item.kind === 'kubeconfig') return 'kubeconfigs';
	if (item.kind === 'unreadable') return 'other files';
	return 'keys and requests';
}

const groupRank = (label: string) => (label.startsWith('issued by') ? 0 : label === 'kubeconfigs' ? 1 : label === 'keys and requests' ? 2 : 3);

/** Rows of the tree: a header per issuer (then kubeconfigs, keys, other files), the items under it. */
export function treeRows(items: readonly Item[], findings: readonly Finding[], options: {onlyFindings?: boolean} = {}): TreeRow[] {
	const root = commonRoot(items);
	// Findings by file, once: a thousand items each scanning every finding adds up.
	const byPath = new Map<string, Finding[]>();
	for (const finding of findings) byPath.set(finding.path, [...(byPath.get(finding.path) ?? []), finding]);
	const groups = new Map<string, Array<{item: Item; index: number}>>();
	items.forEach((item, index) => {
		// In a large set (a trust store, /etc/kubernetes) the files with findings are what one looks for.
		if (options.onlyFindings && !byPath.has(item.path)) return;
		const label = groupOf(item);
		groups.set(label, [...(groups.get(label) ?? []), {item, index}]);
	});
	const ordered = [...groups.entries()].sort(([a], [b]) => groupRank(a) - groupRank(b) || (a < b ? -1 : a > b ? 1 : 0));
	return ordered.flatMap(([label, members]): TreeRow[] => [
		{type: 'group', label},
		...members.map(({item, index}): TreeRow => ({type: 'item', item, index, label: itemLabel(root, item), status: statusOf(item, byPath.get(item.path) ?? [])})),
	]);
}

/** The detail pane's lines for one item: title, its fields, the Kubernetes meaning, its file's findings. */
export function detailLines(item: Item, findings: readonly Finding[], width: number, signedBy?: string, copies?: readonly Item[]): Line[] {
	const status = statusOf(item, findings);
	const {mark, tone} = markOf(status);
	const lines: Line[] = [
		...textLines(`${mark} ${item.path}`, width, tone),
		{text: `${item.kind}${item.block ? ` #${item.block}` : ''} · ${item.source}`, tone: 'muted'},
	];
	// Findings first: they are why someone opens the viewer; the fields follow.
	const mine = findings.filter(f => f.path === item.path);
	if (mine.length === 0) {
		lines.push({text: item.kind === 'unreadable' ? `${marks.info} not checked` : `${marks.done} no findings`, tone: item.kind === 'unreadable' ? 'muted' : 'ok'});
	} else {
		lines.push({text: `Findings (${mine.length})`, bold: true});
		for (const finding of mine) {
			const findingTone: Tone = finding.severity === 'error' ? 'error' : finding.severity === 'warning' ? 'warn' : 'muted';
			lines.push(...textLines(findingLine(finding), width, findingTone, '  '));
		}
	}

	lines.push({text: ''});
	for (const [label, value] of detailRows(item, signedBy, undefined, copies)) lines.push(...labelled(label, value, width, 11));
	return lines;
}
