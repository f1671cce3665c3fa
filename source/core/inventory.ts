// What the viewer lists: one row per distinct certificate (its copies under nodes/ and in kubeconfigs
// folded in), one per kubeconfig (its user's certificate), one per key that pairs with no certificate, one
// per other file. Rows are grouped by the key of the CA that signed them, so two CAs of one name are told
// apart, and each row carries the verdict a TLS peer would reach about it. Pure data: no Ink here.
import {createHash} from 'node:crypto';
import path from 'node:path';
import {buildChain, type Chain} from './lint/chain-index.js';
import type {Finding} from './lint/index.js';
import {certItems, type CertItem} from './lint/types.js';
import {isBroken, partnerOf, type Item} from './pki/load.js';

export type Status = 'error' | 'warning' | 'ok' | 'unreadable';
export type RowKind = 'certificate' | 'kubeconfig' | 'key' | 'other';
export type SortKey = 'name' | 'expiry' | 'severity';
export const sortKeys: readonly SortKey[] = ['name', 'expiry', 'severity'];

/** Who signed a row: the CA's key (short SHA-256 of its public key) and name, or a signer that is not here. */
export type Group = {
	readonly id: string;
	readonly label: string;
	/** CA groups first, then kubeconfigs without a certificate, keys and requests, other files. */
	readonly rank: number;
};

export type Row = {
	readonly id: string;
	readonly kind: RowKind;
	/** The item whose detail is shown: the plainest copy of a certificate, the kubeconfig, the key, the file. */
	readonly item: Item;
	/** The certificate the row stands for (a kubeconfig's: its current user's). */
	readonly cert?: CertItem;
	/** Every item with this certificate: files and kubeconfig fields (the row's own included). */
	readonly copies: readonly CertItem[];
	/** Private keys (and public keys) that pair with it. */
	readonly keys: readonly Item[];
	/** Every item the row stands for: its findings are shown on it. */
	readonly members: readonly Item[];
	readonly findings: readonly Finding[];
	/** What makes a TLS peer refuse it (chain, key, validity), in words: each makes the row ✗. */
	readonly problems: readonly string[];
	readonly status: Status;
	/** Short path (from the folder every path shares), the block of a bundle, and ×N for N file copies. */
	readonly name: string;
	readonly role: string;
	readonly notAfter?: string;
	readonly secondsLeft?: number;
	/** Who signed it, in words (a path, "itself", or that no certificate here verifies it). */
	readonly signedBy?: string;
	readonly signer?: CertItem;
	readonly group: Group;
	/** Lower-case text `/` searches: names, subject, SANs. */
	readonly search: string;
	/** A kubeconfig's embedded CAs: where else each is, and whether it signed the user's certificate. */
	readonly embeds?: readonly string[];
};

const isEmbedded = (item: Item) => item.source.startsWith('kubeconfig:');
const isUserCert = (item: Item) => /^kubeconfig:users\[.*\]\.client-certificate(-data)?$/.test(item.source);
const isUserKey = (item: Item) => /^kubeconfig:users\[.*\]\.client-key(-data)?$/.test(item.source);

/** The folder every path shares, so rows show short names. */
export function commonRoot(items: readonly Item[]): string {
	// A live endpoint's certificates (path `https://HOST:PORT`) are not in a folder.
	const dirs = items.filter(item => !isUrl(item.path)).map(item => path.dirname(item.path).split(path.sep));
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

const isUrl = (file: string) => /^https:\/\//.test(file);

function shortPath(root: string, file: string): string {
	if (isUrl(file)) return file;
	return root ? path.relative(root, file) || path.basename(file) : file;
}

/** Of the copies of one certificate, the one a person names it by: a file before a kubeconfig field, the shallowest. */
function plainest<T extends Item>(copies: readonly T[]): T {
	const score = (item: Item) => [isEmbedded(item) ? 1 : 0, item.path.split(path.sep).length, item.path.length];
	return [...copies].sort((a, b) => {
		const [x, y] = [score(a), score(b)];
		return x.map((v, i) => v - y[i]!).find(d => d !== 0) ?? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
	})[0]!;
}

const keyId = (spki: Uint8Array | undefined) => (spki ? createHash('sha256').update(spki).digest('hex').slice(0, 8) : 'unknown');

/** Short role names for the role column; the detail shows the whole word. */
const shortRoles: Record<string, string> = {
	'controller-manager': 'ctrl-mgr',
	'service-account': 'svc-acct',
	'apiserver-kubelet-client': 'api→kubelet',
	'apiserver-etcd-client': 'api→etcd',
	'front-proxy-client': 'front-proxy',
	'etcd-healthcheck-client': 'etcd-health',
	other: '',
};

export function shortRole(role: string | undefined): string {
	if (!role) return '';
	return shortRoles[role] ?? role;
}

const dayMs = 86_400_000;

/** Whole days left, rounded down as `kubeadm certs check-expiration` does; negative once expired. */
export function daysLeft(row: Pick<Row, 'secondsLeft'>): number | undefined {
	return row.secondsLeft === undefined ? undefined : Math.floor((row.secondsLeft * 1000) / dayMs);
}

function isRealCa(item: CertItem): boolean {
	const ku = item.cert.keyUsage;
	return item.cert.isCA && (ku.length === 0 || ku.includes('keyCertSign'));
}

const sameKey = (a?: Uint8Array, b?: Uint8Array) => Boolean(a && b && Buffer.from(a).equals(Buffer.from(b)));

type Signing = {signer?: CertItem; selfSigned: boolean; group: Group; signedBy: string; problems: string[]};

function signing(cert: CertItem, chain: Chain, anyCa: boolean, show: (file: string) => string): Signing {
	if (chain.selfSigned(cert)) {
		return {selfSigned: true, group: caGroup(cert), signedBy: 'itself (self-signed)', problems: []};
	}

	const issuers = chain.issuers(cert);
	const signer = issuers.find(isRealCa) ?? issuers[0];
	if (signer) {
		const problems = isRealCa(signer) ? [] : [`signed by ${show(signer.path)}, which is not a CA (no CA:TRUE with keyCertSign): TLS clients reject it`];
		return {signer, selfSigned: false, group: caGroup(signer), signedBy: `${signer.path} ✓ signature checked`, problems};
	}

	const issuer = cert.cert.issuerCommonName || cert.cert.issuer || '(empty issuer)';
	const namesake = chain.sameName(cert).find(other => other.cert.fingerprintSha256 !== cert.cert.fingerprintSha256);
	const problems = !anyCa
		? []
		: namesake
			? [`a CA named ${issuer} is here (${show(namesake.path)}) but its key did not sign this: peers fail with "x509: certificate signed by unknown authority"`]
			: [`signed by ${issuer}, which is not here: peers that trust only the CAs here refuse it`];
	return {
		selfSigned: false,
		group: {id: `absent:${cert.cert.issuer}`, label: namesake ? `signed by another ${issuer} (not here)` : `signer not here: ${issuer}`, rank: 1},
		signedBy: `no certificate here verifies it (issuer ${cert.cert.issuer || 'empty'})`,
		problems,
	};
}

function caGroup(ca: CertItem): Group {
	const name = ca.cert.commonName || ca.cert.subject || '(no name)';
	return {id: `key:${keyId(ca.raw?.spki)}`, label: `${name} · key ${keyId(ca.raw?.spki)}`, rank: 0};
}

function validityProblems(cert: CertItem, now: Date): string[] {
	const start = Date.parse(cert.cert.notBefore);
	const end = Date.parse(cert.cert.notAfter);
	if (now.getTime() > end) return [`expired on ${cert.cert.notAfter.slice(0, 10)}`];
	if (now.getTime() < start) return [`not valid before ${cert.cert.notBefore.slice(0, 10)}`];
	return [];
}

const statusRank: Record<Status, number> = {error: 0, warning: 1, ok: 2, unreadable: 3};

function statusOf(kind: RowKind, item: Item, problems: readonly string[], findings: readonly Finding[]): Status {
	if (problems.length > 0 || findings.some(f => f.severity === 'error')) return 'error';
	if (findings.some(f => f.severity === 'warning')) return 'warning';
	if (kind === 'other') return isBroken(item) ? 'error' : 'unreadable';
	return 'ok';
}

const findingKey = (file: string, source: string, block?: number) => `${path.resolve(file)}\n${source}\n${block ?? 0}`;

/** Every row of what was read, in the order of `sortRows(rows, 'name')`. */
export function inventory(items: readonly Item[], findings: readonly Finding[], options: {now?: Date; chain?: Chain} = {}): Row[] {
	const now = options.now ?? new Date();
	const certs = certItems(items);
	const chain = options.chain ?? buildChain(certs);
	const anyCa = certs.some(item => item.cert.isCA);
	const root = commonRoot(items);
	const byFingerprint = new Map<string, CertItem[]>();
	for (const cert of certs) byFingerprint.set(cert.cert.fingerprintSha256, [...(byFingerprint.get(cert.cert.fingerprintSha256) ?? []), cert]);

	// Findings by the item they are about; a finding about a whole file goes to the file's first row.
	const byItem = new Map<string, Finding[]>();
	const byFile = new Map<string, Finding[]>();
	for (const finding of findings) {
		const map = finding.item ? byItem : byFile;
		const key = finding.item ? findingKey(finding.path, finding.item.source, finding.item.block) : path.resolve(finding.path);
		map.set(key, [...(map.get(key) ?? []), finding]);
	}

	// Keys join the row of the certificate they pair with (a copy's key joins the copy's row).
	const keysOf = new Map<string, Item[]>();
	const pairedKeys = new Set<Item>();
	for (const key of items.filter(item => item.kind === 'private-key' || item.kind === 'public-key')) {
		const partner = key.kind === 'private-key' ? partnerOf(key, items) : undefined;
		if (partner?.kind !== 'certificate' || !partner.cert) continue;
		pairedKeys.add(key);
		keysOf.set(partner.cert.fingerprintSha256, [...(keysOf.get(partner.cert.fingerprintSha256) ?? []), key]);
	}

	const rows: Row[] = [];
	const filesWithRow = new Set<string>();
	// `files`: the files whose findings about the whole file this row takes (the first row to ask gets them).
	const findingsOf = (members: readonly Item[], files: readonly Item[]) => {
		const own = members.flatMap(member => byItem.get(findingKey(member.path, member.source, member.block)) ?? []);
		const claimed = [...new Set(files.map(file => path.resolve(file.path)))].filter(file => !filesWithRow.has(file));
		for (const file of claimed) filesWithRow.add(file);
		return [...own, ...claimed.flatMap(file => byFile.get(file) ?? [])];
	};

	const certRow = (kind: RowKind, item: Item, cert: CertItem, copies: CertItem[], members: Item[], name: string, files: readonly Item[] = [item]): Row => {
		// A kubeconfig's own user key is its row's; the key files next to a certificate are the certificate's.
		const keys = (keysOf.get(cert.cert.fingerprintSha256) ?? []).filter(key => (kind === 'kubeconfig' ? files.some(file => file.path === key.path) : !isEmbedded(key)));
		const signed = signing(cert, chain, anyCa, file => shortPath(root, file));
		const mismatched = keys.filter(key => key.raw?.spki && !sameKey(key.raw.spki, cert.raw?.spki));
		const problems = [
			...signed.problems,
			...validityProblems(cert, now),
			...mismatched.map(key => `${shortPath(root, key.path)}${isEmbedded(key) ? ` (${key.source.slice(11)})` : ''} does not match it: "tls: private key does not match public key"`),
		];
		const all = [...members, ...keys.filter(key => !members.includes(key))];
		const rowFindings = findingsOf(all, [...files, ...keys]);
		const end = Date.parse(cert.cert.notAfter);
		return {
			id: `${kind}:${kind === 'kubeconfig' ? item.path : cert.cert.fingerprintSha256}`,
			kind,
			item,
			cert,
			copies,
			keys,
			members: all,
			findings: rowFindings,
			problems,
			status: statusOf(kind, item, problems, rowFindings),
			name,
			role: (kind === 'kubeconfig' ? cert : item).kubernetes?.role ?? '',
			notAfter: cert.cert.notAfter,
			...(Number.isNaN(end) ? {} : {secondsLeft: Math.floor((end - now.getTime()) / 1000)}),
			signedBy: signed.signedBy,
			...(signed.signer ? {signer: signed.signer} : {}),
			// What a live endpoint serves is a root of its own: the server, then its chain.
			group: item.source === 'tls' ? {id: `endpoint:${item.path}`, label: `served by ${item.path}`, rank: 0} : signed.group,
			search: [name, item.path, cert.cert.subject, cert.cert.issuer, ...cert.cert.dnsNames, ...cert.cert.ipAddresses].join('\n').toLowerCase(),
		};
	};

	// Certificates: one row per fingerprint, unless its only copies are kubeconfig users (their kubeconfig rows stand for them).
	for (const copies of byFingerprint.values()) {
		if (copies.every(isUserCert)) continue;
		const item = plainest(copies);
		const files = copies.filter(copy => !isEmbedded(copy));
		const base = isEmbedded(item) ? `${shortPath(root, item.path)} · ${embeddedLabel(item.source)}` : `${shortPath(root, item.path)}${item.block ? ` #${item.block}` : ''}`;
		const name = files.length > 1 ? `${base} ×${files.length}` : base;
		// A user certificate embedded in a kubeconfig is that kubeconfig's row's, not this one's.
		rows.push(certRow('certificate', item, item, copies, copies.filter(copy => !isUserCert(copy)), name));
	}

	// Kubeconfigs: one row per distinct kubeconfig (copies under nodes/ folded in), standing for its current user's certificate.
	const kubeconfigCopies = new Map<string, Item[]>();
	const inFileOf = (kubeconfig: Item) => items.filter(item => item.path === kubeconfig.path && item !== kubeconfig);
	for (const kubeconfig of items.filter(item => item.kind === 'kubeconfig')) {
		const embedded = inFileOf(kubeconfig).map(item => `${item.source}=${item.cert?.fingerprintSha256 ?? (item.raw?.spki ? keyId(item.raw.spki) : item.error ?? '')}`);
		const id = [path.basename(kubeconfig.path), JSON.stringify(kubeconfig.kubeconfig), ...embedded].join('\n');
		kubeconfigCopies.set(id, [...(kubeconfigCopies.get(id) ?? []), kubeconfig]);
	}

	for (const copies of kubeconfigCopies.values()) {
		const kubeconfig = plainest(copies);
		const inFile = copies.flatMap(inFileOf);
		const user = currentUserCert(kubeconfig, inFileOf(kubeconfig));
		const name = `${shortPath(root, kubeconfig.path)}${copies.length > 1 ? ` ×${copies.length}` : ''}`;
		const members = [...copies, ...inFile.filter(item => isUserCert(item) || isUserKey(item) || item.kind === 'unreadable')];
		const embeds = certItems(inFileOf(kubeconfig))
			.filter(item => /^kubeconfig:clusters\[/.test(item.source))
			.map(ca => {
				const file = (byFingerprint.get(ca.cert.fingerprintSha256) ?? []).filter(copy => !isEmbedded(copy));
				const where = file.length > 0 ? shortPath(root, plainest(file).path) : `${ca.cert.commonName || ca.cert.subject} (in no file here)`;
				const verdict = user ? (chain.verifies(ca, user) ? ' ✓ signed the user certificate' : ' ✗ did not sign the user certificate') : '';
				return `${embeddedLabel(ca.source)}: ${where}${verdict}`;
			});
		if (user) {
			rows.push({...certRow('kubeconfig', kubeconfig, user, byFingerprint.get(user.cert.fingerprintSha256) ?? [user], members, name, copies), search: `${name}\n${kubeconfig.path}\n${searchOf(user)}`, embeds});
			continue;
		}

		const rowFindings = findingsOf(members, copies);
		rows.push({
			id: `kubeconfig:${kubeconfig.path}`,
			kind: 'kubeconfig',
			item: kubeconfig,
			copies: [],
			keys: [],
			members,
			findings: rowFindings,
			problems: [],
			status: statusOf('kubeconfig', kubeconfig, [], rowFindings),
			name,
			role: kubeconfig.kubernetes?.role ?? '',
			group: {id: 'kubeconfigs', label: 'kubeconfigs without a client certificate', rank: 2},
			search: `${name}\n${kubeconfig.path}`.toLowerCase(),
			embeds,
		});
	}

	// Keys and requests that pair with no certificate here: one row per key (its copies folded in).
	const loose = new Map<string, Item[]>();
	for (const item of items.filter(i => (i.kind === 'private-key' || i.kind === 'public-key' || i.kind === 'csr') && !pairedKeys.has(i) && !isEmbedded(i))) {
		const id = `${item.kind === 'csr' ? 'csr' : 'key'}:${item.raw?.spki ? keyId(item.raw.spki) : item.path}`;
		loose.set(id, [...(loose.get(id) ?? []), item]);
	}

	for (const [id, copies] of loose) {
		const item = plainest(copies);
		const files = new Set(copies.map(copy => copy.path)).size;
		const name = `${shortPath(root, item.path)}${files > 1 ? ` ×${files}` : ''}`;
		const rowFindings = findingsOf(copies, copies);
		rows.push({
			id,
			kind: 'key',
			item,
			copies: [],
			keys: copies,
			members: copies,
			findings: rowFindings,
			problems: [],
			status: statusOf('key', item, [], rowFindings),
			name,
			role: item.kubernetes?.role ?? '',
			group: {id: 'keys', label: 'keys and requests', rank: 3},
			search: [name, item.path, item.csr?.subject ?? '', ...(item.csr?.dnsNames ?? [])].join('\n').toLowerCase(),
		});
	}

	// Everything else: one row per file that yielded no row above (a unit, a script, a broken file).
	for (const item of items.filter(i => i.kind === 'unreadable' && !isEmbedded(i))) {
		if (rows.some(row => row.members.includes(item))) continue;
		const name = `${shortPath(root, item.path)}${item.block ? ` #${item.block}` : ''}`;
		const rowFindings = findingsOf([item], [item]);
		rows.push({
			id: `other:${item.path}:${item.block ?? 0}`,
			kind: 'other',
			item,
			copies: [],
			keys: [],
			members: [item],
			findings: rowFindings,
			problems: [],
			status: statusOf('other', item, [], rowFindings),
			name,
			role: '',
			group: {id: 'other', label: 'other files', rank: 4},
			search: `${name}\n${item.path}`.toLowerCase(),
		});
	}

	// A finding nothing above claimed (a file-level one on a file whose rows took none) still shows somewhere.
	const shown = new Set(rows.flatMap(row => row.findings));
	const orphans = findings.filter(finding => !shown.has(finding));
	if (orphans.length > 0) {
		for (const [index, row] of rows.entries()) {
			const mine = orphans.filter(finding => row.members.some(member => path.resolve(member.path) === path.resolve(finding.path)));
			if (mine.length === 0) continue;
			const all = [...row.findings, ...mine];
			rows[index] = {...row, findings: all, status: statusOf(row.kind, row.item, row.problems, all)};
			for (const finding of mine) orphans.splice(orphans.indexOf(finding), 1);
		}
	}

	return sortRows(rows, 'name');
}

function searchOf(cert: CertItem): string {
	return [cert.cert.subject, cert.cert.issuer, ...cert.cert.dnsNames, ...cert.cert.ipAddresses].join('\n').toLowerCase();
}

/** A kubeconfig's embedded parts, named short: `CA of kthw`, `user admin`. */
export function embeddedLabel(source: string): string {
	const field = source.slice('kubeconfig:'.length);
	const user = /^users\[(.*)\]\.client-(certificate|key)(-data)?$/.exec(field);
	if (user) return user[2] === 'key' ? `key of ${user[1]}` : `user ${user[1]}`;
	const cluster = /^clusters\[(.*)\]\.certificate-authority(-data)?$/.exec(field);
	return cluster ? `CA of ${cluster[1]}` : field;
}

/** The certificate of the user the current context names, else the first user certificate of the file. */
function currentUserCert(kubeconfig: Item, inFile: readonly Item[]): CertItem | undefined {
	const users = certItems(inFile).filter(isUserCert);
	const outline = kubeconfig.kubeconfig;
	const context = outline?.contexts.find(c => c.name === outline.currentContext);
	return (context && users.find(u => u.source === `kubeconfig:users[${context.user}].client-certificate-data` || u.source === `kubeconfig:users[${context.user}].client-certificate`)) ?? users[0];
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function rowOrder(key: SortKey): (a: Row, b: Row) => number {
	const byName = (a: Row, b: Row) => compareText(a.name, b.name);
	const left = (row: Row) => row.secondsLeft ?? Number.POSITIVE_INFINITY;
	const byExpiry = (a: Row, b: Row) => left(a) - left(b) || byName(a, b);
	// A CA first in its own group when sorted by name: the group's root, then what it signed.
	const selfFirst = (a: Row, b: Row) => Number(b.group.id === `key:${keyId(b.cert?.raw?.spki)}` && b.cert?.cert.isCA) - Number(a.group.id === `key:${keyId(a.cert?.raw?.spki)}` && a.cert?.cert.isCA);
	switch (key) {
		case 'name': {
			return (a, b) => selfFirst(a, b) || byName(a, b);
		}

		case 'expiry': {
			return byExpiry;
		}

		case 'severity': {
			return (a, b) => statusRank[a.status] - statusRank[b.status] || byExpiry(a, b);
		}
	}
}

/**
 * Rows in groups (the CAs' groups first), sorted within each group by `key`; groups follow the same order
 * by their first row, so with `expiry` the certificate that ends soonest is the first row.
 */
export function sortRows(rows: readonly Row[], key: SortKey): Row[] {
	const order = rowOrder(key);
	const groups = new Map<string, Row[]>();
	for (const row of rows) groups.set(row.group.id, [...(groups.get(row.group.id) ?? []), row]);
	const sorted = [...groups.values()].map(members => [...members].sort(order));
	sorted.sort((a, b) => a[0]!.group.rank - b[0]!.group.rank || (key === 'name' ? compareText(a[0]!.group.label, b[0]!.group.label) : order(a[0]!, b[0]!)));
	return sorted.flat();
}

/** Rows whose names, subjects or SANs hold `query` (case-insensitive), in list order. */
export function matches(rows: readonly Row[], query: string): number[] {
	const needle = query.trim().toLowerCase();
	if (!needle) return [];
	return rows.flatMap((row, index) => (row.search.includes(needle) ? [index] : []));
}
