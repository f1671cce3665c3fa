// Private keys: each must match the certificate it is paired with ("tls: private key does not match
// public key"), and be readable by its owner only.
import path from 'node:path';
import {partnerOf} from '../pki/load.js';
import {about, where, type Finding, type Rule} from './types.js';

const equal = (a?: Uint8Array, b?: Uint8Array) => Boolean(a && b && Buffer.from(a).equals(Buffer.from(b)));

export const keyMismatch: Rule = {
	id: 'key-mismatch',
	summary: 'a private key next to a certificate (or in the same kubeconfig user) that does not match it',
	check({items}) {
		const findings: Finding[] = [];
		for (const key of items.filter(item => item.kind === 'private-key' && item.raw?.spki)) {
			const partner = partnerOf(key, items);
			if (!partner || equal(partner.raw?.spki, key.raw?.spki)) continue;
			const other = partner.path === key.path ? partner.source.replace(/^kubeconfig:/, '') : path.basename(partner.path);
			findings.push({
				...about(key),
				rule: 'key-mismatch',
				severity: 'error',
				message: `${where(key)}this key does not match ${other} (different public keys): the component fails with "tls: private key does not match public key". Use the key the certificate was issued for, or reissue the certificate from this key.`,
			});
		}

		return findings;
	},
};

export const keyPermissions: Rule = {
	id: 'key-permissions',
	summary: 'a private key (or a kubeconfig holding one) readable by group or others',
	check({items}) {
		const findings: Finding[] = [];
		const seen = new Set<string>();
		for (const item of items.filter(i => i.kind === 'private-key' && i.mode !== undefined)) {
			if (seen.has(item.path) || (item.mode! & 0o077) === 0) continue;
			seen.add(item.path);
			const mode = `0${item.mode!.toString(8).padStart(3, '0')}`;
			const whom = item.mode! & 0o004 ? 'every user on the machine' : 'its group';
			findings.push({
				...about(item),
				rule: 'key-permissions',
				severity: 'error',
				message: `${item.source.startsWith('kubeconfig:') ? 'holds a private key and ' : 'a private key '}is readable by ${whom} (mode ${mode}): anyone who reads it can act as its owner. chmod 600 ${path.basename(item.path)}.`,
			});
		}

		return findings;
	},
};
