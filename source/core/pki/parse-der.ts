// Certificates, CSRs and public keys read straight from DER into CertInfo, without @peculiar/x509:
// this is what inspect and lint use, because it is about 20 times faster (see bench/inspect.ts) and
// never loads x509's half-second dependency tree. Every function throws DerError on bad input.
import {createHash} from 'node:crypto';
import {bigIntToIp} from '../ip.js';
import type {CertInfo} from './cert-info.js';
import {bitLength, bitStringBytes, bufferView, children, DerError, expectTag, integerHex, oid, readTlv, tags, text, time, value, whole, type Tlv} from './der.js';

const nameAttributes: Record<string, string> = {
	'2.5.4.3': 'CN',
	'2.5.4.4': 'SN',
	'2.5.4.5': 'serialNumber',
	'2.5.4.6': 'C',
	'2.5.4.7': 'L',
	'2.5.4.8': 'ST',
	'2.5.4.9': 'street',
	'2.5.4.10': 'O',
	'2.5.4.11': 'OU',
	'2.5.4.12': 'title',
	'2.5.4.42': 'GN',
	'2.5.4.97': 'organizationIdentifier',
	'1.2.840.113549.1.9.1': 'E',
	'0.9.2342.19200300.100.1.1': 'UID',
	'0.9.2342.19200300.100.1.25': 'DC',
};

const signatureNames: Record<string, string> = {
	'1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
	'1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
	'1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
	'1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
	'1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
	'1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
	'1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
	'1.2.840.113549.1.1.10': 'rsassaPss',
	'1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
	'1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
	'1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
	'1.2.840.10045.4.1': 'ecdsa-with-SHA1',
	'1.2.840.10040.4.3': 'dsa-with-SHA1',
	'1.3.101.112': 'ED25519',
	'1.3.101.113': 'ED448',
};

const ekuNames: Record<string, string> = {
	'1.3.6.1.5.5.7.3.1': 'serverAuth',
	'1.3.6.1.5.5.7.3.2': 'clientAuth',
	'1.3.6.1.5.5.7.3.3': 'codeSigning',
	'1.3.6.1.5.5.7.3.4': 'emailProtection',
	'1.3.6.1.5.5.7.3.8': 'timeStamping',
	'1.3.6.1.5.5.7.3.9': 'OCSPSigning',
	'2.5.29.37.0': 'any',
};

// In bit order (bit 0 is the most significant bit of the first byte), as RFC 5280 numbers them.
const keyUsageBits = [
	'digitalSignature',
	'nonRepudiation',
	'keyEncipherment',
	'dataEncipherment',
	'keyAgreement',
	'keyCertSign',
	'cRLSign',
	'encipherOnly',
	'decipherOnly',
];

const curves: Record<string, string> = {
	'1.2.840.10045.3.1.7': 'P-256',
	'1.3.132.0.34': 'P-384',
	'1.3.132.0.35': 'P-521',
	'1.3.132.0.10': 'secp256k1',
};

/** A distinguished name: its string form and each attribute's values. */
export type Name = {readonly text: string; readonly fields: ReadonlyMap<string, readonly string[]>; readonly der: Uint8Array};

// RFC 4514 escaping, so a comma inside a value (CN=a\, b) cannot be read as a separator.
function escapeValue(raw: string): string {
	return raw.replace(/[,+"\\<>;]/g, c => `\\${c}`).replace(/^[#\s]/, c => `\\${c}`).replace(/\s$/, c => `\\${c}`);
}

export function readName(tlv: Tlv): Name {
	const fields = new Map<string, string[]>();
	const rdns = children(expectTag(tlv, tags.sequence, 'name')).map(rdn =>
		children(expectTag(rdn, tags.set, 'relative distinguished name'))
			.map(attribute => {
				const [type, raw] = children(expectTag(attribute, tags.sequence, 'attribute'));
				const id = oid(expectTag(type, tags.oid, 'attribute type'));
				if (!raw) throw new DerError('attribute without a value');
				const label = nameAttributes[id] ?? id;
				const content = text(raw);
				fields.set(label, [...(fields.get(label) ?? []), content]);
				return `${label}=${escapeValue(content)}`;
			})
			.join('+'),
	);
	return {text: rdns.join(', '), fields, der: whole(tlv)};
}

/** What a public key is, from its SubjectPublicKeyInfo. */
export function readSpki(tlv: Tlv): CertInfo['publicKey'] {
	const [algorithm, key] = children(expectTag(tlv, tags.sequence, 'public key info'));
	const [id, parameters] = children(expectTag(algorithm, tags.sequence, 'public key algorithm'));
	const algorithmOid = oid(expectTag(id, tags.oid, 'public key algorithm'));
	const bits = bitStringBytes(expectTag(key, tags.bitString, 'public key'));
	switch (algorithmOid) {
		case '1.2.840.113549.1.1.1':
		case '1.2.840.113549.1.1.10': {
			const [modulus] = children(expectTag(readTlv(bits, 0), tags.sequence, 'RSA public key'));
			return {algorithm: 'RSA', bits: bitLength(value(expectTag(modulus, tags.integer, 'RSA modulus')))};
		}

		case '1.2.840.10045.2.1': {
			const curveOid = parameters?.tag === tags.oid ? oid(parameters) : undefined;
			const curve = curveOid ? (curves[curveOid] ?? curveOid) : 'explicit parameters';
			const size = /^P-(\d+)$/.exec(curve)?.[1];
			return {algorithm: 'ECDSA', curve, ...(size ? {bits: Number(size)} : curve === 'secp256k1' ? {bits: 256} : {})};
		}

		case '1.3.101.112': {
			return {algorithm: 'Ed25519', bits: 256};
		}

		case '1.3.101.113': {
			return {algorithm: 'Ed448', bits: 456};
		}

		default: {
			return {algorithm: 'unknown'};
		}
	}
}

type Extensions = Pick<CertInfo, 'dnsNames' | 'ipAddresses' | 'keyUsage' | 'extKeyUsage' | 'isCA' | 'subjectKeyId' | 'authorityKeyId'> & {
	/** basicConstraints present at all: a CA without it is the classic `openssl x509 -req -signkey` mistake. */
	hasBasicConstraints: boolean;
};

function ipText(bytes: Uint8Array): string {
	if (bytes.length === 4) return [...bytes].join('.');
	if (bytes.length === 16) return bigIntToIp(BigInt(`0x${bufferView(bytes).toString('hex')}`), 6);
	return `#${bufferView(bytes).toString('hex')}`;
}

function readExtensions(list: readonly Tlv[]): Extensions {
	const result: Extensions = {dnsNames: [], ipAddresses: [], keyUsage: [], extKeyUsage: [], isCA: false, hasBasicConstraints: false};
	for (const extension of list) {
		const parts = children(expectTag(extension, tags.sequence, 'extension'));
		const id = oid(expectTag(parts[0], tags.oid, 'extension id'));
		// The optional `critical` BOOLEAN sits between the id and the value.
		const content = value(expectTag(parts.at(-1), tags.octetString, 'extension value'));
		const inner = readTlv(content, 0);
		switch (id) {
			case '2.5.29.17': {
				for (const name of children(expectTag(inner, tags.sequence, 'subjectAltName'))) {
					// Context tags [2] dNSName and [7] iPAddress, both primitive.
					if (name.tag === 0x82) result.dnsNames.push(bufferView(value(name)).toString('utf8'));
					if (name.tag === 0x87) result.ipAddresses.push(ipText(value(name)));
				}

				break;
			}

			case '2.5.29.15': {
				const bits = bitStringBytes(inner);
				result.keyUsage = keyUsageBits.filter((_, bit) => ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
				break;
			}

			case '2.5.29.37': {
				result.extKeyUsage = children(expectTag(inner, tags.sequence, 'extKeyUsage')).map(item => {
					const usage = oid(item);
					return ekuNames[usage] ?? usage;
				});
				break;
			}

			case '2.5.29.19': {
				const [first] = children(expectTag(inner, tags.sequence, 'basicConstraints'));
				result.hasBasicConstraints = true;
				result.isCA = first?.tag === tags.boolean && value(first)[0] !== 0;
				break;
			}

			case '2.5.29.14': {
				result.subjectKeyId = bufferView(value(expectTag(inner, tags.octetString, 'subjectKeyIdentifier'))).toString('hex');
				break;
			}

			case '2.5.29.35': {
				const keyId = children(expectTag(inner, tags.sequence, 'authorityKeyIdentifier')).find(part => part.tag === 0x80);
				if (keyId) result.authorityKeyId = bufferView(value(keyId)).toString('hex');
				break;
			}

			default: {
				break;
			}
		}
	}

	return result;
}

/** A certificate read from DER, with the raw parts lint needs to check signatures and match keys. */
export type ParsedCertificate = {
	readonly info: CertInfo & {readonly hasBasicConstraints: boolean};
	readonly der: Uint8Array;
	/** The subject and issuer names in DER, compared byte for byte to find a certificate's issuer. */
	readonly subjectDer: Uint8Array;
	readonly issuerDer: Uint8Array;
	/** SubjectPublicKeyInfo in DER: equal bytes mean the same key. */
	readonly spki: Uint8Array;
	/** What the issuer signed, the signature, and its algorithm: enough to verify without parsing again. */
	readonly signed: {readonly tbs: Uint8Array; readonly signature: Uint8Array; readonly algorithm: string};
};

function hexPairs(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** Read one X.509 certificate. Throws DerError when the bytes are not one. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
	const top = readTlv(der, 0);
	if (top.end !== der.length) throw new DerError(`${der.length - top.end} stray bytes after the certificate`);
	const [tbs, signatureAlgorithm, signature] = children(expectTag(top, tags.sequence, 'certificate'));
	expectTag(signature, tags.bitString, 'signature');
	const fields = children(expectTag(tbs, tags.sequence, 'tbsCertificate'));
	// The version is an explicit [0] tag, absent for v1 certificates.
	const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
	const [serial, , issuerTlv, validity, subjectTlv, spkiTlv] = fields.slice(offset);
	const extensionsWrapper = fields.slice(offset + 6).find(field => field.tag === 0xa3);
	const [notBefore, notAfter] = children(expectTag(validity, tags.sequence, 'validity'));
	if (!notBefore || !notAfter) throw new DerError('validity needs two dates');
	const subject = readName(expectTag(subjectTlv, tags.sequence, 'subject'));
	const issuer = readName(expectTag(issuerTlv, tags.sequence, 'issuer'));
	const spki = expectTag(spkiTlv, tags.sequence, 'public key info');
	const extensions = extensionsWrapper ? readExtensions(children(expectTag(children(extensionsWrapper)[0], tags.sequence, 'extensions'))) : readExtensions([]);
	const sigOid = oid(expectTag(children(expectTag(signatureAlgorithm, tags.sequence, 'signature algorithm'))[0], tags.oid, 'signature algorithm'));
	const info = {
		subject: subject.text,
		commonName: subject.fields.get('CN')?.[0] ?? '',
		organizations: [...(subject.fields.get('O') ?? [])],
		organizationalUnits: [...(subject.fields.get('OU') ?? [])],
		issuer: issuer.text,
		issuerCommonName: issuer.fields.get('CN')?.[0] ?? '',
		serial: integerHex(serial!),
		notBefore: time(notBefore),
		notAfter: time(notAfter),
		...extensions,
		publicKey: readSpki(spki),
		signatureAlgorithm: signatureNames[sigOid] ?? sigOid,
		fingerprintSha256: hexPairs(der),
	};
	return {info, der, subjectDer: subject.der, issuerDer: issuer.der, spki: whole(spki), signed: {tbs: whole(tbs!), signature: bitStringBytes(signature!), algorithm: sigOid}};
}

/** What a CSR asks for: subject, requested SANs, the key, and its self-signature algorithm. */
export type CsrInfo = Pick<CertInfo, 'subject' | 'commonName' | 'organizations' | 'organizationalUnits' | 'dnsNames' | 'ipAddresses' | 'keyUsage' | 'extKeyUsage' | 'publicKey' | 'signatureAlgorithm' | 'fingerprintSha256'>;

export function parseCsr(der: Uint8Array): {info: CsrInfo; spki: Uint8Array} {
	const top = readTlv(der, 0);
	if (top.end !== der.length) throw new DerError(`${der.length - top.end} stray bytes after the request`);
	const [request, signatureAlgorithm] = children(expectTag(top, tags.sequence, 'certification request'));
	const [, subjectTlv, spkiTlv, attributes] = children(expectTag(request, tags.sequence, 'certification request info'));
	const subject = readName(expectTag(subjectTlv, tags.sequence, 'subject'));
	const spki = expectTag(spkiTlv, tags.sequence, 'public key info');
	let extensions = readExtensions([]);
	// The requested extensions live in the extensionRequest attribute (PKCS#9), inside the [0] attributes.
	for (const attribute of attributes?.tag === 0xa0 ? children(attributes) : []) {
		const [type, values] = children(expectTag(attribute, tags.sequence, 'attribute'));
		if (oid(type!) !== '1.2.840.113549.1.9.14') continue;
		const [list] = children(expectTag(values, tags.set, 'attribute values'));
		extensions = readExtensions(children(expectTag(list, tags.sequence, 'extensions')));
	}

	const sigOid = oid(expectTag(children(expectTag(signatureAlgorithm, tags.sequence, 'signature algorithm'))[0], tags.oid, 'signature algorithm'));
	return {
		info: {
			subject: subject.text,
			commonName: subject.fields.get('CN')?.[0] ?? '',
			organizations: [...(subject.fields.get('O') ?? [])],
			organizationalUnits: [...(subject.fields.get('OU') ?? [])],
			dnsNames: extensions.dnsNames,
			ipAddresses: extensions.ipAddresses,
			keyUsage: extensions.keyUsage,
			extKeyUsage: extensions.extKeyUsage,
			publicKey: readSpki(spki),
			signatureAlgorithm: signatureNames[sigOid] ?? sigOid,
			fingerprintSha256: hexPairs(der),
		},
		spki: whole(spki),
	};
}

/** A SubjectPublicKeyInfo on its own (a `PUBLIC KEY` block, kubeadm's service-account public key). */
export function parsePublicKey(der: Uint8Array): {publicKey: CertInfo['publicKey']; fingerprintSha256: string} {
	const top = readTlv(der, 0);
	if (top.end !== der.length) throw new DerError('stray bytes after the public key');
	return {publicKey: readSpki(top), fingerprintSha256: hexPairs(der)};
}
