// Keys started at process start (`generate` into an empty folder) are the ones the plan's first certificates
// get: no key is made twice, and keys not yet begun are never made when the run turns out not to need them.
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {earlyKeyAlgorithm, earlyKeyCount} from '../../source/commands/early-keys.js';
import {buildPlan} from '../../source/core/plan.js';
import {discardEarlyKeys, keyConcurrency, startEarlyKeys, startKeyGeneration} from '../../source/core/pki/keys.js';
import {exampleTopology} from '../../source/core/topology.js';
import {tempDir} from '../helpers/tools.js';

afterEach(() => {
	discardEarlyKeys();
	vi.restoreAllMocks();
});

describe('early keys', () => {
	it('the plan takes the early keys: as many keys made as certificates, the first ones those started early', async () => {
		const made = vi.spyOn(globalThis.crypto.subtle, 'generateKey');
		startEarlyKeys('ecdsa-p256', earlyKeyCount);
		// A turn of the loop: the first keyConcurrency early keys have begun, as they do while the program loads.
		await new Promise(resolve => setImmediate(resolve));
		const early = made.mock.calls.length;
		const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
		expect(plan.certs.length).toBeGreaterThan(earlyKeyCount);
		const keys = startKeyGeneration(plan.certs);
		const pairs = await Promise.all(keys.values());
		expect(made).toHaveBeenCalledTimes(plan.certs.length);
		// Each certificate has a key of its own.
		expect(new Set(pairs.map(pair => pair.publicKey)).size).toBe(plan.certs.length);
		expect(early).toBe(keyConcurrency);
	});

	it('another algorithm leaves them unused, and keys not yet begun are never made', async () => {
		const made = vi.spyOn(globalThis.crypto.subtle, 'generateKey');
		startEarlyKeys('ecdsa-p256', earlyKeyCount);
		await new Promise(resolve => setImmediate(resolve));
		const plan = buildPlan({...exampleTopology(), algorithm: 'rsa-2048'});
		const certs = plan.certs.slice(0, 1);
		await Promise.all(startKeyGeneration(certs).values());
		// The one RSA key, and no more ECDSA keys than had begun when the plan asked (one queue for all).
		const ecdsa = made.mock.calls.filter(call => (call[0] as {name: string}).name === 'ECDSA').length;
		expect(made.mock.calls.length - ecdsa).toBe(1);
		expect(ecdsa).toBe(keyConcurrency);
	});

	it('starts only for generate into an empty or absent folder, with the algorithm certain from the command line', () => {
		const cwd = tempDir('kubepki-early-');
		mkdirSync(path.join(cwd, 'empty'));
		mkdirSync(path.join(cwd, 'full'));
		writeFileSync(path.join(cwd, 'full', 'ca.pem'), '');
		writeFileSync(path.join(cwd, 'afile'), '');
		const decide = (command: string, flags: Record<string, string | boolean>) => earlyKeyAlgorithm(command, flags, cwd);
		expect(decide('generate', {})).toBe('rsa-2048');
		expect(decide('generate', {out: 'empty', algorithm: 'ecdsa-p256'})).toBe('ecdsa-p256');
		expect(decide('generate', {out: 'full'})).toBeUndefined();
		expect(decide('generate', {out: 'full', force: true})).toBe('rsa-2048');
		expect(decide('generate', {out: 'afile'})).toBeUndefined();
		expect(decide('generate', {config: 'cluster.yaml'})).toBeUndefined();
		expect(decide('generate', {config: 'cluster.yaml', algorithm: 'rsa-4096'})).toBe('rsa-4096');
		expect(decide('generate', {algorithm: 'dsa'})).toBeUndefined();
		expect(decide('generate', {help: true})).toBeUndefined();
		expect(decide('lint', {})).toBeUndefined();
		expect(decide('', {})).toBeUndefined();
	});
});
