// Who signed what, among the certificates in the set. Signatures are checked with node:crypto
// (OpenSSL); each certificate and public key is imported once, and each pair is verified once.
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

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : '');

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

/**
 * Of two copies of one certificate, the one a person would name as the signer: a certificate file before
 * one embedded in a kubeconfig, then the one nearest the top (a file before its copy under nodes/<host>/).
 */
function plainerCopy(a: CertItem, b: CertItem): boolean {
	const embedded = (item: CertItem) => (item.source.startsWith('kubeconfig:') ? 1 : 0);
	const depth = (item: CertItem) => item.path.split(/[\\/]/).length;
	return ([embedded(a) - embedded(b), depth(a) - depth(b), a.path.length - b.path.length].find(d => d !== 0) ?? 0) < 0;
}

export function buildChain(certs: readonly CertItem[]): Chain {
	// Copies of one certificate (under nodes/<host>/) are one issuer: index by fingerprint.
	const bySubject = new Map<string, Map<string, CertItem>>();
	for (const item of certs) {
		const key = hex(item.raw?.subjectDer);
		const group = bySubject.get(key) ?? new Map<string, CertItem>();
		const kept = group.get(item.cert.fingerprintSha256);
		if (!kept || plainerCopy(item, kept)) group.set(item.cert.fingerprintSha256, item);
		bySubject.set(key, group);
	}

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
