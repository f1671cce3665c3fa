// What a certificate means to Kubernetes: the user and groups the API server would see (reference §1),
// and which component it belongs to. The role decides which lint rules apply, so it comes from the
// strongest evidence available: the manifest kubepki wrote, then the file name (hard-way and kubeadm
// names), and only then the subject (which may be the very thing that is wrong).
import path from 'node:path';
import {roles, type Role} from '../roles.js';

/** The one role set (source/core/roles.ts): the loader gives a file the same roles the plan and the manifest use. */
export type KubernetesRole = Role;
export const kubernetesRoles: readonly KubernetesRole[] = roles;

export type KubernetesMeaning = {
	/** The user name the API server takes from CN; null when the certificate cannot log in (a CA, server-only). */
	readonly user: string | null;
	/** The groups, from O (never OU). */
	readonly groups: readonly string[];
	readonly role: KubernetesRole;
	/** Where the role came from: lint trusts a file name over the subject it is checking. */
	readonly roleFrom: 'manifest' | 'file' | 'subject';
};

/** The subject fields the meaning depends on (a certificate's CertInfo, or a CSR's). */
export type SubjectFacts = {
	readonly commonName: string;
	readonly organizations: readonly string[];
	readonly isCA?: boolean;
	readonly extKeyUsage: readonly string[];
};

// Base names (extension and -key/.key suffix removed) of the hard way (guide 001) and of kubeadm (reference §7).
const roleByBaseName: Record<string, KubernetesRole> = {
	ca: 'ca',
	'front-proxy-ca': 'ca',
	'etcd-ca': 'ca',
	kubernetes: 'apiserver',
	apiserver: 'apiserver',
	'kube-apiserver': 'apiserver',
	'apiserver-kubelet-client': 'apiserver-kubelet-client',
	'front-proxy-client': 'front-proxy-client',
	'apiserver-etcd-client': 'apiserver-etcd-client',
	'healthcheck-client': 'etcd-healthcheck-client',
	etcd: 'etcd',
	admin: 'admin',
	'super-admin': 'admin',
	'kubernetes-admin': 'admin',
	'kube-controller-manager': 'controller-manager',
	'controller-manager': 'controller-manager',
	'kube-scheduler': 'scheduler',
	scheduler: 'scheduler',
	'kube-proxy': 'proxy',
	'service-account': 'service-account',
	'service-accounts': 'service-account',
	sa: 'service-account',
	kubelet: 'kubelet',
	'kubelet-client': 'kubelet',
	'kubelet-client-current': 'kubelet',
	'kubelet-server-current': 'kubelet',
};

const etcdFolderRoles: Record<string, KubernetesRole> = {ca: 'ca', server: 'etcd-server', peer: 'etcd-peer', 'healthcheck-client': 'etcd-healthcheck-client'};

const extensions = /\.(pem|crt|cert|cer|der|key|pub|csr|conf|kubeconfig)$/i;

/** The file's base name without extension and key suffix: a key file's name less `-key` and its extension. */
export function baseName(file: string): string {
	return path
		.basename(file)
		.replace(extensions, '')
		.replace(/[-_.](key|csr|cert)$/i, '');
}

/** The role a file name says, or undefined when the name is not one the guides or kubeadm use. */
export function roleFromFileName(file: string): KubernetesRole | undefined {
	const base = baseName(file).toLowerCase();
	const inEtcdFolder = path.basename(path.dirname(file)) === 'etcd';
	// kubeadm's etcd folder: its ca is etcd's CA; server, peer and healthcheck-client are etcd's own.
	if (inEtcdFolder) return etcdFolderRoles[base] ?? roleByBaseName[base];
	return roleByBaseName[base];
}

const adminGroups = new Set(['system:masters', 'kubeadm:cluster-admins']);

/** The role a subject suggests, when the file name says nothing. */
export function roleFromSubject(subject: SubjectFacts): KubernetesRole {
	const cn = subject.commonName;
	const groups = subject.organizations;
	if (subject.isCA) return 'ca';
	// The guide's typo `system:nodes:<name>` is still meant as a kubelet: lint says what is wrong with it.
	if (/^system:nodes?:/.test(cn) || groups.includes('system:nodes')) return 'kubelet';
	if (cn === 'system:kube-controller-manager') return 'controller-manager';
	if (cn === 'system:kube-scheduler') return 'scheduler';
	if (cn === 'system:kube-proxy' || groups.includes('system:node-proxier')) return 'proxy';
	if (groups.some(group => adminGroups.has(group)) || cn === 'admin' || cn === 'kubernetes-admin') return 'admin';
	if (cn === 'kubernetes' || cn === 'kube-apiserver') return 'apiserver';
	if (cn === 'service-accounts') return 'service-account';
	if (cn === 'kube-apiserver-etcd-client') return 'apiserver-etcd-client';
	if (cn === 'kube-apiserver-kubelet-client') return 'apiserver-kubelet-client';
	if (cn === 'front-proxy-client') return 'front-proxy-client';
	if (cn === 'kube-etcd-healthcheck-client') return 'etcd-healthcheck-client';
	if (/etcd/i.test(cn)) return 'etcd';
	return 'other';
}

/** Whether the API server would accept this certificate as a client at all. */
function canLogIn(subject: SubjectFacts): boolean {
	if (subject.isCA) return false;
	const eku = subject.extKeyUsage;
	return eku.length === 0 || eku.includes('clientAuth') || eku.includes('any');
}

/**
 * The Kubernetes meaning of a certificate found at `file` (for a kubeconfig's embedded certificate, the
 * kubeconfig's path). `known` is a role recorded elsewhere (kubepki's manifest), trusted first.
 */
export function kubernetesMeaning(file: string, subject: SubjectFacts | undefined, known?: KubernetesRole): KubernetesMeaning {
	const fromFile = roleFromFileName(file);
	// A CA is a CA whatever the file is called (a kubeconfig's certificate-authority-data, say).
	const role = subject?.isCA ? 'ca' : (known ?? fromFile ?? (subject ? roleFromSubject(subject) : 'other'));
	const roleFrom = subject?.isCA || (!known && !fromFile) ? 'subject' : known ? 'manifest' : 'file';
	const client = subject !== undefined && canLogIn(subject);
	return {
		user: client ? subject.commonName : null,
		groups: client ? [...subject.organizations] : [],
		role,
		roleFrom,
	};
}
