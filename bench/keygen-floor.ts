// The physical floor of a run that makes COUNT keys: Node's start, then COUNT keys from its own webcrypto,
// as many at a time as kubepki makes them (keyConcurrency), and nothing else.
// usage: node dist/bench/keygen-floor.js rsa-2048|ecdsa-p256 COUNT
import {keyConcurrency} from '../source/core/pki/keys.js';

const [algorithm = 'rsa-2048', countText = '9'] = process.argv.slice(2);
const params =
	algorithm === 'ecdsa-p256'
		? {name: 'ECDSA', namedCurve: 'P-256'}
		: {name: 'RSASSA-PKCS1-v1_5', modulusLength: algorithm === 'rsa-4096' ? 4096 : 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'};
let next = 0;
const count = Number(countText);
async function worker(): Promise<void> {
	while (next < count) {
		next++;
		await globalThis.crypto.subtle.generateKey(params, true, ['sign', 'verify']);
	}
}

await Promise.all(Array.from({length: keyConcurrency}, async () => worker()));
