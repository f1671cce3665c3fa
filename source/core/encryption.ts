import {randomBytes} from 'node:crypto';
import {parse as parseYaml, stringify} from 'yaml';
import type {OutputFile} from './write.js';
import {encryptionConfigName, fileModes} from './placement.js';

/*
 * Encryption at rest (reference §5). Upstream's current advice: KMS v2 is the recommended provider;
 * among providers with a local key, secretbox is the better choice and aescbc is no longer recommended
 * (CBC padding-oracle weakness), kept for compatibility. The guide's "aescbc: the recommended choice"
 * is out of date: secretbox is the default here; `--encryption-provider aescbc` gives the guide's choice
 * (what its checks look for, `k8s:enc:aescbc:v1:key1:`). A folder's existing provider is kept either way.
 */

/** Local-key providers kubepki can write, the guide's first (the wizard lists them in this order). */
export const encryptionProviders = ['aescbc', 'secretbox', 'aesgcm'] as const;
export type EncryptionProvider = (typeof encryptionProviders)[number];
/** secretbox: the better of the local-key providers (upstream calls aescbc not recommended); aescbc is the guide's. */
export const defaultEncryptionProvider: EncryptionProvider = 'secretbox';

export {encryptionConfigName};

/** Key lengths each provider accepts, in bytes. kubepki always makes 32 (the one length all three accept). */
const keyLengths: Record<EncryptionProvider, readonly number[]> = {aescbc: [16, 24, 32], secretbox: [32], aesgcm: [16, 24, 32]};
export const encryptionKeyBytes = 32;

export function isEncryptionProvider(value: string): value is EncryptionProvider {
	return (encryptionProviders as readonly string[]).includes(value);
}

export type EncryptionConfiguration = {
	apiVersion: 'apiserver.config.k8s.io/v1';
	kind: 'EncryptionConfiguration';
	resources: Array<{resources: string[]; providers: Array<Record<string, unknown>>}>;
};

/**
 * Secrets encrypted with `provider` and a fresh key; `identity` last, so secrets written before encryption
 * was turned on can still be read (reads try every provider; writes use the first).
 */
export function buildEncryptionConfig(provider: EncryptionProvider = defaultEncryptionProvider, key: Uint8Array = randomBytes(encryptionKeyBytes)): EncryptionConfiguration {
	if (!keyLengths[provider].includes(key.length)) throw new Error(`bug: a ${key.length}-byte key for ${provider}`);
	return {
		apiVersion: 'apiserver.config.k8s.io/v1',
		kind: 'EncryptionConfiguration',
		resources: [
			{
				resources: ['secrets'],
				providers: [{[provider]: {keys: [{name: 'key1', secret: Buffer.from(key).toString('base64')}]}}, {identity: {}}],
			},
		],
	};
}

export function encryptionConfigYaml(config: EncryptionConfiguration): string {
	return stringify(config, {lineWidth: 0});
}

/** What an existing file says about secrets: which provider writes them, and the keys (lengths only). */
export type EncryptionSummary = {
	readonly firstProvider: string;
	readonly providers: ReadonlyArray<{readonly type: string; readonly keys: ReadonlyArray<{readonly name: string; readonly bytes: number}>}>;
};

export type EncryptionParseResult = {readonly ok: true; readonly summary: EncryptionSummary} | {readonly ok: false; readonly error: string};

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/**
 * Check an EncryptionConfiguration as kube-apiserver would for secrets. Never throws; errors never quote
 * a key (they are printed).
 */
export function parseEncryptionConfig(text: string): EncryptionParseResult {
	let raw: unknown;
	try {
		raw = parseYaml(text, {prettyErrors: false});
	} catch (error) {
		return {ok: false, error: `not valid YAML: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : ''}`};
	}

	if (!isRecord(raw)) return {ok: false, error: 'expected a mapping (kind: EncryptionConfiguration)'};
	if (raw.kind !== 'EncryptionConfiguration') return {ok: false, error: `kind is ${JSON.stringify(raw.kind)}, expected EncryptionConfiguration`};
	if (raw.apiVersion !== 'apiserver.config.k8s.io/v1') return {ok: false, error: `apiVersion is ${JSON.stringify(raw.apiVersion)}, expected apiserver.config.k8s.io/v1`};
	if (!Array.isArray(raw.resources)) return {ok: false, error: 'resources must be a list'};
	const entry = raw.resources.find(r => isRecord(r) && Array.isArray(r.resources) && r.resources.some(x => x === 'secrets' || x === '*.*' || x === '*.'));
	if (!isRecord(entry)) return {ok: false, error: 'no resources entry covers secrets'};
	if (!Array.isArray(entry.providers) || entry.providers.length === 0) return {ok: false, error: 'the secrets entry has no providers'};

	const providers: Array<EncryptionSummary['providers'][number]> = [];
	for (const [index, item] of entry.providers.entries()) {
		const kinds = isRecord(item) ? Object.keys(item) : [];
		const type = kinds[0];
		if (!isRecord(item) || kinds.length !== 1 || type === undefined) return {ok: false, error: `providers[${index}] must name exactly one provider`};
		if (type === 'identity' || type === 'kms') {
			providers.push({type, keys: []});
			continue;
		}

		if (!isEncryptionProvider(type)) return {ok: false, error: `providers[${index}]: unknown provider ${JSON.stringify(type)}`};
		const body = item[type];
		const keys = isRecord(body) && Array.isArray(body.keys) ? body.keys : undefined;
		if (!keys || keys.length === 0) return {ok: false, error: `providers[${index}].${type}.keys must list at least one key`};
		const summary: Array<{name: string; bytes: number}> = [];
		for (const [k, key] of keys.entries()) {
			const field = `providers[${index}].${type}.keys[${k}]`;
			if (!isRecord(key) || typeof key.name !== 'string' || key.name === '') return {ok: false, error: `${field}.name is missing`};
			if (typeof key.secret !== 'string' || !/^[A-Za-z\d+/]+={0,2}$/.test(key.secret) || key.secret.length % 4 !== 0) {
				return {ok: false, error: `${field}.secret is not base64`};
			}

			const bytes = Buffer.from(key.secret, 'base64').length;
			if (!keyLengths[type].includes(bytes)) {
				return {ok: false, error: `${field}.secret is ${bytes} bytes; ${type} needs ${keyLengths[type].join(', ')}`};
			}

			summary.push({name: key.name, bytes});
		}

		providers.push({type, keys: summary});
	}

	return {ok: true, summary: {firstProvider: providers[0]!.type, providers}};
}

export type EncryptionDecision =
	| {readonly status: 'new' | 'kept' | 'replaced'; readonly file: OutputFile; readonly provider: string; readonly reason?: string}
	| {readonly status: 'refused'; readonly reason: string};

/**
 * What to write for the encryption config given what is already there. A valid file is KEPT: a new key
 * would make every secret already encrypted in etcd unreadable. A broken file, or one whose first
 * provider differs from an explicit `--encryption-provider`, is replaced only with --force.
 */
export function decideEncryptionConfig(existing: string | undefined, requested: EncryptionProvider | undefined, force: boolean): EncryptionDecision {
	const fresh = (status: 'new' | 'replaced', reason?: string): EncryptionDecision => {
		const provider = requested ?? defaultEncryptionProvider;
		return {status, provider, reason, file: {path: encryptionConfigName, content: encryptionConfigYaml(buildEncryptionConfig(provider)), mode: fileModes.encryptionConfig, kind: 'encryption-config'}};
	};

	if (existing === undefined) return fresh('new');
	const parsed = parseEncryptionConfig(existing);
	let trouble: string | undefined;
	if (!parsed.ok) trouble = `${encryptionConfigName} exists but is not usable: ${parsed.error}`;
	else if (requested && parsed.summary.firstProvider !== requested) {
		trouble = `${encryptionConfigName} already encrypts secrets with ${parsed.summary.firstProvider}; switching to ${requested} is a key rotation (secrets written with the old key need it to be read)`;
	}

	if (!trouble && parsed.ok) {
		return {status: 'kept', provider: parsed.summary.firstProvider, file: {path: encryptionConfigName, content: existing, mode: fileModes.encryptionConfig, kind: 'encryption-config'}};
	}

	if (!force) return {status: 'refused', reason: `${trouble}; fix or remove it, or pass --force to write a new key (existing encrypted secrets become unreadable)`};
	return fresh('replaced', trouble);
}
