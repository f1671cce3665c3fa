// Who the API server thinks a client is: CN is the user, O the groups (reference §1). These rules catch
// the identities the guides get wrong: the kubelet's `system:nodes:` typo, groups in OU, copy slips.
import {sansCover} from '../pki/san-match.js';
import {manifestFor, manifestTopology} from './manifest.js';
import {about, certItems, where, type CertItem, type Finding, type Rule} from './types.js';

/** Client certificates only: a CA or a server-only certificate never logs in, so its CN is no identity. */
function clients(items: Parameters<Rule['check']>[0]['items']): CertItem[] {
	return certItems(items).filter(item => item.kubernetes?.user !== null && item.kubernetes?.user !== undefined);
}

const nodeUser = /^system:node:([a-z\d]([a-z\d.-]*[a-z\d])?)$/;

export const kubeletIdentity: Rule = {
	id: 'kubelet-identity',
	summary: 'a kubelet certificate must be user system:node:<name> in group system:nodes, with the node IP as a SAN when it serves',
	check({items, manifests, chain}) {
		const findings: Finding[] = [];
		for (const item of certItems(items).filter(i => i.kubernetes?.role === 'kubelet')) {
			const {cert} = item;
			const at = where(item);
			const finding = (message: string, severity: Finding['severity'] = 'error') => findings.push({...about(item), rule: 'kubelet-identity', severity, message: at + message});
			if (item.kubernetes?.user !== null) {
				const typo = /^system:nodes:(.*)$/.exec(cert.commonName);
				if (typo) {
					finding(
						`CN is "${cert.commonName}": the Node authorizer only accepts "system:node:${typo[1]}" (singular node; system:nodes is the group and belongs in O). Reissue with CN=system:node:${typo[1]}, O=system:nodes.`,
					);
				} else if (!nodeUser.test(cert.commonName)) {
					finding(
						`CN is "${cert.commonName}": a kubelet must log in as system:node:<nodeName> (its lower-case host name), or the Node authorizer denies it. Reissue with CN=system:node:<nodeName>, O=system:nodes.`,
					);
				}

				if (!cert.organizations.includes('system:nodes')) {
					const ou = cert.organizationalUnits.includes('system:nodes') ? ' (it is in OU, which Kubernetes ignores)' : '';
					finding(`O lacks system:nodes${ou}: the API server sees no node group and the Node authorizer rejects the kubelet. Reissue with O=system:nodes.`);
				}
			}

			// The API server connects to the kubelet by IP for logs and exec; a serving cert needs that IP.
			// (kubeadm's self-signed kubelet.crt is never verified by the API server: its SANs do not matter.)
			const serves = cert.extKeyUsage.includes('serverAuth') && !item.source.startsWith('kubeconfig:') && !chain.selfSigned(item);
			if (serves && cert.ipAddresses.length === 0) {
				finding(
					"serves the kubelet's HTTPS port (serverAuth) but has no IP SAN: kubectl logs/exec fail with \"cannot validate certificate for <ip> because it doesn't contain any IP SANs\". Add the node's IP (and host name) as SANs.",
				);
			}

			// With kubepki's manifest the machines are known: the name must be one of them, and a serving cert carries its IP.
			const topology = manifestTopology(manifestFor(manifests, item));
			const name = nodeUser.exec(cert.commonName)?.[1];
			if (topology && name && item.kubernetes?.user !== null) {
				const nodes = [...topology.masters, ...topology.workers];
				const node = nodes.find(n => n.name === name);
				if (!node) {
					finding(`CN names node "${name}", which is not a machine of this cluster (${nodes.map(n => n.name).join(', ')}): no kubelet registers under that name, so the Node authorizer never matches it. Reissue with the node's name.`, 'warning');
				} else if (serves && cert.ipAddresses.length > 0 && !sansCover({dnsNames: [], ipAddresses: cert.ipAddresses}, node.ip)) {
					finding(`serves the kubelet of ${name} but lacks its IP ${node.ip}: the API server's logs/exec calls to ${node.ip} fail certificate validation. Add IP:${node.ip} to the SANs and reissue.`);
				}
			}
		}

		return findings;
	},
};

const kubernetesGroup = /^(system|kubeadm):/;

export const groupInOu: Rule = {
	id: 'group-in-ou',
	summary: 'a Kubernetes group placed in OU gives no rights: groups come from O only',
	check({items}) {
		return certItems(items).flatMap(item =>
			item.cert.organizationalUnits
				.filter(ou => kubernetesGroup.test(ou) && !item.cert.organizations.includes(ou))
				.map(
					(ou): Finding => ({
						...about(item),
						rule: 'group-in-ou',
						severity: 'error',
						message: `${where(item)}OU=${ou} gives no rights: Kubernetes takes groups from O only, so "${item.cert.commonName}" logs in without ${ou} (Forbidden). Reissue with O=${ou} (openssl -subj "/CN=${item.cert.commonName}/O=${ou}").`,
					}),
				),
		);
	},
};

// The users the default RBAC bindings name (reference §1): anything else has no permissions at all.
const componentUsers: Partial<Record<string, {user: string; component: string; binding: string}>> = {
	'controller-manager': {user: 'system:kube-controller-manager', component: 'kube-controller-manager', binding: 'ClusterRoleBinding system:kube-controller-manager'},
	scheduler: {user: 'system:kube-scheduler', component: 'kube-scheduler', binding: 'ClusterRoleBinding system:kube-scheduler'},
	proxy: {user: 'system:kube-proxy', component: 'kube-proxy', binding: 'ClusterRoleBinding system:node-proxier'},
};

const adminGroups = ['system:masters', 'kubeadm:cluster-admins'];

export const componentIdentity: Rule = {
	id: 'component-identity',
	summary: 'controller-manager, scheduler and kube-proxy must log in as the users the default RBAC bindings name; admin needs an admin group',
	check({items}) {
		const findings: Finding[] = [];
		for (const item of clients(items)) {
			const role = item.kubernetes!.role;
			const expected = componentUsers[role];
			const {cert} = item;
			if (expected && cert.commonName !== expected.user) {
				findings.push({
					...about(item),
					rule: 'component-identity',
					severity: 'error',
					message: `${where(item)}CN is "${cert.commonName}" but this is ${expected.component}'s certificate: it must be ${expected.user}, the user the default ${expected.binding} grants rights to. Reissue with CN=${expected.user}.`,
				});
			}

			const anyAdminGroup = [...cert.organizations, ...cert.organizationalUnits].some(group => adminGroups.includes(group));
			if (role === 'admin' && !anyAdminGroup) {
				findings.push({
					...about(item),
					rule: 'component-identity',
					severity: 'warning',
					message: `${where(item)}an admin certificate with no administrator group (O is ${cert.organizations.join(', ') || 'empty'}): "${cert.commonName}" has no rights unless a RoleBinding names it. Add O=system:masters (or kubeadm:cluster-admins with its binding).`,
				});
			}
		}

		return findings;
	},
};
