// Kubeconfigs (reference §4): contexts that point at nothing (the guide's mycluster / kubernetes-the-hard-way
// slip), an embedded CA that did not sign the embedded client certificate, and a server address the API
// server's certificate does not cover.
import path from 'node:path';
import {hardwayCaCert} from '../placement.js';
import type {Item} from '../pki/load.js';
import {sansCover} from '../pki/san-match.js';
import {apiServerCerts} from './sans.js';
import {about, certItems, type CertItem, type Finding, type Rule} from './types.js';

const kubeconfigs = (items: readonly Item[]) => items.filter(item => item.kind === 'kubeconfig' && item.raw?.parsedKubeconfig);

export const kubeconfigContext: Rule = {
	id: 'kubeconfig-context',
	summary: 'current-context, or a context, names a cluster or user the kubeconfig does not define',
	check({items}) {
		const findings: Finding[] = [];
		for (const item of kubeconfigs(items)) {
			const config = item.raw!.parsedKubeconfig!;
			const defined = (list: ReadonlyArray<{name: string}>) => list.map(entry => entry.name).join(', ') || 'none';
			for (const problem of config.problems) {
				const add = (severity: Finding['severity'], message: string) => findings.push({...about(item), rule: 'kubeconfig-context', severity, message});
				switch (problem.code) {
					case 'context-cluster-missing': {
						add('error', `${problem.field} is "${problem.value}", a cluster this file does not define (it has: ${defined(config.clusters)}): kubectl fails with "no server found for cluster". Use one cluster name in set-cluster and set-context.`);
						break;
					}

					case 'context-user-missing': {
						add('error', `${problem.field} is "${problem.value}", a user this file does not define (it has: ${defined(config.users)}): kubectl connects with no credentials. Use one user name in set-credentials and set-context.`);
						break;
					}

					case 'current-context-missing': {
						add('error', `current-context is "${problem.value}", which is not a context of this file (it has: ${defined(config.contexts)}): kubectl fails with "context was not found". Run kubectl config use-context with an existing one.`);
						break;
					}

					case 'no-current-context': {
						add('warning', 'no current-context: every kubectl call needs --context. Set it with kubectl config use-context default --kubeconfig=<file>.');
						break;
					}

					default: {
						break;
					}
				}
			}
		}

		return findings;
	},
};

/** The embedded certificate items of a kubeconfig, by source field (a CA bundle's field holds several). */
function embedded(items: readonly Item[], kubeconfig: Item): Map<string, CertItem[]> {
	const found = new Map<string, CertItem[]>();
	for (const item of certItems(items).filter(i => i.path === kubeconfig.path && i.source.startsWith('kubeconfig:'))) found.set(item.source, [...(found.get(item.source) ?? []), item]);
	return found;
}

/** The first certificate of a file in the set, by absolute path. */
function fileCert(items: readonly Item[], file: string): CertItem | undefined {
	return certItems(items).find(i => !i.source.startsWith('kubeconfig') && path.resolve(i.path) === file);
}

/** `, FILE` for a certificate read from a file (named on its own, or a kubeconfig's reference); '' when embedded. */
function placeOf(item: CertItem): string {
	if (item.referenced) return `, ${item.referenced}`;
	return item.source.startsWith('kubeconfig') ? '' : `, ${item.path}`;
}

export const kubeconfigAuth: Rule = {
	id: 'kubeconfig-auth',
	summary: 'a cluster with insecure-skip-tls-verify (TLS checking off), or a user that logs in with a token, exec plugin, auth provider or password',
	check({items}) {
		const findings: Finding[] = [];
		for (const item of kubeconfigs(items)) {
			const config = item.raw!.parsedKubeconfig!;
			for (const cluster of config.clusters.filter(c => c.insecureSkipTlsVerify)) {
				findings.push({
					...about(item),
					rule: 'kubeconfig-auth',
					severity: 'warning',
					message: `clusters[${cluster.name}] has insecure-skip-tls-verify: true: kubectl does not check the API server's certificate at all, so anyone on the path can pose as ${cluster.server ?? 'the server'}${cluster.caPem || cluster.caFile ? ' (the CA it names is ignored)' : ''}. Use certificate-authority-data instead: kubectl config set-cluster ${cluster.name} --insecure-skip-tls-verify=false --certificate-authority=${hardwayCaCert} --embed-certs.`,
				});
			}

			const how: Record<string, string> = {
				token: 'a bearer token (token or tokenFile)',
				exec: 'an exec plugin (a program prints its credentials)',
				'auth-provider': 'an auth-provider (a cloud or OIDC plugin)',
				basic: 'a user name and password',
			};
			for (const user of config.users.filter(u => how[u.auth])) {
				findings.push({
					...about(item),
					rule: 'kubeconfig-auth',
					severity: 'info',
					message: `users[${user.name}] logs in with ${how[user.auth]}, not a client certificate, so kubepki has nothing to check here (the API server decides). Check who it logs in as with kubectl auth whoami.`,
				});
			}
		}

		return findings;
	},
};

export const kubeconfigCaMismatch: Rule = {
	id: 'kubeconfig-ca-mismatch',
	summary: "a context's embedded CA does not verify its user's embedded client certificate",
	check({items, chain}) {
		const findings: Finding[] = [];
		for (const item of kubeconfigs(items)) {
			const config = item.raw!.parsedKubeconfig!;
			const certs = embedded(items, item);
			const checked = new Set<string>();
			// kubectl without --embed-certs writes file paths instead: use those files when they are in the set.
			const referenced = (file: string | undefined) => (file ? fileCert(items, path.resolve(path.dirname(item.path), file)) : undefined);
			for (const context of config.contexts) {
				const cluster = config.clusters.find(c => c.name === context.cluster);
				const user = config.users.find(u => u.name === context.user);
				// Embedded, or a file reference followed when the kubeconfig was read (load.ts), or that file read on its own.
				const fileCa = referenced(cluster?.caFile);
				const trusted = certs.get(`kubeconfig:clusters[${context.cluster}].certificate-authority-data`) ?? certs.get(`kubeconfig:clusters[${context.cluster}].certificate-authority`) ?? (fileCa ? [fileCa] : []);
				const ca = trusted[0];
				const client = (certs.get(`kubeconfig:users[${context.user}].client-certificate-data`) ?? certs.get(`kubeconfig:users[${context.user}].client-certificate`))?.[0] ?? referenced(user?.certFile);
				if (!ca || !client || checked.has(`${context.cluster}|${context.user}`)) continue;
				checked.add(`${context.cluster}|${context.user}`);
				// A bundle (mid CA rotation: old + new) is fine when any CA in it signed the client certificate.
				if (trusted.some(candidate => chain.verifies(candidate, client))) continue;
				findings.push({
					...about(item),
					rule: 'kubeconfig-ca-mismatch',
					severity: 'error',
					message: `context ${context.name}: the CA of clusters[${context.cluster}] (${ca.cert.subject}${placeOf(ca)}) did not sign the certificate of users[${context.user}] (issuer ${client.cert.issuer}${placeOf(client)}): one of them is from another CA (a regenerated ${hardwayCaCert}?), and the API server, which trusts the same CA, answers "Unauthorized". Rebuild the kubeconfig from the current ${hardwayCaCert} and a certificate it signed.`,
				});
			}
		}

		return findings;
	},
};

/** True when one of the certificate's SANs names `host` (an address, or a DNS name; a wildcard covers one label). */
export function sanCovers(cert: CertItem, host: string): boolean {
	return sansCover(cert.cert, host);
}

function serverHost(server: string): string | undefined {
	try {
		return new URL(server).hostname.replace(/^\[(.*)\]$/, '$1') || undefined;
	} catch {
		return undefined;
	}
}

export const kubeconfigServerSan: Rule = {
	id: 'kubeconfig-server-san',
	summary: "a kubeconfig's server host is not among the SANs of the API server certificate in the set",
	check({items}) {
		const apiservers = apiServerCerts(items);
		if (apiservers.length === 0) return [];
		const findings: Finding[] = [];
		for (const item of kubeconfigs(items)) {
			for (const cluster of item.raw!.parsedKubeconfig!.clusters) {
				const host = cluster.server ? serverHost(cluster.server) : undefined;
				if (!host || apiservers.some(cert => sanCovers(cert, host))) continue;
				findings.push({
					...about(item),
					rule: 'kubeconfig-server-san',
					severity: 'error',
					message: `clusters[${cluster.name}].server is ${cluster.server}, but ${host} is not a SAN of ${apiservers[0]!.path}: kubectl fails with "x509: certificate is valid for …, not ${host}". Add ${host} to the API server certificate's SANs and reissue it, or use an address it names.`,
				});
			}
		}

		return findings;
	},
};
