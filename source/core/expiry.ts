// `kubepki expiry`: every certificate of a set, soonest end first, as one table (kubeadm's
// `certs check-expiration`, but for every layout and for the kubelets too). Pure: items in, rows out.
// A certificate present in several places (the folder's file, its copies under nodes/<host>/, embedded in kubeconfigs) is one
// row: one thing to renew, held by several machines.
import path from 'node:path';
import {bundlesDir} from './distribute.js';
import {renewWithinDays} from './plan.js';
import {buildChain, label} from './lint/chain-index.js';
import {certItems, type CertItem} from './lint/types.js';
import type {FolderManifest, Item, LoadResult} from './pki/load.js';
import type {KubernetesRole} from './pki/meaning.js';

/** Where a row stands: ended, not started, ends within the window, or fine. */
export type ExpiryState = 'expired' | 'not-yet-valid' | 'within' | 'ok';

/** One certificate (all its identical copies). The JSON of `expiry --json` is this, field for field. */
export type ExpiryRow = {
	/** The plan id the manifest gives it (`kubelet:node1`, `apiserver`): what `renew --only` takes. Absent without a manifest. */
	readonly id?: string;
	/** The plainest place it is: a certificate file before a kubeconfig, the top of the folder before nodes/. */
	readonly path: string;
	/** The kubeconfig field, when the plainest place is inside a kubeconfig (`users[admin].client-certificate-data`). */
	readonly field?: string;
	readonly role: KubernetesRole;
	readonly isCA: boolean;
	readonly subject: string;
	/** RFC 3339, UTC. */
	readonly notBefore: string;
	readonly notAfter: string;
	/** Seconds from now to notAfter; negative once it has ended. */
	readonly secondsLeft: number;
	readonly state: ExpiryState;
	/** `364d`, `5h`, `expired 3d ago`, `starts in 2d`. */
	readonly residual: string;
	/** The certificate of the set that signed it (its plainest place), `itself` for a root, or null when none here does. */
	readonly signedBy: string | null;
	/** The machines that hold a copy (from nodes/<host>/ or kubeadm's <host>/ folders). */
	readonly machines: readonly string[];
	/** Every other place the same certificate is. */
	readonly copies: readonly string[];
	readonly fingerprintSha256: string;
};

/** A certificate that is listed but not counted, and why. */
export type ExpiryIgnored = {readonly path: string; readonly id?: string; readonly notAfter: string; readonly reason: string};

export type ExpiryReport = {
	readonly now: string;
	readonly withinSeconds: number;
	readonly rows: readonly ExpiryRow[];
	readonly ignored: readonly ExpiryIgnored[];
	/** True when a row is expired, not yet valid or within the window: the exit status is 1. */
	readonly attention: boolean;
};

// Kubernetes reads only the service-account pair's keys (--service-account-key-file takes a public key or a
// certificate and uses only its key): its end date is never checked, so it is shown but never alarms.
export const serviceAccountNote = 'not counted: Kubernetes uses only the keys of the service-account pair and never checks this end date';

/** True for a certificate whose end date nothing checks: the service-account pair's (see serviceAccountNote). */
export function endNotEnforced(item: Pick<Item, 'kubernetes' | 'cert'>): boolean {
	return item.kubernetes?.role === 'service-account' && item.cert?.isCA !== true;
}

const daySeconds = 24 * 3600;

/** The warning window when none is given: the plan's renewal window, which lint's expires-soon uses too. */
export const defaultWithin = `${renewWithinDays}d`;

/** A duration as the flags take it: `30d`, `720h`, `90m`, `0d`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
	const match = /^(\d{1,7})(d|h|m|s)$/.exec(text.trim());
	if (!match) return undefined;
	return Number(match[1]) * {d: daySeconds, h: 3600, m: 60, s: 1}[match[2] as 'd' | 'h' | 'm' | 's'];
}

/** `364d` when a day or more, `5h` / `12m` below; the floor, as kubeadm rounds. */
export function spanText(seconds: number): string {
	const s = Math.max(0, Math.floor(seconds));
	if (s >= daySeconds) return `${Math.floor(s / daySeconds)}d`;
	if (s >= 3600) return `${Math.floor(s / 3600)}h`;
	if (s >= 60) return `${Math.floor(s / 60)}m`;
	return `${s}s`;
}

function residualText(state: ExpiryState, secondsLeft: number, secondsToStart: number): string {
	if (state === 'expired') return `expired ${spanText(-secondsLeft)} ago`;
	if (state === 'not-yet-valid') return `starts in ${spanText(secondsToStart)}`;
	return spanText(secondsLeft);
}

/** The plainer of two copies: a file before a kubeconfig field, then the shallowest path, then by name (kubeadm's first master). */
function plainness(item: Item): [number, number, number, string] {
	return [item.source.startsWith('kubeconfig:') ? 1 : 0, item.path.split(/[\\/]/).length, item.path.length, item.path];
}

function comparePlain(a: Item, b: Item): number {
	const x = plainness(a);
	const y = plainness(b);
	for (let i = 0; i < 2; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
	return x[3] < y[3] ? -1 : x[3] > y[3] ? 1 : 0;
}

function manifestOf(manifests: readonly FolderManifest[], file: string): FolderManifest | undefined {
	const full = path.resolve(file);
	// The nearest folder above the file that has a manifest.
	return manifests
		.filter(m => full.startsWith(path.resolve(m.dir) + path.sep))
		.sort((a, b) => path.resolve(b.dir).length - path.resolve(a.dir).length)[0];
}

function hostsOf(manifest: FolderManifest | undefined): Set<string> {
	const cluster = manifest?.cluster as {masters?: Array<{name?: unknown}>; workers?: Array<{name?: unknown}>} | undefined;
	const names = [...(cluster?.masters ?? []), ...(cluster?.workers ?? [])].map(h => h?.name).filter((n): n is string => typeof n === 'string');
	return new Set(names);
}

/**
 * The machine a file is meant for: `nodes/<host>/...` in the hard-way layout, `<host>/...` in kubeadm's
 * (a host of the manifest's cluster). A file at the top of the folder is on no machine by itself.
 */
export function machineOf(file: string, manifest: FolderManifest | undefined): string | undefined {
	const parts = (manifest ? path.relative(path.resolve(manifest.dir), path.resolve(file)) : file).split(/[\\/]/);
	const at = parts.lastIndexOf(bundlesDir);
	if (at >= 0 && at + 2 < parts.length) return parts[at + 1];
	if (manifest?.layout === 'kubeadm' && parts.length > 1 && hostsOf(manifest).has(parts[0]!)) return parts[0];
	return undefined;
}

/** The rows of a loaded set at `now`, with `withinSeconds` as the warning window. */
export function expiryReport(loaded: LoadResult, now: Date, withinSeconds: number): ExpiryReport {
	const certs = certItems(loaded.items);
	const chain = buildChain(certs);
	const groups = new Map<string, CertItem[]>();
	for (const item of certs) groups.set(item.cert.fingerprintSha256, [...(groups.get(item.cert.fingerprintSha256) ?? []), item]);
	const rows: ExpiryRow[] = [];
	const ignored: ExpiryIgnored[] = [];
	// The signer's plainest place, so every row names the same file for the same CA.
	const plainest = (group: readonly CertItem[]) => [...group].sort(comparePlain)[0]!;
	for (const group of groups.values()) {
		const main = plainest(group);
		// A kubeconfig's plan id is its user's certificate, not the CA embedded beside it.
		const ownFile = (item: CertItem) => !item.source.startsWith('kubeconfig:') || /\.client-certificate(-data)?$/.test(item.source);
		const id = group.filter(ownFile).map(item => manifestOf(loaded.manifests, item.path)?.certIds.get(path.resolve(item.path))).find(Boolean);
		const role = main.kubernetes?.role ?? 'other';
		const end = Date.parse(main.cert.notAfter);
		const start = Date.parse(main.cert.notBefore);
		if (endNotEnforced(main)) {
			ignored.push({path: label(main), ...(id && {id}), notAfter: new Date(end).toISOString(), reason: serviceAccountNote});
			continue;
		}

		const secondsLeft = Math.floor((end - now.getTime()) / 1000);
		const secondsToStart = Math.ceil((start - now.getTime()) / 1000);
		const state: ExpiryState = secondsLeft < 0 ? 'expired' : secondsToStart > 0 ? 'not-yet-valid' : secondsLeft < withinSeconds ? 'within' : 'ok';
		const issuer = chain.selfSigned(main) ? undefined : chain.issuers(main)[0];
		const issuerPlace = issuer && plainest(groups.get(issuer.cert.fingerprintSha256) ?? [issuer]);
		const machines = [...new Set(group.map(item => machineOf(item.path, manifestOf(loaded.manifests, item.path))).filter((m): m is string => Boolean(m)))].sort();
		rows.push({
			...(id && {id}),
			path: main.path,
			...(main.source.startsWith('kubeconfig:') && {field: main.source.slice('kubeconfig:'.length)}),
			role,
			isCA: main.cert.isCA,
			subject: main.cert.subject,
			notBefore: new Date(start).toISOString(),
			notAfter: new Date(end).toISOString(),
			secondsLeft,
			state,
			residual: residualText(state, secondsLeft, secondsToStart),
			signedBy: chain.selfSigned(main) ? 'itself' : issuerPlace ? label(issuerPlace) : null,
			machines,
			copies: group.filter(item => item !== main).sort(comparePlain).map(item => label(item)),
			fingerprintSha256: main.cert.fingerprintSha256,
		});
	}

	// CAs first (a CA's end is every leaf's end), then soonest first, then by name for a stable order.
	rows.sort((a, b) => Number(b.isCA) - Number(a.isCA) || a.secondsLeft - b.secondsLeft || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	return {now: now.toISOString(), withinSeconds, rows, ignored, attention: rows.some(row => row.state !== 'ok')};
}

const stateMark: Record<ExpiryState, string> = {expired: '✗', 'not-yet-valid': '✗', within: '!', ok: '✓'};

/** The date as the table prints it: `2027-12-01 10:05 UTC`. */
function utc(iso: string): string {
	return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A string safe to print on a terminal: control characters (from a hostile subject or file name) escaped. */
function printable(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/[\u0000-\u001F\u007F-\u009F]/g, c => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The text table: one line per certificate, a header, and the notes on what is not counted. */
export function expiryText(report: ExpiryReport, shown: (file: string) => string = file => file): string {
	const header = ['', 'CERTIFICATE', 'ROLE', 'ID', 'EXPIRES', 'RESIDUAL', 'SIGNED BY', 'MACHINES'];
	// A signer next to the certificate is named by its file name alone: the folder is already on the line.
	const signer = (row: ExpiryRow) => {
		if (row.signedBy === null) return 'unknown (no CA here)';
		if (row.signedBy === 'itself') return 'itself';
		return path.dirname(row.signedBy) === path.dirname(row.path) ? path.basename(row.signedBy) : shown(row.signedBy);
	};

	const lines = report.rows.map(row => [
		stateMark[row.state],
		printable(row.field ? `${shown(row.path)} (${row.field})` : shown(row.path)),
		row.isCA ? 'CA' : row.role,
		printable(row.id ?? '-'),
		utc(row.notAfter),
		row.residual,
		printable(signer(row)),
		printable(row.machines.join(',') || '-'),
	]);
	const table = [header, ...lines];
	const widths = header.map((_, i) => Math.max(...table.map(cells => [...cells[i]!].length)));
	const out = table.map(cells => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
	for (const item of report.ignored) out.push(`  ${printable(shown(item.path))}: ends ${utc(item.notAfter)}, ${item.reason}`);
	const count = (state: ExpiryState) => report.rows.filter(row => row.state === state).length;
	const window = spanText(report.withinSeconds);
	out.push(
		report.rows.length === 0
			? 'no certificates found'
			: `${report.rows.length} certificate(s): ${count('expired')} expired, ${count('not-yet-valid')} not yet valid, ${count('within')} ending within ${window}, ${count('ok')} fine`,
	);
	return out.join('\n') + '\n';
}

/** `expiry --json`: a stable shape (documented in the README). */
export function expiryJson(report: ExpiryReport): Record<string, unknown> {
	return {
		now: report.now,
		withinSeconds: report.withinSeconds,
		attention: report.attention,
		certificates: report.rows,
		notCounted: report.ignored,
	};
}
