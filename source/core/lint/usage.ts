// Extended key usage: a server certificate without serverAuth, or a client one without clientAuth, fails
// the TLS handshake (etcd: "remote error: tls: bad certificate"). Which usages a file needs follows from
// what it is for (reference §2 and §7).
import {baseName} from '../pki/meaning.js';
import {about, certItems, where, type CertItem, type Finding, type Rule} from './types.js';

type Need = {server: boolean; client: boolean};

/** What a certificate is used as, or undefined when its use is not known well enough to judge. */
export function neededUsages(item: CertItem): Need | undefined {
	if (item.cert.isCA) return undefined;
	// A kubeconfig's user certificate is presented by kubectl or a component: a client.
	if (/^kubeconfig:users\[/.test(item.source)) return {server: false, client: true};
	if (item.source.startsWith('kubeconfig:')) return undefined;
	const base = baseName(item.path).toLowerCase();
	const isClientFile = /-client(-current)?$/.test(base) || base === 'healthcheck-client';
	switch (item.kubernetes?.role) {
		case 'controller-manager':
		case 'scheduler':
		case 'proxy':
		case 'admin': {
			return {server: false, client: true};
		}

		case 'kubelet': {
			// kubeadm's kubelet.crt is a serving certificate; the hard way's <worker>.pem serves and logs in.
			const serves = item.cert.ipAddresses.length > 0 || item.cert.dnsNames.length > 0;
			return {server: serves, client: base !== 'kubelet'};
		}

		case 'apiserver': {
			if (isClientFile) return {server: false, client: true};
			// The guide's API server certificate is also its client certificate towards etcd and the kubelets.
			return {server: true, client: base === 'kubernetes'};
		}

		case 'apiserver-kubelet-client':
		case 'apiserver-etcd-client':
		case 'front-proxy-client':
		case 'etcd-healthcheck-client': {
			return {server: false, client: true};
		}

		case 'etcd-server':
		case 'etcd-peer': {
			// etcd members are servers to clients and clients of each other (peers).
			return {server: true, client: true};
		}

		case 'etcd': {
			if (isClientFile) return {server: false, client: true};
			// etcd members are servers to clients and clients of each other (peers).
			return base === 'server' || base === 'peer' ? {server: true, client: true} : undefined;
		}

		default: {
			return undefined;
		}
	}
}

export const ekuMismatch: Rule = {
	id: 'eku-mismatch',
	summary: 'a server certificate needs serverAuth and a client certificate clientAuth in extendedKeyUsage',
	check({items}) {
		const findings: Finding[] = [];
		for (const item of certItems(items)) {
			const eku = item.cert.extKeyUsage;
			// No extension at all means any use; `any` (anyExtendedKeyUsage) likewise.
			if (eku.length === 0 || eku.includes('any')) continue;
			const need = neededUsages(item);
			if (!need) continue;
			const has = `extendedKeyUsage is ${eku.join(', ')}`;
			const add = (usage: string, as: string) =>
				findings.push({
					...about(item),
					rule: 'eku-mismatch',
					severity: 'error',
					message: `${where(item)}${has}, without ${usage}: it is used as a ${as}, and the handshake fails ("tls: bad certificate"). Reissue with ${usage} (cfssl usages "${usage === 'serverAuth' ? 'server auth' : 'client auth'}", openssl extendedKeyUsage=${usage}).`,
				});
			if (need.server && !eku.includes('serverAuth')) add('serverAuth', 'TLS server');
			if (need.client && !eku.includes('clientAuth')) add('clientAuth', 'TLS client');
		}

		return findings;
	},
};
