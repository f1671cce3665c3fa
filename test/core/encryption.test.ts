import {describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {buildEncryptionConfig, decideEncryptionConfig, encryptionConfigYaml, parseEncryptionConfig} from '../../source/core/encryption.js';

describe('encryption-config.yaml', () => {
	it('encrypts secrets with secretbox by default (upstream calls aescbc not recommended), a 32-byte key, and identity last (reference §5)', () => {
		const decision = decideEncryptionConfig(undefined, undefined, false);
		if (decision.status === 'refused') throw new Error(decision.reason);
		expect(decision.status).toBe('new');
		expect(decision.file.mode).toBe(0o600);
		const raw = parseYaml(String(decision.file.content));
		expect(raw.apiVersion).toBe('apiserver.config.k8s.io/v1');
		expect(raw.kind).toBe('EncryptionConfiguration');
		expect(raw.resources).toHaveLength(1);
		expect(raw.resources[0].resources).toEqual(['secrets']);
		const providers = raw.resources[0].providers;
		expect(Object.keys(providers[0])).toEqual(['secretbox']);
		expect(providers.at(-1)).toEqual({identity: {}});
		expect(Buffer.from(providers[0].secretbox.keys[0].secret, 'base64')).toHaveLength(32);
	});

	it.each(['secretbox', 'aesgcm', 'aescbc'] as const)('puts %s first with a 32-byte key when asked', provider => {
		const decision = decideEncryptionConfig(undefined, provider, false);
		if (decision.status === 'refused') throw new Error(decision.reason);
		const providers = parseYaml(String(decision.file.content)).resources[0].providers;
		expect(Object.keys(providers[0])).toEqual([provider]);
		expect(Buffer.from(providers[0][provider].keys[0].secret, 'base64')).toHaveLength(32);
		expect(providers).toHaveLength(2);
	});

	it('makes a different key every time', () => {
		const key = () => parseYaml(encryptionConfigYaml(buildEncryptionConfig())).resources[0].providers[0].secretbox.keys[0].secret;
		expect(key()).not.toBe(key());
	});

	it('keeps a valid existing file byte for byte, even with --force: a new key would strand encrypted secrets', () => {
		const existing = `# hand-edited\n${encryptionConfigYaml(buildEncryptionConfig('secretbox'))}`;
		for (const force of [false, true]) {
			const decision = decideEncryptionConfig(existing, undefined, force);
			expect(decision.status).toBe('kept');
			if (decision.status === 'kept') expect(decision.file.content).toBe(existing);
		}

		expect(decideEncryptionConfig(existing, 'secretbox', false).status).toBe('kept');
	});

	it('refuses to switch provider or overwrite a broken file without --force, and never quotes the key', () => {
		const existing = encryptionConfigYaml(buildEncryptionConfig('aescbc'));
		const secret = parseYaml(existing).resources[0].providers[0].aescbc.keys[0].secret as string;
		const switched = decideEncryptionConfig(existing, 'secretbox', false);
		expect(switched.status).toBe('refused');
		if (switched.status === 'refused') {
			expect(switched.reason).toContain('aescbc');
			expect(switched.reason).not.toContain(secret);
		}

		const shortKey = existing.replace(secret, Buffer.alloc(8).toString('base64'));
		const broken = decideEncryptionConfig(shortKey, undefined, false);
		expect(broken.status).toBe('refused');
		if (broken.status === 'refused') expect(broken.reason).toMatch(/8 bytes/);
		expect(decideEncryptionConfig('garbage: [', undefined, false).status).toBe('refused');
		const replaced = decideEncryptionConfig('garbage: [', 'secretbox', true);
		expect(replaced.status).toBe('replaced');
	});

	it.each([
		['not YAML', 'a: ['],
		['another kind', 'apiVersion: v1\nkind: Secret\n'],
		['no secrets entry', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [configmaps], providers: [{identity: {}}]}]\n'],
		['a secretbox key of 16 bytes', `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{secretbox: {keys: [{name: k, secret: ${Buffer.alloc(16).toString('base64')}}]}}]}]\n`],
		['a key that is not base64', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{aescbc: {keys: [{name: k, secret: "%%%%"}]}}]}]\n'],
		['an unknown provider', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{rot13: {}}]}]\n'],
	])('parseEncryptionConfig rejects %s without throwing', (_name, text) => {
		expect(parseEncryptionConfig(text).ok).toBe(false);
	});
});
