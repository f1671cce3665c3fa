// inspect's two headless faces: the JSON document (field names fixed by issue 4, scripts rely on them)
// and a plain-text report for pipes. Both are pure: items and findings in, data or lines out.
import {recoverFolder} from './write.js';
import path from 'node:path';
import {buildChain, checkSignatures, label} from './lint/chain-index.js';
import {hasErrors, lint, type Finding} from './lint/index.js';
import {certItems} from './lint/types.js';
import {isBroken, loadPaths, parseBytes, type Item, type LoadResult} from './pki/load.js';
import type {CsrInfo} from './pki/parse-der.js';
import {printable} from './printable.js';
import {expiryReport, expiryText} from './expiry.js';
import {renewWithinDays} from './plan.js';
import type {EndpointReport} from './endpoint.js';

export type JsonItem = Record<string, unknown> & {path: string; kind: Item['kind']; source: string};

/** What a certificate and the request for it both carry: the subject, the SANs asked for, and the key. */
function requestedFields(c: CsrInfo) {
	return {
		subject: c.subject,
		commonName: c.commonName,
		organizations: c.organizations,
		organizationalUnits: c.organizationalUnits,
		dnsNames: c.dnsNames,
		ipAddresses: c.ipAddresses,
		publicKey: c.publicKey,
		signatureAlgorithm: c.signatureAlgorithm,
		fingerprintSha256: c.fingerprintSha256,
	};
}

/** One item as `inspect --json` prints it: no raw bytes, never any private key material. */
export function jsonItem(item: Item): JsonItem {
	const base: JsonItem = {path: item.path, kind: item.kind, source: item.source, ...(item.block === undefined ? {} : {block: item.block}), ...(item.referenced ? {referenced: item.referenced} : {})};
	const kubernetes = item.kubernetes && {user: item.kubernetes.user, groups: [...item.kubernetes.groups], role: item.kubernetes.role};
	switch (item.kind) {
		case 'certificate': {
			const c = item.cert!;
			return {
				...base,
				...requestedFields(c),
				issuer: c.issuer,
				serial: c.serial,
				notBefore: c.notBefore,
				notAfter: c.notAfter,
				keyUsage: c.keyUsage,
				extKeyUsage: c.extKeyUsage,
				isCA: c.isCA,
				kubernetes,
			};
		}

		case 'csr': {
			return {...base, ...requestedFields(item.csr!), kubernetes};
		}

		case 'private-key':
		case 'public-key': {
			return {...base, publicKey: item.publicKey, ...(item.encrypted ? {encrypted: true} : {}), kubernetes};
		}

		case 'kubeconfig': {
			return {...base, ...item.kubeconfig, kubernetes};
		}

		case 'unreadable': {
			return {...base, error: item.error ?? 'unreadable'};
		}
	}
}

export type Inspection = {
	readonly loaded: LoadResult;
	readonly findings: Finding[];
	/** For each certificate, who signed it: the viewer's and the report's chain line. */
	readonly signedBy?: ReadonlyMap<Item, string>;
	/** For each certificate, the other places the same certificate is (nodes/<host>/ copies, kubeconfigs). */
	readonly copies?: ReadonlyMap<Item, readonly Item[]>;
	/** Live endpoints (`inspect https://HOST:PORT`): what each served and the verdicts (inspect-live.ts). */
	readonly endpoints?: readonly EndpointReport[];
};

/** Load and lint: what inspect, lint and the viewer all start from. */
export async function inspectPaths(
	paths: readonly string[],
	now = new Date(),
	input: {readonly stdin?: Uint8Array; readonly onProgress?: (read: number, total: number) => void} = {},
): Promise<Inspection> {
	// A folder a killed run left half-committed is finished (or its uncommitted staging dropped) before it is read.
	await Promise.all(paths.map(async given => recoverFolder(given).catch(() => undefined)));
	const fromPaths = paths.length > 0 ? await loadPaths(paths, input.onProgress ? {onProgress: input.onProgress} : {}) : {items: [], manifests: [], files: [], folders: []};
	// `-`: standard input, read like one file named `-` (PEM, DER, a kubeconfig, Secrets and ConfigMaps).
	const loaded: LoadResult = input.stdin ? {...fromPaths, items: [...fromPaths.items, ...parseBytes('-', input.stdin)]} : fromPaths;
	// The signatures the chain checks below will ask about, checked on the thread pool (both cores) beforehand.
	await checkSignatures(loaded.items);
	return {loaded, findings: lint(loaded, {now}), signedBy: signers(loaded.items), copies: copiesOf(loaded.items)};
}

/** Where else each certificate is, byte for byte (same fingerprint): how one file was distributed. */
export function copiesOf(items: readonly Item[]): Map<Item, Item[]> {
	const byFingerprint = new Map<string, Item[]>();
	for (const item of certItems(items)) byFingerprint.set(item.cert.fingerprintSha256, [...(byFingerprint.get(item.cert.fingerprintSha256) ?? []), item]);
	const result = new Map<Item, Item[]>();
	for (const group of byFingerprint.values()) {
		if (group.length < 2) continue;
		for (const item of group) result.set(item, group.filter(other => other !== item));
	}

	return result;
}

// The detail names a few copies; the counts say the rest (a CA is in every kubeconfig of the folder).
const copiesShown = 3;

function copiesText(copies: readonly Item[]): string {
	const files = copies.filter(item => !item.source.startsWith('kubeconfig:')).map(item => item.path);
	const kubeconfigs = new Set(copies.filter(item => item.source.startsWith('kubeconfig:')).map(item => item.path)).size;
	files.sort((a, b) => a.split(path.sep).length - b.split(path.sep).length || (a < b ? -1 : a > b ? 1 : 0));
	const named = files.slice(0, copiesShown).join(', ') + (files.length > copiesShown ? ` and ${files.length - copiesShown} more` : '');
	const parts = [
		...(files.length > 0 ? [`${files.length} file${files.length === 1 ? '' : 's'} (${named})`] : []),
		...(kubeconfigs > 0 ? [`${kubeconfigs} kubeconfig${kubeconfigs === 1 ? '' : 's'} (embedded)`] : []),
	];
	return `also in ${parts.join(' and ')}`;
}

/** Who signed each certificate, in words: itself, a file of the set (whose signature was checked), or no one here. */
export function signers(items: readonly Item[]): Map<Item, string> {
	const certs = certItems(items);
	const chain = buildChain(certs);
	const result = new Map<Item, string>();
	for (const item of certs) {
		if (chain.selfSigned(item)) {
			result.set(item, 'itself (self-signed)');
			continue;
		}

		const issuer = chain.issuers(item)[0];
		result.set(item, issuer ? `${label(issuer)} ✓ signature checked` : `no certificate here verifies it (issuer ${item.cert.issuer || 'empty'})`);
	}

	return result;
}

/**
 * The JSON document. Each certificate also carries `signedBy` (the path of the certificate whose key verifies
 * it, `itself`, or null when none read does), `copies` (the other places the same certificate is, as
 * `path` or `path (kubeconfig field)`), and `secondsLeft` (negative once ended); each finding its `item`.
 */
export function inspectJson({loaded, findings, endpoints}: Inspection, now = new Date()): {items: JsonItem[]; findings: Finding[]; endpoints?: readonly EndpointReport[]} {
	const certs = certItems(loaded.items);
	const chain = buildChain(certs);
	const copies = copiesOf(loaded.items);
	const extra = new Map<Item, Record<string, unknown>>();
	for (const cert of certs) {
		const issuer = chain.selfSigned(cert) ? 'itself' : (chain.issuers(cert)[0]?.path ?? null);
		const end = Date.parse(cert.cert.notAfter);
		extra.set(cert, {
			signedBy: issuer,
			copies: (copies.get(cert) ?? []).map(copy => label(copy)),
			secondsLeft: Number.isNaN(end) ? null : Math.floor((end - now.getTime()) / 1000),
		});
	}

	return {items: loaded.items.map(item => ({...jsonItem(item), ...extra.get(item)})), findings, ...(endpoints ? {endpoints} : {})};
}

const marks = {error: '✗', warning: '!', info: '·'} as const;

/** One finding as a line: mark, severity, rule id, message (marks carry the meaning, not colour). */
export function findingLine(finding: Finding): string {
	return `${marks[finding.severity]} ${finding.severity} ${finding.rule}: ${finding.message}`;
}

function day(iso: string): string {
	return iso.slice(0, 10);
}

function keyText(key: Item['publicKey']): string {
	if (!key) return 'unknown';
	return [key.algorithm, key.curve ?? (key.bits ? String(key.bits) : '')].filter(Boolean).join(' ');
}

const dayMs = 24 * 60 * 60 * 1000;

/** How a validity period stands today, in whole days (rounded down, as `kubeadm certs check-expiration` does). */
export function validityState(notBefore: string, notAfter: string, now: Date): string {
	const start = Date.parse(notBefore);
	const end = Date.parse(notAfter);
	if (Number.isNaN(start) || Number.isNaN(end)) return 'dates unreadable';
	const days = (ms: number) => {
		const count = Math.floor(ms / dayMs);
		return count === 1 ? '1 day' : `${count} days`;
	};

	if (now.getTime() < start) return `not valid for another ${days(start - now.getTime())}`;
	if (now.getTime() > end) return `expired ${days(now.getTime() - end)} ago`;
	return `${days(end - now.getTime())} left`;
}

/** The detail rows of an item: [label, value]. The text report and the viewer show the same rows. */
export function detailRows(item: Item, signedBy?: string, now = new Date(), copies: readonly Item[] = []): Array<[string, string]> {
	const k8s = item.kubernetes;
	const k8sRow: Array<[string, string]> = k8s
		? [['Kubernetes', `${k8s.user === null ? 'cannot log in' : `user ${k8s.user}, groups ${k8s.groups.join(', ') || '(none)'}`}; role ${k8s.role}`]]
		: [];
	switch (item.kind) {
		case 'certificate': {
			const c = item.cert!;
			const sans = [...c.dnsNames.map(n => `DNS:${n}`), ...c.ipAddresses.map(ip => `IP:${ip}`)];
			return [
				...(item.referenced ? [['File', `${item.referenced} (named by the kubeconfig)`] as [string, string]] : []),
				['Subject', c.subject || '(empty)'],
				['Issuer', c.issuer || '(empty)'],
				...(signedBy ? [['Signed by', signedBy] as [string, string]] : []),
				...(copies.length > 0 ? [['Copies', copiesText(copies)] as [string, string]] : []),
				...k8sRow,
				['Valid', `${day(c.notBefore)} → ${day(c.notAfter)} (${validityState(c.notBefore, c.notAfter, now)})`],
				...(sans.length > 0 ? [['SANs', sans.join(', ')] as [string, string]] : []),
				['Usage', [c.isCA ? 'CA:TRUE' : 'CA:FALSE', ...c.keyUsage, ...c.extKeyUsage].join(', ')],
				['Key', `${keyText(c.publicKey)}, signed ${c.signatureAlgorithm}`],
				['Serial', c.serial],
				['SHA-256', c.fingerprintSha256],
			];
		}

		case 'csr': {
			const c = item.csr!;
			const sans = [...c.dnsNames.map(n => `DNS:${n}`), ...c.ipAddresses.map(ip => `IP:${ip}`)];
			return [['Subject', c.subject || '(empty)'], ...k8sRow, ...(sans.length > 0 ? [['SANs', sans.join(', ')] as [string, string]] : []), ['Key', keyText(c.publicKey)]];
		}

		case 'private-key':
		case 'public-key': {
			return [
				...(item.referenced ? [['File', `${item.referenced} (named by the kubeconfig)`] as [string, string]] : []),
				['Key', item.encrypted ? 'encrypted (needs a passphrase; not checked)' : keyText(item.publicKey)],
				...(k8s ? [['Role', k8s.role] as [string, string]] : []),
			];
		}

		case 'kubeconfig': {
			const k = item.kubeconfig!;
			// Every context, cluster and user, not only the current one: ~/.kube/config often holds several.
			return [
				['Context', k.currentContext ?? '(no current-context)'],
				...k.contexts.filter(c => c.name !== k.currentContext || k.contexts.length > 1).map((c): [string, string] => ['Context', `${c.name}${c.name === k.currentContext ? ' (current)' : ''}: cluster ${c.cluster}, user ${c.user}`]),
				...k.clusters.map((c): [string, string] => [
					'Cluster',
					`${c.name} → ${c.server ?? '(no server)'}${c.certificateAuthority ? `, CA file ${c.certificateAuthority}` : ''}${c.insecureSkipTlsVerify ? ', insecure-skip-tls-verify (TLS not checked)' : ''}`,
				]),
				...k.users.map((u): [string, string] => ['User', `${u.name} (${u.auth}${[u.clientCertificate, u.clientKey].some(Boolean) ? `; files ${[u.clientCertificate, u.clientKey].filter(Boolean).join(', ')}` : ''})`]),
				...(k8s && k8s.role !== 'other' ? [['Role', k8s.role] as [string, string]] : []),
			];
		}

		case 'unreadable': {
			return [['Error', item.error ?? 'unreadable']];
		}
	}
}

/** The plain report for a pipe: each item, its rows, the findings of its file, then a summary line. */
export function inspectText({loaded, findings, signedBy, copies}: Inspection, cwd: string, now = new Date()): string {
	// First the answer to "what ends next": the table of kubepki expiry, one line per certificate, soonest first.
	const table = expiryText(expiryReport(loaded, now, renewWithinDays * 86_400), file => shown(cwd, file)).trimEnd();
	const lines: string[] = [...table.split('\n'), ''];
	const byPath = new Map<string, Finding[]>();
	for (const finding of findings) byPath.set(finding.path, [...(byPath.get(finding.path) ?? []), finding]);
	const items = loaded.items;
	items.forEach((item, index) => {
		lines.push(`${shown(cwd, item.path)}  ${item.kind}${item.block ? ` #${item.block}` : ''} (${item.source})`);
		for (const [name, value] of detailRows(item, signedBy?.get(item), undefined, copies?.get(item))) lines.push(`  ${name.padEnd(10)} ${value}`);
		// A file's findings follow its last item.
		if (items[index + 1]?.path !== item.path) for (const finding of byPath.get(item.path) ?? []) lines.push(`  ${findingLine(finding)}`);
		lines.push('');
	});
	lines.push(summaryLine(loaded.items, findings));
	// Subjects and file names are whatever the files say: escaped, so they cannot drive the terminal.
	return lines.map(printable).join('\n') + '\n';
}

export function summaryLine(items: readonly Item[], findings: readonly Finding[]): string {
	const files = new Set(items.map(item => item.path)).size;
	const count = (kind: Item['kind']) => items.filter(item => item.kind === kind).length;
	const severity = (s: Finding['severity']) => findings.filter(f => f.severity === s).length;
	const broken = items.filter(isBroken).length;
	const notPki = count('unreadable') - broken;
	return `${files} file(s): ${count('certificate')} certificate(s), ${count('private-key')} key(s), ${count('kubeconfig')} kubeconfig(s), ${count('csr') + count('public-key')} other, ${broken} unreadable, ${notPki} with no certificate or key; findings: ${severity('error')} error(s), ${severity('warning')} warning(s), ${severity('info')} info`;
}

function shown(cwd: string, file: string): string {
	// A live endpoint's certificates are named by its URL, not a path.
	if (isEndpointPath(file)) return file;
	const relative = path.relative(cwd, path.resolve(cwd, file));
	return relative.startsWith('..') ? file : relative || '.';
}

/** The path of a served certificate (`https://HOST:PORT`), which no file has. */
export function isEndpointPath(file: string): boolean {
	return /^https:\/\//.test(file);
}

export {hasErrors};
