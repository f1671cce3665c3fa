// DER bytes as items: a certificate, a CSR, a public or private key. The parsers read DER with pki/der.ts's
// bounds-checked readTlv; a private key is kept as its public half only.
import {createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto';
import {kubernetesMeaning} from '../meaning.js';
import {parseCertificate, parseCsr, parsePublicKey, type ParsedCertificate} from '../parse-der.js';
import {reason, unreadable, type Item} from './items.js';

export function certificateItem(file: string, source: string, der: Uint8Array, parsed: ParsedCertificate = parseCertificate(der)): Item {
	return {
		path: file,
		kind: 'certificate',
		source,
		cert: parsed.info,
		kubernetes: kubernetesMeaning(file, parsed.info),
		raw: {der: parsed.der, subjectDer: parsed.subjectDer, issuerDer: parsed.issuerDer, spki: parsed.spki, signed: parsed.signed},
	};
}

export function csrItem(file: string, source: string, der: Uint8Array): Item {
	const {info, spki} = parseCsr(der);
	return {path: file, kind: 'csr', source, csr: info, publicKey: info.publicKey, kubernetes: kubernetesMeaning(file, info), raw: {spki}};
}

export function privateKeyItem(file: string, source: string, key: KeyObject): Item {
	// Keep only the public half: nothing downstream may hold or print private key material.
	const spki = createPublicKey(key).export({format: 'der', type: 'spki'});
	return {path: file, kind: 'private-key', source, publicKey: parsePublicKey(spki).publicKey, kubernetes: kubernetesMeaning(file, undefined), raw: {spki}};
}

export function encryptedKeyItem(file: string, source: string): Item {
	return {path: file, kind: 'private-key', source, encrypted: true, publicKey: {algorithm: 'unknown'}, kubernetes: kubernetesMeaning(file, undefined)};
}

export function publicKeyItem(file: string, source: string, spki: Uint8Array): Item {
	return {path: file, kind: 'public-key', source, publicKey: parsePublicKey(spki).publicKey, kubernetes: kubernetesMeaning(file, undefined), raw: {spki}};
}

/** A DER file: DER has no label, so each shape is tried in turn and the certificate's reason is reported when none fits. */
export function derItem(file: string, der: Uint8Array): Item {
	let certError: unknown;
	try {
		return certificateItem(file, 'der', der);
	} catch (error) {
		certError = error;
	}

	const attempts: Array<() => Item> = [
		() => csrItem(file, 'der', der),
		() => publicKeyItem(file, 'der', der),
		() => privateKeyItem(file, 'der', createPrivateKey({key: Buffer.from(der), format: 'der', type: 'pkcs8'})),
		() => privateKeyItem(file, 'der', createPrivateKey({key: Buffer.from(der), format: 'der', type: 'pkcs1'})),
		() => privateKeyItem(file, 'der', createPrivateKey({key: Buffer.from(der), format: 'der', type: 'sec1'})),
	];
	for (const attempt of attempts) {
		try {
			return attempt();
		} catch {
			// Not this shape; try the next.
		}
	}

	return unreadable(file, `not a certificate, CSR or key in DER: ${reason(certError)}`, 'der');
}
