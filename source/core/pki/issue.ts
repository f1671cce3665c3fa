import {createHash, KeyObject, randomBytes, sign as signSync} from 'node:crypto';
import {signingOrder, type CertSpec} from '../plan.js';
import type * as Asn1 from './asn1.js';
import {pemBody} from './cert-info.js';
import {children, readTlv, time, whole} from './der.js';
import {privateKeyToPem, startKeyGeneration, type KeyPair} from './keys.js';

/**
 * The ASN.1 packages (@peculiar/asn1-x509 and asn1-schema, through asn1.ts), loaded with the first certificate
 * issued: importing this module, as the wizard's stages do through generate, never loads them.
 */
let asn1: typeof Asn1;
let loading: Promise<void> | undefined;
async function loadAsn1(): Promise<void> {
	loading ??= import('./asn1.js').then(module => {
		asn1 = module;
	});
	return loading;
}

/** A certificate made in memory: the bytes that will be shown and, later, written. */
export type Issued = {
	readonly spec: CertSpec;
	readonly certPem: string;
	readonly keyPem: string;
	readonly keys: KeyPair;
};

/** What signs a leaf: the CA's certificate and key pair. */
export type Signer = {readonly certPem: string; readonly keys: KeyPair};

// cfssl and kubeadm backdate notBefore by five minutes so a slightly slow clock elsewhere still accepts it.
const backdateMs = 5 * 60 * 1000;

/** A random positive 128-bit serial (16 bytes, top bit clear, never a leading zero byte). */
export function randomSerialHex(): string {
	const bytes = randomBytes(16);
	bytes[0] = (bytes[0]! & 0x7f) | 0x40;
	return bytes.toString('hex');
}

/*
 * Issuing without thread-pool round trips. Every webcrypto call (exportKey, digest, sign) is a job on libuv's
 * pool, and each one waits its turn behind the key jobs that fill the pool while a PKI is made. Measured: signing
 * itself is 0.04 ms (ECDSA) to 0.8 ms (RSA), yet a certificate took about 10 ms. So the SPKI and the key
 * identifiers are computed here from the key's own bits, the CA certificate is read once per run, and the
 * signature is made by Node's synchronous crypto.
 */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();
function keyObject(key: CryptoKey): KeyObject {
	let object = keyObjects.get(key);
	if (!object) {
		object = KeyObject.from(key);
		keyObjects.set(key, object);
	}

	return object;
}

/** The subjectPublicKey bits: the uncompressed point of an EC key, the PKCS#1 RSAPublicKey of an RSA key. */
const keyBits = new WeakMap<CryptoKey, Buffer>();
function publicKeyBits(publicKey: CryptoKey): Buffer {
	let bits = keyBits.get(publicKey);
	if (!bits) {
		const object = keyObject(publicKey);
		if (object.asymmetricKeyType === 'ec') {
			const jwk = object.export({format: 'jwk'});
			bits = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
		} else {
			bits = object.export({type: 'pkcs1', format: 'der'});
		}

		keyBits.set(publicKey, bits);
	}

	return bits;
}

/** A DER element: tag, definite length, content. */
function derElement(tag: number, content: Buffer): Buffer {
	const n = content.length;
	const length = n < 0x80 ? [n] : n < 0x1_00 ? [0x81, n] : n < 0x1_00_00 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
	return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

// AlgorithmIdentifier of an EC P-256 key (id-ecPublicKey, prime256v1) and of an RSA key (rsaEncryption, NULL).
const ecP256AlgorithmId = Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex');
const rsaAlgorithmId = Buffer.from('300d06092a864886f70d0101010500', 'hex');

/**
 * The SubjectPublicKeyInfo DER, the same bytes as KeyObject's `spki` export, built from the key's bits: Node's
 * SPKI encoder takes about 0.2 ms a key, its JWK and PKCS#1 exports a few microseconds.
 */
function spki(publicKey: CryptoKey): Buffer {
	const algorithmId = keyObject(publicKey).asymmetricKeyType === 'ec' ? ecP256AlgorithmId : rsaAlgorithmId;
	return derElement(0x30, Buffer.concat([algorithmId, derElement(0x03, Buffer.concat([Buffer.from([0]), publicKeyBits(publicKey)]))]));
}

/** RFC 5280 §4.2.1.2 method 1, as openssl and x509's own create compute it: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: CryptoKey): string {
	return createHash('sha1').update(publicKeyBits(publicKey)).digest('hex');
}

/**
 * What a CA gives every certificate it signs, read once from its DER: its subject as the exact bytes of their
 * issuer name (RFC 5280 §7.1: the issuer matches the CA's subject byte for byte), its notAfter, and its key
 * identifier.
 */
type ParsedSigner = {readonly issuer: Buffer; readonly notAfter: Date; readonly keyId: string};
const parsedSigners = new Map<string, ParsedSigner>();
function parsedSigner(signer: Signer): ParsedSigner {
	let parsed = parsedSigners.get(signer.certPem);
	if (!parsed) {
		const der = pemBody(signer.certPem);
		const [tbs] = children(readTlv(der, 0));
		const fields = children(tbs!);
		// TBSCertificate: [0] version (always there in v3), serial, signature, issuer, validity, subject, ...
		const at = fields[0]?.tag === 0xa0 ? 1 : 0;
		const validity = children(fields[at + 3]!);
		parsed = {issuer: Buffer.from(whole(fields[at + 4]!)), notAfter: new Date(time(validity[1]!)), keyId: keyIdentifier(signer.keys.publicKey)};
		if (parsedSigners.size > 64) parsedSigners.clear();
		parsedSigners.set(signer.certPem, parsed);
	}

	return parsed;
}

/*
 * Encoding an extension is most of what is left of issuing's own cost. Basic constraints, key usage, extended key
 * usage and the authority key identifier are the same for many certificates of a run: each distinct one is encoded
 * once and reused (an extension is immutable bytes).
 */
const sharedExtensions = new Map<string, Buffer>();
function shared(key: string, make: () => Buffer): Buffer {
	let extension = sharedExtensions.get(key);
	if (!extension) {
		extension = make();
		if (sharedExtensions.size > 256) sharedExtensions.clear();
		sharedExtensions.set(key, extension);
	}

	return extension;
}

/** The subject: one RDN per organization, then the common name (attribute by attribute: a comma stays a comma). */
function subjectName(spec: CertSpec): Buffer {
	return asn1.nameDer([...spec.organizations.map(o => ['O', o] as const), ['CN', spec.commonName] as const]);
}

/** A Time as asn1-x509 encodes it (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime after; whole seconds. */
function derTime(date: Date): Buffer {
	const iso = date.toISOString();
	const digits = iso.slice(0, 19).replaceAll(/[-T:]/g, '') + 'Z';
	return date.getUTCFullYear() > 2049 ? derElement(0x18, Buffer.from(digits, 'latin1')) : derElement(0x17, Buffer.from(digits.slice(2), 'latin1'));
}

// The signature AlgorithmIdentifier: ecdsa-with-SHA256 (no parameters), sha256WithRSAEncryption (NULL parameters).
const ecdsaSha256 = Buffer.from('300a06082a8648ce3d040302', 'hex');
const rsaSha256 = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
// [0] EXPLICIT Version v3 (2).
const versionV3 = Buffer.from('a003020102', 'hex');

/** The fields of one certificate, each already DER but the validity. */
type CertificateParts = {
	readonly serialHex: string;
	readonly issuer: Buffer;
	readonly subject: Buffer;
	readonly notBefore: Date;
	readonly notAfter: Date;
	readonly spki: Buffer;
	readonly extensions: readonly Buffer[];
};

/** The DER TBSCertificate of these parts: the bytes X509CertificateGenerator.create encodes for the same inputs. */
export function tbsCertificate(parts: CertificateParts, signerAlgorithm: KeyPair['algorithm']): Buffer {
	const algorithm = signerAlgorithm === 'ecdsa-p256' ? ecdsaSha256 : rsaSha256;
	return derElement(
		0x30,
		Buffer.concat([
			versionV3,
			derElement(0x02, Buffer.from(parts.serialHex, 'hex')),
			algorithm,
			parts.issuer,
			derElement(0x30, Buffer.concat([derTime(parts.notBefore), derTime(parts.notAfter)])),
			parts.subject,
			parts.spki,
			...(parts.extensions.length > 0 ? [derElement(0xa3, derElement(0x30, Buffer.concat([...parts.extensions])))] : []),
		]),
	);
}

/** PEM as x509's PemConverter writes it: base64 in lines of 64, then a newline after the END line. */
function pem(der: Buffer): string {
	const base64 = der.toString('base64');
	const lines = ['-----BEGIN CERTIFICATE-----'];
	for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
	lines.push('-----END CERTIFICATE-----', '');
	return lines.join('\n');
}

/**
 * Sign a TBSCertificate with Node's synchronous crypto (ECDSA in DER, as X.509 holds it; PKCS#1 v1.5) and wrap it
 * into the Certificate: one signature, no thread-pool round trip, nothing parsed back.
 */
function signedCertificate(tbs: Buffer, signer: KeyPair): Buffer {
	const key = keyObject(signer.privateKey);
	const ecdsa = signer.algorithm === 'ecdsa-p256';
	const signature = ecdsa ? signSync('sha256', tbs, {key, dsaEncoding: 'der'}) : signSync('sha256', tbs, key);
	return derElement(0x30, Buffer.concat([tbs, ecdsa ? ecdsaSha256 : rsaSha256, derElement(0x03, Buffer.concat([Buffer.from([0]), signature]))]));
}

/**
 * Sign one certificate for a spec. The key pair may be passed in (made earlier, all at once, so the
 * thread pool spreads them over the cores); a root CA signs itself.
 *
 * @peculiar/asn1-x509 encodes what carries meaning (the subject name, every extension; asn1.ts, as x509's classes
 * do); the certificate around them is put together here and signed once. @peculiar/x509's
 * X509CertificateGenerator.create would parse each extension, the SPKI and both names back into ASN.1 objects,
 * encode the whole, sign it through webcrypto's pool, and parse the result again: most of a certificate's time, for
 * the same bytes (test/core/issue-tbs.test.ts checks them against it).
 */
export async function issue(spec: CertSpec, keys: KeyPair, signer: Signer | undefined, now = new Date()): Promise<Issued> {
	await loadAsn1();
	const notBefore = new Date(now.getTime() - backdateMs);
	let notAfter = new Date(now.getTime() + spec.validityHours * 3600 * 1000);
	const subject = subjectName(spec);
	const flags = asn1.keyUsageFlags;
	const extensions: Buffer[] = [];
	let issuer: Buffer;
	let signingKeys: KeyPair;
	if (spec.signer === 'self') {
		extensions.push(
			shared('basic true', () => asn1.basicConstraints(true)),
			shared(`usage ${flags.keyCertSign | flags.cRLSign | flags.digitalSignature}`, () => asn1.keyUsage(flags.keyCertSign | flags.cRLSign | flags.digitalSignature)),
			asn1.subjectKeyIdentifier(keyIdentifier(keys.publicKey)),
		);
		issuer = subject;
		signingKeys = keys;
	} else {
		if (!signer) throw new Error(`bug: ${spec.id} needs a signer`);
		const {issuer: caSubject, notAfter: caNotAfter, keyId: caKeyId} = parsedSigner(signer);
		// A leaf never outlives the CA that signed it.
		if (notAfter > caNotAfter) notAfter = caNotAfter;
		let usage: number = flags.digitalSignature;
		// RSA key exchange (TLS 1.2 RSA suites) encrypts with the key; ECDSA keys never do.
		if (keys.algorithm !== 'ecdsa-p256') usage |= flags.keyEncipherment;
		if (spec.isCA) usage = flags.keyCertSign | flags.cRLSign | flags.digitalSignature;
		extensions.push(
			shared(`basic ${spec.isCA}`, () => asn1.basicConstraints(spec.isCA)),
			shared(`usage ${usage}`, () => asn1.keyUsage(usage)),
		);
		if (spec.extKeyUsages.length > 0) extensions.push(shared(`ext ${spec.extKeyUsages.join(',')}`, () => asn1.extendedKeyUsage(spec.extKeyUsages)));
		if (spec.sans.length > 0) extensions.push(asn1.subjectAltNames(spec.sans));
		extensions.push(
			asn1.subjectKeyIdentifier(keyIdentifier(keys.publicKey)),
			shared(`authority ${caKeyId}`, () => asn1.authorityKeyIdentifier(caKeyId)),
		);
		issuer = caSubject;
		signingKeys = signer.keys;
	}

	const tbs = tbsCertificate({serialHex: randomSerialHex(), issuer, subject, notBefore, notAfter, spki: spki(keys.publicKey), extensions}, signingKeys.algorithm);
	const certPem = pem(signedCertificate(tbs, signingKeys));
	return {spec, certPem, keyPem: privateKeyToPem(keys), keys};
}

/**
 * Issue a whole plan: every key is requested at once, so both cores work, then the CA signs each leaf.
 * `existing` holds certificates to keep (a reused CA, valid leaves), by spec id.
 */
export async function issueAll(
	specs: readonly CertSpec[],
	options: {
		existing?: ReadonlyMap<string, Issued>;
		/** Keys already being made (started before the ASN.1 packages loaded), by spec id. */
		keys?: ReadonlyMap<string, Promise<KeyPair>>;
		now?: Date;
		onProgress?: (done: number, total: number) => void;
		/** Told of each certificate as soon as it is issued (generate stages its files then), in signing order. */
		onIssued?: (issued: Issued) => void;
	} = {},
): Promise<Issued[]> {
	// The ASN.1 packages load while the first keys are being made, not after.
	const library = loadAsn1();
	const existing = options.existing ?? new Map<string, Issued>();
	const missing = specs.filter(spec => !existing.has(spec.id));
	const started = options.keys ?? new Map<string, Promise<KeyPair>>();
	const keyPromises = new Map([
		...startKeyGeneration(
			missing.filter(spec => !started.has(spec.id)),
			options.onProgress,
		),
		...[...started].filter(([id]) => missing.some(spec => spec.id === id)),
	]);
	const issued = new Map<string, Issued>(existing);
	// CAs first (a root, then any intermediate), so their leaves can be signed.
	const ordered = signingOrder(specs);
	await library;
	for (const spec of ordered) {
		if (issued.has(spec.id)) continue;
		const keys = await keyPromises.get(spec.id)!;
		const signer = spec.signer === 'self' ? undefined : issued.get(spec.signer);
		if (spec.signer !== 'self' && !signer) throw new Error(`bug: signer ${spec.signer} of ${spec.id} is not in the plan`);
		const made = await issue(spec, keys, signer, options.now);
		issued.set(spec.id, made);
		options.onIssued?.(made);
	}

	return specs.map(spec => issued.get(spec.id)!);
}
