import {createHash, KeyObject, randomBytes, sign as signSync} from 'node:crypto';
import {signingOrder, type CertSpec} from '../plan.js';
import {generateKeyPair, privateKeyToPem, signingAlgorithm, startKeyGeneration, type KeyPair} from './keys.js';
import type {x509 as X509} from './x509.js';

/**
 * @peculiar/x509 (with its ASN.1 packages, the largest module kubepki loads), loaded with the first certificate
 * issued: importing this module, as the wizard's stages do through generate, never loads it.
 */
let x509: typeof X509;
let loading: Promise<void> | undefined;
async function loadX509(): Promise<void> {
	loading ??= import('./x509.js').then(module => {
		x509 = module.x509;
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
 * pool: a few each per certificate, and each one waits its turn behind the key jobs that fill the pool while a
 * PKI is made. Measured: signing itself is 0.04 ms (ECDSA) to 0.8 ms (RSA), yet a certificate took about 10 ms.
 * So the public key goes to x509 as SPKI bytes, the key identifiers are hashed here, the CA certificate is
 * parsed once per run, and the signature is made by Node's synchronous crypto behind webcrypto's `sign`.
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
function publicKeyBits(publicKey: CryptoKey): Buffer {
	const object = keyObject(publicKey);
	if (object.asymmetricKeyType === 'ec') {
		const jwk = object.export({format: 'jwk'});
		return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
	}

	return object.export({type: 'pkcs1', format: 'der'});
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
function spki(publicKey: CryptoKey): ArrayBuffer {
	const algorithmId = keyObject(publicKey).asymmetricKeyType === 'ec' ? ecP256AlgorithmId : rsaAlgorithmId;
	const der = derElement(0x30, Buffer.concat([algorithmId, derElement(0x03, Buffer.concat([Buffer.from([0]), publicKeyBits(publicKey)]))]));
	return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/** RFC 5280 §4.2.1.2 method 1, as openssl and x509's own create compute it: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: CryptoKey): string {
	return createHash('sha1').update(publicKeyBits(publicKey)).digest('hex');
}

function hashName(hash: unknown): string {
	const name = typeof hash === 'string' ? hash : (hash as {name?: string} | undefined)?.name ?? 'SHA-256';
	return name.replace('-', '').toLowerCase();
}

/** Webcrypto with a synchronous `sign` (the same bytes: PKCS#1 v1.5, or ECDSA as r||s), everything else Node's own. */
const signingCrypto = {
	getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto),
	subtle: new Proxy(globalThis.crypto.subtle, {
		get(target, property) {
			if (property === 'sign') {
				return async (algorithm: {name: string; hash?: unknown}, key: CryptoKey, data: BufferSource) => {
					const bytes = ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
					const hash = hashName(algorithm.hash ?? (key.algorithm as {hash?: unknown}).hash);
					const object = keyObject(key);
					const signature = algorithm.name === 'ECDSA' ? signSync(hash, bytes, {key: object, dsaEncoding: 'ieee-p1363'}) : signSync(hash, bytes, object);
					return signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength) as ArrayBuffer;
				};
			}

			const value = Reflect.get(target, property) as unknown;
			return typeof value === 'function' ? value.bind(target) : value;
		},
	}),
} as unknown as Crypto;

/**
 * A CA certificate parsed once, with its key identifier and its subject as the issuer name of what it signs:
 * every leaf it signs needs all three.
 */
type ParsedSigner = {readonly cert: X509.X509Certificate; readonly keyId: string; readonly issuer: X509.JsonName};
const parsedSigners = new Map<string, ParsedSigner>();
function parsedSigner(signer: Signer): ParsedSigner {
	let parsed = parsedSigners.get(signer.certPem);
	if (!parsed) {
		const cert = new x509.X509Certificate(signer.certPem);
		parsed = {cert, keyId: keyIdentifier(signer.keys.publicKey), issuer: cert.subjectName.toJSON()};
		if (parsedSigners.size > 64) parsedSigners.clear();
		parsedSigners.set(signer.certPem, parsed);
	}

	return parsed;
}

/*
 * Building an extension is most of issuing's own cost: x509 encodes its value, wraps it, encodes that, and parses
 * both back. Basic constraints, key usage, extended key usage and the authority key identifier are the same for
 * many certificates of a run: each distinct one is built once and reused (an extension is immutable bytes).
 */
const sharedExtensions = new Map<string, X509.Extension>();
function shared(key: string, make: () => X509.Extension): X509.Extension {
	let extension = sharedExtensions.get(key);
	if (!extension) {
		extension = make();
		if (sharedExtensions.size > 256) sharedExtensions.clear();
		sharedExtensions.set(key, extension);
	}

	return extension;
}

const subjectAltNameOid = '2.5.29.17';

/** The SAN extension, as x509's SubjectAlternativeNameExtension encodes it, without parsing its value back. */
function subjectAltNames(sans: CertSpec['sans']): X509.Extension {
	return new x509.Extension(subjectAltNameOid, false, new x509.GeneralNames(sans.map(san => ({type: san.type, value: san.value}))).rawData);
}

function subjectName(spec: CertSpec): X509.JsonName {
	// JSON form so a comma or a plus in a name is escaped, not split.
	return [...spec.organizations.map(o => ({O: [o]})), {CN: [spec.commonName]}];
}

/**
 * Sign one certificate for a spec. The key pair may be passed in (made earlier, all at once, so the
 * thread pool spreads them over the cores); a root CA signs itself.
 */
export async function issue(spec: CertSpec, keys: KeyPair, signer: Signer | undefined, now = new Date()): Promise<Issued> {
	await loadX509();
	const notBefore = new Date(now.getTime() - backdateMs);
	let notAfter = new Date(now.getTime() + spec.validityHours * 3600 * 1000);
	const extensions: X509.Extension[] = [];
	let certificate: X509.X509Certificate;
	if (spec.signer === 'self') {
		extensions.push(
			new x509.BasicConstraintsExtension(true, undefined, true),
			new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
			new x509.SubjectKeyIdentifierExtension(keyIdentifier(keys.publicKey)),
		);
		certificate = await x509.X509CertificateGenerator.createSelfSigned({
			serialNumber: randomSerialHex(),
			name: subjectName(spec),
			keys: {privateKey: keys.privateKey, publicKey: keys.publicKey},
			notBefore,
			notAfter,
			signingAlgorithm: signingAlgorithm(keys),
			extensions,
		}, signingCrypto);
	} else {
		if (!signer) throw new Error(`bug: ${spec.id} needs a signer`);
		const {cert: caCert, keyId: caKeyId, issuer: parsedIssuer} = parsedSigner(signer);
		// A leaf never outlives the CA that signed it.
		if (notAfter > caCert.notAfter) notAfter = caCert.notAfter;
		let usage = x509.KeyUsageFlags.digitalSignature;
		// RSA key exchange (TLS 1.2 RSA suites) encrypts with the key; ECDSA keys never do.
		if (keys.algorithm !== 'ecdsa-p256') usage |= x509.KeyUsageFlags.keyEncipherment;
		if (spec.isCA) usage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;
		extensions.push(
			shared(`basic ${spec.isCA}`, () => new x509.BasicConstraintsExtension(spec.isCA, undefined, true)),
			shared(`usage ${usage}`, () => new x509.KeyUsagesExtension(usage, true)),
		);
		if (spec.extKeyUsages.length > 0) {
			extensions.push(shared(`ext ${spec.extKeyUsages.join(',')}`, () => new x509.ExtendedKeyUsageExtension(spec.extKeyUsages.map(u => x509.ExtendedKeyUsage[u]))));
		}

		if (spec.sans.length > 0) extensions.push(subjectAltNames(spec.sans));
		extensions.push(
			new x509.SubjectKeyIdentifierExtension(keyIdentifier(keys.publicKey)),
			shared(`authority ${caKeyId}`, () => new x509.AuthorityKeyIdentifierExtension(caKeyId, false)),
		);
		certificate = await x509.X509CertificateGenerator.create({
			serialNumber: randomSerialHex(),
			subject: subjectName(spec),
			issuer: parsedIssuer,
			publicKey: spki(keys.publicKey),
			signingKey: signer.keys.privateKey,
			notBefore,
			notAfter,
			signingAlgorithm: signingAlgorithm(signer.keys),
			extensions,
		}, signingCrypto);
	}

	return {spec, certPem: certificate.toString('pem') + '\n', keyPem: privateKeyToPem(keys), keys};
}

/**
 * Issue a whole plan: every key is requested at once, so both cores work, then the CA signs each leaf.
 * `existing` holds certificates to keep (a reused CA, valid leaves), by spec id.
 */
export async function issueAll(
	specs: readonly CertSpec[],
	options: {
		existing?: ReadonlyMap<string, Issued>;
		/** Keys already being made (started before the x509 module loaded), by spec id. */
		keys?: ReadonlyMap<string, Promise<KeyPair>>;
		now?: Date;
		onProgress?: (done: number, total: number) => void;
		/** Told of each certificate as soon as it is issued (generate stages its files then), in signing order. */
		onIssued?: (issued: Issued) => void;
	} = {},
): Promise<Issued[]> {
	// x509 loads while the first keys are being made, not after.
	const library = loadX509();
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
