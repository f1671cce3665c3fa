import {randomBytes} from 'node:crypto';
import {signingOrder, type CertSpec} from '../plan.js';
import {generateKeyPair, privateKeyToPem, signingAlgorithm, startKeyGeneration, type KeyPair} from './keys.js';
import {x509} from './x509.js';

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

function subjectName(spec: CertSpec): x509.JsonName {
	// JSON form so a comma or a plus in a name is escaped, not split.
	return [...spec.organizations.map(o => ({O: [o]})), {CN: [spec.commonName]}];
}

/**
 * Sign one certificate for a spec. The key pair may be passed in (made earlier, all at once, so the
 * thread pool spreads them over the cores); a root CA signs itself.
 */
export async function issue(spec: CertSpec, keys: KeyPair, signer: Signer | undefined, now = new Date()): Promise<Issued> {
	const notBefore = new Date(now.getTime() - backdateMs);
	let notAfter = new Date(now.getTime() + spec.validityHours * 3600 * 1000);
	const extensions: x509.Extension[] = [];
	let certificate: x509.X509Certificate;
	if (spec.signer === 'self') {
		extensions.push(
			new x509.BasicConstraintsExtension(true, undefined, true),
			new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
			await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
		);
		certificate = await x509.X509CertificateGenerator.createSelfSigned({
			serialNumber: randomSerialHex(),
			name: subjectName(spec),
			keys: {privateKey: keys.privateKey, publicKey: keys.publicKey},
			notBefore,
			notAfter,
			signingAlgorithm: signingAlgorithm(keys),
			extensions,
		});
	} else {
		if (!signer) throw new Error(`bug: ${spec.id} needs a signer`);
		const caCert = new x509.X509Certificate(signer.certPem);
		// A leaf never outlives the CA that signed it.
		if (notAfter > caCert.notAfter) notAfter = caCert.notAfter;
		let usage = x509.KeyUsageFlags.digitalSignature;
		// RSA key exchange (TLS 1.2 RSA suites) encrypts with the key; ECDSA keys never do.
		if (keys.algorithm !== 'ecdsa-p256') usage |= x509.KeyUsageFlags.keyEncipherment;
		if (spec.isCA) usage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;
		extensions.push(new x509.BasicConstraintsExtension(spec.isCA, undefined, true), new x509.KeyUsagesExtension(usage, true));
		if (spec.extKeyUsages.length > 0) {
			extensions.push(new x509.ExtendedKeyUsageExtension(spec.extKeyUsages.map(u => x509.ExtendedKeyUsage[u])));
		}

		if (spec.sans.length > 0) {
			extensions.push(new x509.SubjectAlternativeNameExtension(spec.sans.map(san => ({type: san.type, value: san.value}))));
		}

		extensions.push(
			await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
			await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
		);
		certificate = await x509.X509CertificateGenerator.create({
			serialNumber: randomSerialHex(),
			subject: subjectName(spec),
			issuer: caCert.subjectName.toJSON(),
			publicKey: keys.publicKey,
			signingKey: signer.keys.privateKey,
			notBefore,
			notAfter,
			signingAlgorithm: signingAlgorithm(signer.keys),
			extensions,
		});
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
	} = {},
): Promise<Issued[]> {
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
	for (const spec of ordered) {
		if (issued.has(spec.id)) continue;
		const keys = await keyPromises.get(spec.id)!;
		const signer = spec.signer === 'self' ? undefined : issued.get(spec.signer);
		if (spec.signer !== 'self' && !signer) throw new Error(`bug: signer ${spec.signer} of ${spec.id} is not in the plan`);
		issued.set(spec.id, await issue(spec, keys, signer, options.now));
	}

	return specs.map(spec => issued.get(spec.id)!);
}
