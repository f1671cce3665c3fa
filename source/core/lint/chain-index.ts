// Who signed what, among the certificates in the set. Signatures are checked with node:crypto
// (OpenSSL); each certificate and public key is imported once, and each pair is verified once per process:
// the verdicts are kept with the parsed bytes (item.raw), so lint, inspect's signers and its JSON, expiry and
// the viewer, each building a chain over the same items, share them. checkSignatures checks the pairs a chain
// will ask about on libuv's thread pool beforehand, so that the synchronous checks find them waiting.
import {createPublicKey, verify as cryptoVerify, X509Certificate, type KeyObject} from 'node:crypto';
import type {Item} from '../pki/load.js';
import type {CertItem} from './types.js';

export type Chain = {
	/** True when the certificate is self-issued and its own key verifies it (a root, or a self-signed leaf). */
	readonly selfSigned: (item: CertItem) => boolean;
	/** Certificates in the set whose key verifies this one's signature (itself excluded), one per distinct certificate. */
	readonly issuers: (item: CertItem) => CertItem[];
	/** Certificates in the set whose subject is this one's issuer name, whether or not they verify it. */
	readonly sameName: (item: CertItem) => CertItem[];
	/** True when `issuer`'s key verifies `item`'s signature. */
	readonly verifies: (issuer: CertItem, item: CertItem) => boolean;
};

// Names are compared as hex, asked for many times per certificate: each array's hex is made once, from a view of
// its bytes (Buffer.from(array) would copy them first).
const hexOf = new WeakMap<Uint8Array, string>();
const hex = (bytes: Uint8Array | undefined) => {
	if (!bytes) return '';
	let text = hexOf.get(bytes);
	if (text === undefined) {
		text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
		hexOf.set(bytes, text);
	}

	return text;
};

// Signature algorithms verified straight from the signed bytes: parsing each certificate again with
// X509Certificate cost more than everything else in lint (measured on 1,000 certificates).
const digests: Record<string, string | null> = {
	'1.2.840.113549.1.1.11': 'sha256',
	'1.2.840.113549.1.1.12': 'sha384',
	'1.2.840.113549.1.1.13': 'sha512',
	'1.2.840.113549.1.1.14': 'sha224',
	'1.2.840.113549.1.1.5': 'sha1',
	'1.2.840.113549.1.1.4': 'md5',
	'1.2.840.10045.4.3.2': 'sha256',
	'1.2.840.10045.4.3.3': 'sha384',
	'1.2.840.10045.4.3.4': 'sha512',
	'1.2.840.10045.4.1': 'sha1',
	'1.3.101.112': null,
	'1.3.101.113': null,
};

function verifySignature(item: CertItem, key: KeyObject, parse: () => X509Certificate | undefined): boolean {
	const signed = item.raw?.signed;
	if (signed && signed.algorithm in digests) {
		return cryptoVerify(digests[signed.algorithm] ?? null, signed.tbs, key, signed.signature);
	}

	// RSA-PSS and the rest: OpenSSL reads the parameters from the certificate itself.
	return Boolean(parse()?.verify(key));
}

type Raw = NonNullable<CertItem['raw']>;

// Kept with the parsed bytes: the same raw object is the same certificate (copies made by applyManifests or
// adoptPartnerRoles share it), and the entries go when the items do.
const keysByRaw = new WeakMap<Raw, KeyObject | null>();
const verdictsByRaw = new WeakMap<Raw, WeakMap<Raw, boolean>>();

function importedKey(raw: Raw): KeyObject | null {
	let key = keysByRaw.get(raw);
	if (key === undefined) {
		try {
			key = createPublicKey({key: Buffer.from(raw.spki!), format: 'der', type: 'spki'});
		} catch {
			key = null;
		}

		keysByRaw.set(raw, key);
	}

	return key;
}

function keptVerdict(issuer: Raw, item: Raw): boolean | undefined {
	return verdictsByRaw.get(issuer)?.get(item);
}

function keepVerdict(issuer: Raw, item: Raw, verdict: boolean): void {
	let verdicts = verdictsByRaw.get(issuer);
	if (!verdicts) {
		verdicts = new WeakMap();
		verdictsByRaw.set(issuer, verdicts);
	}

	verdicts.set(item, verdict);
}

/** Signatures checked on the thread pool, the items given as they come (checkSignatures gives them at once). */
export type SignatureChecker = {
	/** Items as they are read: each new certificate is checked against the ones read so far, and they against it. */
	readonly add: (items: readonly Item[]) => void;
	/**
	 * Wait for every check, then keep each verdict for the copies a chain over `items` will ask about. Resolves to
	 * how many signatures were checked and how many verdicts were kept (copies share a check).
	 */
	readonly done: (items: readonly Item[]) => Promise<{checked: number; kept: number}>;
};

const checkable = (item: Item): item is CertItem => item.kind === 'certificate' && item.cert !== undefined && item.raw?.signed !== undefined && item.raw.signed.algorithm in digests;

/**
 * Check on libuv's thread pool every signature a chain will ask about (each certificate against itself when
 * self-issued, and against each certificate of its issuer's name), so that the synchronous checks of lint, signers
 * and the JSON find their verdicts kept (the test gives the items one at a time, each leaf before its CA). The same
 * verdicts as the synchronous path: the same key object, digest and bytes; an error is false. One check per
 * distinct pair of certificates (by fingerprint). Algorithms whose parameters OpenSSL reads from the certificate
 * itself (RSA-PSS) stay with the synchronous path.
 */
export function signatureChecker(): SignatureChecker {
	const subjects = new Map<string, Map<string, CertItem>>();
	const waiting = new Map<string, Map<string, CertItem>>();
	const verdicts = new Map<string, boolean>();
	const pending: Array<Promise<void>> = [];
	const pair = (issuer: CertItem, item: CertItem) => `${issuer.cert.fingerprintSha256}>${item.cert.fingerprintSha256}`;

	// Each check goes to the pool at once (the pool works through them on both cores).
	const check = (issuer: CertItem, item: CertItem) => {
		const key = issuer.raw?.spki ? importedKey(issuer.raw) : null;
		const signed = item.raw!.signed!;
		const verdict = key ? verifyOnPool(digests[signed.algorithm] ?? null, signed.tbs, key, signed.signature) : Promise.resolve(false);
		pending.push(
			verdict.then(ok => {
				verdicts.set(pair(issuer, item), ok);
			}),
		);
	};

	const add = (items: readonly Item[]) => {
		for (const one of items) {
			if (one.kind !== 'certificate' || !one.cert || !one.raw) continue;
			const item = one as CertItem;
			const fingerprint = item.cert.fingerprintSha256;
			const subject = hex(item.raw!.subjectDer);
			const issuerName = hex(item.raw!.issuerDer);
			const named = subjects.get(subject) ?? new Map<string, CertItem>();
			if (named.has(fingerprint)) continue;
			named.set(fingerprint, item);
			subjects.set(subject, named);
			// What it signed among those read so far, and what signed it.
			for (const signed of waiting.get(subject)?.values() ?? []) if (signed.cert.fingerprintSha256 !== fingerprint) check(item, signed);
			if (!checkable(item)) continue;
			const signers = waiting.get(issuerName) ?? new Map<string, CertItem>();
			signers.set(fingerprint, item);
			waiting.set(issuerName, signers);
			if (issuerName === subject) check(item, item);
			for (const issuer of subjects.get(issuerName)?.values() ?? []) if (issuer.cert.fingerprintSha256 !== fingerprint) check(issuer, item);
		}
	};

	const done = async (items: readonly Item[]) => {
		await Promise.all(pending);

		// Kept for the copies a chain names: the issuer copy subjectIndex picks, every copy of the certificate checked.
		const certs = items.filter((item): item is CertItem => item.kind === 'certificate' && item.cert !== undefined);
		const bySubject = subjectIndex(certs);
		let kept = 0;
		for (const item of certs) {
			if (!item.raw) continue;
			const self = verdicts.get(pair(item, item));
			if (self !== undefined) {
				keepVerdict(item.raw, item.raw, self);
				kept++;
			}

			for (const issuer of bySubject.get(hex(item.raw.issuerDer))?.values() ?? []) {
				const verdict = issuer.raw ? verdicts.get(pair(issuer, item)) : undefined;
				if (verdict === undefined) continue;
				keepVerdict(issuer.raw!, item.raw, verdict);
				kept++;
			}
		}

		return {checked: verdicts.size, kept};
	};

	return {add, done};
}

/**
 * Every signature a chain over these items will ask about, checked on the thread pool at once, after the files are
 * read: checked while they were read, the checks queued ahead of the reads on the same pool and slowed them more
 * than they overlapped (1,000 files: 145 ms of reading against 107 ms, under real-time priority).
 */
export async function checkSignatures(items: readonly Item[]): Promise<{checked: number; kept: number}> {
	const checker = signatureChecker();
	checker.add(items);
	return checker.done(items);
}

async function verifyOnPool(digest: string | null, data: Uint8Array, key: KeyObject, signature: Uint8Array): Promise<boolean> {
	return new Promise(resolve => {
		try {
			cryptoVerify(digest, data, key, signature, (error, verdict) => resolve(!error && verdict));
		} catch {
			resolve(false);
		}
	});
}

/**
 * Of two copies of one certificate, the one a person would name as the signer: a certificate file before
 * one embedded in a kubeconfig, then the one nearest the top (a file before its copy under nodes/<host>/).
 */
function plainerCopy(a: CertItem, b: CertItem): boolean {
	const embedded = (item: CertItem) => (item.source.startsWith('kubeconfig:') ? 1 : 0);
	const depth = (item: CertItem) => item.path.split(/[\\/]/).length;
	return ([embedded(a) - embedded(b), depth(a) - depth(b), a.path.length - b.path.length].find(d => d !== 0) ?? 0) < 0;
}

/** Subject (hex DER) → fingerprint → the copy a chain names: copies of one certificate (under nodes/<host>/) are one issuer. */
function subjectIndex(certs: readonly CertItem[]): Map<string, Map<string, CertItem>> {
	const bySubject = new Map<string, Map<string, CertItem>>();
	for (const item of certs) {
		const key = hex(item.raw?.subjectDer);
		const group = bySubject.get(key) ?? new Map<string, CertItem>();
		const kept = group.get(item.cert.fingerprintSha256);
		if (!kept || plainerCopy(item, kept)) group.set(item.cert.fingerprintSha256, item);
		bySubject.set(key, group);
	}

	return bySubject;
}

export function buildChain(certs: readonly CertItem[]): Chain {
	const bySubject = subjectIndex(certs);

	const parsed = new Map<string, X509Certificate | null>();
	const keys = new Map<string, KeyObject | null>();
	const results = new Map<string, boolean>();
	const nodeCert = (item: CertItem) => {
		const id = item.cert.fingerprintSha256;
		if (!parsed.has(id)) {
			try {
				parsed.set(id, new X509Certificate(Buffer.from(item.raw!.der!)));
			} catch {
				parsed.set(id, null);
			}
		}

		return parsed.get(id) ?? undefined;
	};

	const publicKey = (item: CertItem) => {
		if (item.raw?.spki) return importedKey(item.raw) ?? undefined;
		const id = item.cert.fingerprintSha256;
		if (!keys.has(id)) {
			try {
				keys.set(id, createPublicKey({key: Buffer.from(item.raw!.spki!), format: 'der', type: 'spki'}));
			} catch {
				keys.set(id, null);
			}
		}

		return keys.get(id) ?? undefined;
	};

	const verifies = (issuer: CertItem, item: CertItem) => {
		const kept = issuer.raw && item.raw ? keptVerdict(issuer.raw, item.raw) : undefined;
		if (kept !== undefined) return kept;
		const id = `${issuer.cert.fingerprintSha256}>${item.cert.fingerprintSha256}`;
		let result = results.get(id);
		if (result === undefined) {
			const key = publicKey(issuer);
			try {
				result = Boolean(key && verifySignature(item, key, () => nodeCert(item)));
			} catch {
				result = false;
			}

			results.set(id, result);
			if (issuer.raw && item.raw) keepVerdict(issuer.raw, item.raw, result);
		}

		return result;
	};

	const sameName = (item: CertItem) => [...(bySubject.get(hex(item.raw?.issuerDer))?.values() ?? [])];
	const selfSigned = (item: CertItem) => hex(item.raw?.issuerDer) === hex(item.raw?.subjectDer) && verifies(item, item);
	const issuers = (item: CertItem) => sameName(item).filter(candidate => candidate.cert.fingerprintSha256 !== item.cert.fingerprintSha256 && verifies(candidate, item));
	return {selfSigned, issuers, sameName, verifies};
}

/** The displayed name of a certificate item: its file, plus the kubeconfig field it came from. */
export function label(item: Item): string {
	return item.source.startsWith('kubeconfig:') ? `${item.path} (${item.source.slice('kubeconfig:'.length)})` : item.path;
}
