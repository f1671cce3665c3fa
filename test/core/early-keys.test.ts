// Keys started at process start (`generate` into an empty folder) are the ones the plan's first certificates
// get: no key is made twice, and keys not yet begun are never made when the run turns out not to need them.
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {earlyKeyAlgorithm, earlyKeyCount} from '../../source/commands/early-keys.js';
import {buildPlan} from '../../source/core/plan.js';
import {discardEarlyKeys, keyConcurrency, startEarlyKeys, startKeyGeneration} from '../../source/core/pki/keys.js';
import {exampleTopology} from '../../source/core/topology.js';
import {tempDir} from '../helpers/tools.js';

afterEach(() => {
	discardEarlyKeys();
});

describe('early keys', () => {
	it('the plan takes the early keys: its first certificates get exactly the keys started early, each certificate a key of its own', async () => {
		const early = startEarlyKeys('ecdsa-p256', earlyKeyCount);
		// A turn of the loop: the first keys have begun, as they do while the program loads.
		await new Promise(resolve => setImmediate(resolve));
		const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
		expect(plan.certs.length).toBeGreaterThan(earlyKeyCount);
		const pairs = await Promise.all(startKeyGeneration(plan.certs).values());
		const earlyPairs = await Promise.all(early);
		expect(earlyPairs.every(Boolean)).toBe(true);
		expect(pairs.slice(0, earlyKeyCount)).toEqual(earlyPairs);
		expect(new Set(pairs.map(pair => pair.publicKey)).size).toBe(plan.certs.length);
	});

	it('another algorithm leaves them unused, and keys not yet begun are never made', async () => {
		// The plan asks in the same turn (as generate does when the cluster file names another algorithm):
		// no early key has begun, so none is made.
		const early = startEarlyKeys('ecdsa-p256', earlyKeyCount);
		const plan = buildPlan({...exampleTopology(), algorithm: 'rsa-2048'});
		const [rsa] = await Promise.all(startKeyGeneration(plan.certs.slice(0, 1)).values());
		expect(rsa?.algorithm).toBe('rsa-2048');
		const earlyPairs = await Promise.all(early);
		expect(earlyPairs.map(pair => pair?.algorithm ?? 'never made')).toEqual(Array.from({length: earlyKeyCount}, () => 'never made'));
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
