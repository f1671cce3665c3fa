import {createHash, X509Certificate as NodeX509} from 'node:crypto';
import {x509} from './x509.js';

/** A certificate read into plain data: what the viewer shows, lint checks and `inspect --json` prints. */
export type CertInfo = {
	subject: string;
	commonName: string;
	organizations: string[];
	organizationalUnits: string[];
	issuer: string;
	issuerCommonName: string;
	/** Upper-case hex, as openssl prints it. */
	serial: string;
	notBefore: string;
	notAfter: string;
	dnsNames: string[];
	ipAddresses: string[];
	keyUsage: string[];
	extKeyUsage: string[];
	isCA: boolean;
	publicKey: {algorithm: 'RSA' | 'ECDSA' | 'Ed25519' | 'Ed448' | 'unknown'; bits?: number; curve?: string};
	signatureAlgorithm: string;
	/** Upper-case hex pairs joined by ':', as `openssl x509 -fingerprint -sha256` prints them. */
	fingerprintSha256: string;
	subjectKeyId?: string;
	authorityKeyId?: string;
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

const keyUsageNames: Array<[number, string]> = [
	[x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
	[x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
	[x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
	[x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
	[x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
	[x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
	[x509.KeyUsageFlags.cRLSign, 'cRLSign'],
	[x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
	[x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

const signatureOids: Record<string, string> = {
	'1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
	'1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
	'1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
	'1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
	'1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
	'1.2.840.113549.1.1.10': 'rsassaPss',
	'1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
	'1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
	'1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
	'1.2.840.10045.4.1': 'ecdsa-with-SHA1',
	'1.3.101.112': 'ED25519',
	'1.3.101.113': 'ED448',
};

function hex(buffer: ArrayBuffer): string {
	return Buffer.from(buffer).toString('hex');
}

/** Read one certificate (PEM text or DER bytes). Throws on anything that is not a certificate. */
export function certInfo(input: string | Uint8Array): CertInfo {
	const der = typeof input === 'string' ? pemBody(input) : Buffer.from(input);
	const cert = new x509.X509Certificate(new Uint8Array(der));
	const subject = cert.subjectName;
	const issuer = cert.issuerName;
	const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
	const names = san?.names.items ?? [];
	const ku = cert.getExtension(x509.KeyUsagesExtension);
	const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
	const bc = cert.getExtension(x509.BasicConstraintsExtension);
	const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
	const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
	const sigOid = signatureOid(cert);
	return {
		subject: cert.subject,
		commonName: subject.getField('CN')[0] ?? '',
		organizations: subject.getField('O'),
		organizationalUnits: subject.getField('OU'),
		issuer: cert.issuer,
		issuerCommonName: issuer.getField('CN')[0] ?? '',
		serial: cert.serialNumber.toUpperCase(),
		notBefore: cert.notBefore.toISOString(),
		notAfter: cert.notAfter.toISOString(),
		dnsNames: names.filter(n => n.type === 'dns').map(n => n.value),
		ipAddresses: names.filter(n => n.type === 'ip').map(n => n.value),
		keyUsage: ku ? keyUsageNames.filter(([flag]) => (ku.usages & flag) !== 0).map(([, name]) => name) : [],
		extKeyUsage: eku ? eku.usages.map(u => ekuNames[String(u)] ?? String(u)) : [],
		isCA: bc?.ca ?? false,
		publicKey: publicKeyInfo(der),
		signatureAlgorithm: signatureOids[sigOid] ?? sigOid,
		fingerprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':'),
		subjectKeyId: ski?.keyId,
		authorityKeyId: aki?.keyId,
	};
}

function signatureOid(cert: x509.X509Certificate): string {
	// The parsed ASN.1 is protected in x509's types; the algorithm OID is all we read from it.
	return (cert as unknown as {asn: {signatureAlgorithm: {algorithm: string}}}).asn.signatureAlgorithm.algorithm;
}

function publicKeyInfo(der: Buffer): CertInfo['publicKey'] {
	try {
		const key = new NodeX509(der).publicKey;
		const details = key.asymmetricKeyDetails ?? {};
		switch (key.asymmetricKeyType) {
			case 'rsa':
			case 'rsa-pss': {
				return {algorithm: 'RSA', bits: details.modulusLength};
			}

			case 'ec': {
				const curve = {prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521'}[details.namedCurve ?? ''] ?? details.namedCurve;
				return {algorithm: 'ECDSA', curve, bits: curve ? Number(curve.slice(2)) : undefined};
			}

			case 'ed25519': {
				return {algorithm: 'Ed25519', bits: 256};
			}

			case 'ed448': {
				return {algorithm: 'Ed448', bits: 456};
			}

			default: {
				return {algorithm: 'unknown'};
			}
		}
	} catch {
		return {algorithm: 'unknown'};
	}
}

/** The DER inside the first CERTIFICATE block of a PEM text. */
export function pemBody(pem: string, label = 'CERTIFICATE'): Buffer {
	const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
	if (!match?.[1]) throw new Error(`no ${label} block`);
	return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}
