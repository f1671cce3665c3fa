// Which certificate (or public key) a private key belongs with: the same kubeconfig user, the same PEM file, or
// the file its name points to (hard way x-key.pem → x.pem, kubeadm x.key → x.crt, or x.pub for the service-account pair).
import path from 'node:path';
import type {Item} from './items.js';
import {kubeconfigField} from './kubeconfig-items.js';

/** The file names a key's certificate has next to it: hard way (x-key.pem → x.pem), kubeadm (x.key → x.crt, or x.pub for the service-account pair). */
function partnerNames(keyPath: string): string[] {
	const dir = path.dirname(keyPath);
	const name = path.basename(keyPath);
	const names: string[] = [];
	const hardway = /^(.*)-key\.pem$/.exec(name);
	if (hardway) names.push(`${hardway[1]}.pem`, `${hardway[1]}.crt`);
	const kubeadm = /^(.*)\.key$/.exec(name);
	if (kubeadm) names.push(`${kubeadm[1]}.crt`, `${kubeadm[1]}.pem`, `${kubeadm[1]}.pub`);
	return names.map(n => path.join(dir, n));
}

/** The certificate (or public key) a private key item belongs with, when the set has one. */
export function partnerOf(key: Item, items: readonly Item[]): Item | undefined {
	const withPublic = (item: Item) => (item.kind === 'certificate' || item.kind === 'public-key') && item.raw?.spki !== undefined;
	// A kubeconfig user's key pairs with that user's certificate.
	const field = kubeconfigField(key.source);
	if (field?.field === 'client-key') {
		return items.find(item => item.path === key.path && withPublic(item) && kubeconfigField(item.source)?.field === 'client-certificate' && kubeconfigField(item.source)?.name === field.name && kubeconfigField(item.source)?.section === 'users');
	}
	if (key.source.startsWith('kubeconfig:')) return undefined;
	// A PEM file holding both: the certificate in the same file.
	const same = items.find(item => item.path === key.path && item.kind === 'certificate' && withPublic(item));
	if (same) return same;
	for (const name of partnerNames(key.path)) {
		const found = items.find(item => item.path === name && withPublic(item) && !item.source.startsWith('kubeconfig'));
		if (found) return found;
	}

	return undefined;
}

/** A key whose name says nothing (worker-0-key.pem) takes the role of the certificate it pairs with. */
export function adoptPartnerRoles(items: Item[]): Item[] {
	return items.map(item => {
		if (item.kind !== 'private-key' || item.kubernetes?.roleFrom !== 'subject') return item;
		const partner = partnerOf(item, items);
		const role = partner?.kubernetes?.role;
		return role && role !== 'other' ? {...item, kubernetes: {...item.kubernetes, role}} : item;
	});
}
