import {createPrivateKey, createPublicKey, KeyObject} from 'node:crypto';
import {availableParallelism} from 'node:os';

/** Key algorithms kubepki can make; RSA-2048 is what the guide and kubeadm use (and the default). */
export const algorithms = ['rsa-2048', 'rsa-4096', 'ecdsa-p256'] as const;
export type Algorithm = (typeof algorithms)[number];
export const defaultAlgorithm: Algorithm = 'rsa-2048';

/** A key pair as webcrypto keys, with the algorithm it was made for. */
export type KeyPair = {
	readonly privateKey: CryptoKey;
	readonly publicKey: CryptoKey;
	readonly algorithm: Algorithm;
};

const rsaParams = (bits: number): RsaHashedKeyGenParams => ({
	name: 'RSASSA-PKCS1-v1_5',
	hash: 'SHA-256',
	modulusLength: bits,
	publicExponent: new Uint8Array([1, 0, 1]),
});

const ecParams: EcKeyGenParams = {name: 'ECDSA', namedCurve: 'P-256'};

function keyParams(algorithm: Algorithm): RsaHashedKeyGenParams | EcKeyGenParams {
	switch (algorithm) {
		case 'rsa-2048': {
			return rsaParams(2048);
		}

		case 'rsa-4096': {
			return rsaParams(4096);
		}

		case 'ecdsa-p256': {
			return ecParams;
		}
	}
}

/** Make a key pair in this process, off the main thread (Node's webcrypto runs it on the libuv pool). */
export async function generateKeyPairHere(algorithm: Algorithm): Promise<KeyPair> {
	const pair = await globalThis.crypto.subtle.generateKey(keyParams(algorithm), true, ['sign', 'verify']);
	return {privateKey: pair.privateKey, publicKey: pair.publicKey, algorithm};
}

/** Where key pairs are made, when not here (the wizard makes them in a child process: key-process.ts). */
export type KeyMaker = (algorithm: Algorithm) => Promise<KeyPair>;
let keyMaker: KeyMaker | undefined;

/** Make every key of this process with `maker` from now on; undefined: in this process again. */
export function useKeyMaker(maker: KeyMaker | undefined): void {
	keyMaker = maker;
}

/** Make a key pair: in this process (generateKeyPairHere), or where useKeyMaker said. */
export async function generateKeyPair(algorithm: Algorithm): Promise<KeyPair> {
	return keyMaker ? keyMaker(algorithm) : generateKeyPairHere(algorithm);
}

/** The webcrypto import parameters of a key of this algorithm. */
export function keyImportParams(algorithm: Algorithm): RsaHashedImportParams | EcKeyImportParams {
	return algorithm === 'ecdsa-p256' ? {name: 'ECDSA', namedCurve: 'P-256'} : {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'};
}

/**
 * How many keys are made at the same moment: one per core, and never the whole libuv pool (4 threads),
 * which file reads and writes share. With every pool thread busy on RSA-4096, a file read (an import, a
 * temp-file cleanup after Ctrl-C) would wait seconds behind the key work; more jobs than cores gain nothing.
 */
export const keyConcurrency = Math.max(1, Math.min(availableParallelism(), 3));

// One queue for every key of the process, `keyConcurrency` at a time: the keys started at process start and
// those the plan asks for later share it, so the count never overshoots. A finished job hands its slot
// straight to the next waiting one.
let running = 0;
const waiting: Array<() => void> = [];
async function slot(): Promise<void> {
	if (running < keyConcurrency) running++;
	else await new Promise<void>(resolve => waiting.push(resolve));
}

function release(): void {
	const next = waiting.shift();
	if (next) next();
	else running--;
}

/** Keys started before the cluster file is read, taken by the first specs of their algorithm. */
type EarlyJob = {readonly result: Promise<KeyPair | undefined>; taken: boolean};
let early: {readonly algorithm: Algorithm; readonly jobs: EarlyJob[]; cancelled: boolean} | undefined;

/**
 * Start `count` keys at once, before anything else is loaded (`generate` into an empty folder: the certificates
 * that do not depend on the cluster file, such as the CA, admin and the components, always need one). The
 * plan's keys then take them in order; those not taken are never made (see discardEarlyKeys). Returns what
 * became of each: its key, or undefined for one never begun (for tests).
 */
export function startEarlyKeys(algorithm: Algorithm, count: number): ReadonlyArray<Promise<KeyPair | undefined>> {
	const pool = {algorithm, jobs: [] as EarlyJob[], cancelled: false};
	for (let i = 0; i < count; i++) {
		const job: EarlyJob = {
			taken: false,
			result: slot()
				// A job the plan took is made whatever happens to the pool after; one nobody took is dropped.
				.then(async () => (pool.cancelled && !job.taken ? undefined : generateKeyPair(algorithm)))
				.finally(release),
		};
		pool.jobs.push(job);
	}

	early = pool;
	return pool.jobs.map(job => job.result);
}

/** The run needs no new keys after all (the folder has a PKI, or bad input): keys not yet begun are never made. */
export function discardEarlyKeys(): void {
	if (early) early.cancelled = true;
	early = undefined;
}

function takeEarlyKey(algorithm: Algorithm): Promise<KeyPair> | undefined {
	const job = early?.algorithm === algorithm ? early.jobs.find(j => !j.taken) : undefined;
	if (!job) return undefined;
	job.taken = true;
	return job.result as Promise<KeyPair>;
}

/**
 * Request every key, `keyConcurrency` at a time (keys started at process start first). Reports progress as each
 * key arrives. Needs only webcrypto, so it can start before the x509 module has loaded.
 */
export function startKeyGeneration(
	specs: ReadonlyArray<{readonly id: string; readonly algorithm: Algorithm}>,
	onProgress?: (done: number, total: number) => void,
): Map<string, Promise<KeyPair>> {
	let done = 0;
	onProgress?.(0, specs.length);
	const keys = new Map(
		specs.map(spec => {
			const job = (
				takeEarlyKey(spec.algorithm) ??
				slot()
					.then(async () => generateKeyPair(spec.algorithm))
					.finally(release)
			).then(keys => {
				onProgress?.(++done, specs.length);
				return keys;
			});
			return [spec.id, job];
		}),
	);
	// Early keys this run has no certificate for are not made.
	discardEarlyKeys();
	return keys;
}

/** The signature algorithm a key signs with: SHA-256 always. */
export function signingAlgorithm(keys: KeyPair): RsaHashedImportParams | EcdsaParams {
	return keys.algorithm === 'ecdsa-p256' ? {name: 'ECDSA', hash: 'SHA-256'} : {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'};
}

/** PEM as cfssl, openssl and kubeadm write it: PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`. */
export function privateKeyToPem(keys: KeyPair): string {
	const object = KeyObject.from(keys.privateKey);
	const type = keys.algorithm === 'ecdsa-p256' ? 'sec1' : 'pkcs1';
	return object.export({type, format: 'pem'}).toString();
}

export function publicKeyToPem(keys: KeyPair): string {
	return KeyObject.from(keys.publicKey).export({type: 'spki', format: 'pem'}).toString();
}

/** Read a private key PEM (PKCS#1, PKCS#8 or SEC1) back into a key pair that can sign. */
export async function importPrivateKeyPem(pem: string): Promise<KeyPair> {
	const privateObject = createPrivateKey(pem);
	const publicObject = createPublicKey(privateObject);
	const details = privateObject.asymmetricKeyDetails ?? {};
	let algorithm: Algorithm;
	if (privateObject.asymmetricKeyType === 'rsa') {
		algorithm = (details.modulusLength ?? 2048) >= 4096 ? 'rsa-4096' : 'rsa-2048';
	} else if (privateObject.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') {
		algorithm = 'ecdsa-p256';
	} else {
		throw new KeyTypeError(`unsupported key type ${privateObject.asymmetricKeyType ?? 'unknown'} ${details.namedCurve ?? ''}`.trim());
	}

	const params = keyImportParams(algorithm);
	const subtle = globalThis.crypto.subtle;
	const privateKey = await subtle.importKey('pkcs8', privateObject.export({type: 'pkcs8', format: 'der'}), params, true, ['sign']);
	const publicKey = await subtle.importKey('spki', publicObject.export({type: 'spki', format: 'der'}), params, true, ['verify']);
	return {privateKey, publicKey, algorithm};
}

/** A key that exists but kubepki cannot sign with (e.g. an Ed25519 CA). */
export class KeyTypeError extends Error {}
