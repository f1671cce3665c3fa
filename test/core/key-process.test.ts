// The wizard's keys come from a child process (source/core/pki/key-process.ts, the built CLI started with
// KUBEPKI_KEY_PROCESS=1): the keys it sends back sign and verify here, stop() kills it, and a child that dies
// leaves no key unmade: the keys it owed and every later one are made in this process.
import {readdirSync, readFileSync} from 'node:fs';
import {createPublicKey, verify} from 'node:crypto';
import {afterEach, describe, expect, it} from 'vitest';
import {startKeyProcess, type KeyProcess} from '../../source/core/pki/key-process.js';
import {generateKeyPair, type KeyPair} from '../../source/core/pki/keys.js';
import {cliPath} from '../helpers/tools.js';

/** This process's children that are key processes, read from /proc (their parent and their environment). */
function keyChildren(): number[] {
	const found: number[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (ppid !== process.pid) continue;
			if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes('KUBEPKI_KEY_PROCESS=1')) found.push(Number(name));
		} catch {
			// gone while read
		}
	}

	return found;
}

/** Wait for a condition (the test's own timeout ends a wait that never comes). */
async function until(ok: () => boolean): Promise<void> {
	while (!ok()) await new Promise(resolve => setTimeout(resolve, 20));
}

async function signsAndVerifies(pair: KeyPair): Promise<void> {
	const data = new TextEncoder().encode('kubepki key process');
	const params = pair.algorithm === 'ecdsa-p256' ? {name: 'ECDSA', hash: 'SHA-256'} : {name: 'RSASSA-PKCS1-v1_5'};
	const signature = await globalThis.crypto.subtle.sign(params, pair.privateKey, data);
	expect(await globalThis.crypto.subtle.verify(params, pair.publicKey, signature, data)).toBe(true);
	// And the public key as Node reads it (the certificate's SPKI comes from it) verifies the same signature.
	const spki = Buffer.from(await globalThis.crypto.subtle.exportKey('spki', pair.publicKey));
	const nodeKey = createPublicKey({key: spki, format: 'der', type: 'spki'});
	const nodeSignature = pair.algorithm === 'ecdsa-p256' ? {key: nodeKey, dsaEncoding: 'ieee-p1363' as const} : nodeKey;
	expect(verify('sha256', data, nodeSignature, Buffer.from(signature))).toBe(true);
}

let keyProcess: KeyProcess | undefined;
afterEach(() => {
	keyProcess?.stop();
	keyProcess = undefined;
});

describe.skipIf(process.platform !== 'linux')('the key process', () => {
	it('makes keys in a child of the built CLI that sign and verify here, and stop() kills the child', async () => {
		expect(keyChildren()).toEqual([]);
		keyProcess = startKeyProcess(cliPath);
		const pairs = await Promise.all([generateKeyPair('ecdsa-p256'), generateKeyPair('rsa-2048'), generateKeyPair('ecdsa-p256')]);
		const children = keyChildren();
		expect(children).toHaveLength(1);
		expect(pairs.map(p => p.algorithm)).toEqual(['ecdsa-p256', 'rsa-2048', 'ecdsa-p256']);
		for (const pair of pairs) await signsAndVerifies(pair);
		keyProcess.stop();
		await until(() => keyChildren().length === 0);
		// Keys are made here again.
		await signsAndVerifies(await generateKeyPair('ecdsa-p256'));
		expect(keyChildren()).toEqual([]);
	});

	it('a child that dies leaves no key unmade: the keys it owed and later ones are made in this process', async () => {
		keyProcess = startKeyProcess(cliPath);
		await signsAndVerifies(await generateKeyPair('ecdsa-p256'));
		const [child] = keyChildren();
		expect(child).toBeDefined();
		// Keys asked for, then the child killed before (or while) it makes them.
		const owed = [generateKeyPair('rsa-2048'), generateKeyPair('ecdsa-p256')];
		process.kill(child!, 'SIGKILL');
		for (const pair of await Promise.all(owed)) await signsAndVerifies(pair);
		await until(() => keyChildren().length === 0);
		await signsAndVerifies(await generateKeyPair('ecdsa-p256'));
		expect(keyChildren()).toEqual([]);
	});
});
