// What a certificate is for, in Kubernetes terms: one set for the plan (what kubepki makes), the manifest (what
// it recorded), the loader (what a file is), lint (which rules apply), expiry and the viewer. The plan uses the
// first fourteen; `etcd` is an etcd certificate of a folder kubepki did not write, whose job the name does not
// tell, and `other` is a certificate that is none of these.
export const roles = [
	'ca',
	'kubelet',
	'controller-manager',
	'scheduler',
	'proxy',
	'admin',
	'apiserver',
	'service-account',
	// kubeadm's layout splits what the hard way's API server certificate does into one certificate per job.
	'apiserver-kubelet-client',
	'apiserver-etcd-client',
	'front-proxy-client',
	'etcd-server',
	'etcd-peer',
	'etcd-healthcheck-client',
	'etcd',
	'other',
] as const;

export type Role = (typeof roles)[number];

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
