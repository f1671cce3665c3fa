// The API server certificate must name every address clients use (reference §3): a missing one fails
// with "x509: certificate is valid for A, B, not C". With kubepki's manifest the cluster is known and the
// expected list is exactly what plan.ts would put in; without it, the names every cluster needs.
import {apiServerSans} from '../plan.js';
import {sansCover} from '../pki/san-match.js';
import {baseName} from '../pki/meaning.js';
import {manifestFor, manifestTopology} from './manifest.js';
import {about, certItems, type CertItem, type Finding, type Rule} from './types.js';

type Expected = {readonly type: 'dns' | 'ip'; readonly value: string; readonly why: string};

/** The API server's serving certificates: role apiserver, not a client-only one (apiserver-kubelet-client). */
export function apiServerCerts(items: Parameters<Rule['check']>[0]['items']): CertItem[] {
	return certItems(items).filter(item => {
		if (item.kubernetes?.role !== 'apiserver' || item.cert.isCA || item.source.startsWith('kubeconfig:')) return false;
		const eku = item.cert.extKeyUsage;
		return eku.length === 0 || eku.includes('serverAuth') || eku.includes('any');
	});
}

// Service ranges people use: the hard way's 10.32.0.0/24, kubeadm's 10.96.0.0/12, KTHW-today's 10.0.0.0/24 default.
const commonServiceIps = ['10.32.0.1', '10.96.0.1', '10.0.0.1', '10.100.0.1', '172.20.0.1'];

function conventional(item: CertItem): {expected: Expected[]; notes: string[]} {
	const {dnsNames, ipAddresses} = item.cert;
	const domain = dnsNames.map(name => /^kubernetes\.default\.svc\.(.+)$/.exec(name)?.[1]).find(Boolean) ?? 'cluster.local';
	const expected: Expected[] = [
		{type: 'dns', value: 'kubernetes', why: 'the default Service, short name'},
		{type: 'dns', value: 'kubernetes.default', why: 'the default Service with its namespace'},
		{type: 'dns', value: 'kubernetes.default.svc', why: 'the default Service, svc form'},
		{type: 'dns', value: `kubernetes.default.svc.${domain}`, why: 'the default Service, fully qualified: what pods use'},
		// The hard way's controller-manager, scheduler and admin use https://127.0.0.1:6443; kubeadm's use the
		// advertise address, and its serving certificate has no 127.0.0.1: asking for it there would be noise.
		...(baseName(item.path) === 'apiserver'
			? []
			: [{type: 'ip', value: '127.0.0.1', why: 'components on the masters use https://127.0.0.1:6443'} as const]),
	];
	const notes: string[] = [];
	// Without the cluster file the service IP is a guess: any x.y.z.1 outside loopback that is a usual one.
	const hasServiceIp = ipAddresses.some(ip => commonServiceIps.includes(ip) || (/^\d+\.\d+\.0\.1$/.test(ip) && ip !== '127.0.0.1'));
	if (!hasServiceIp) notes.push('service-ip');
	if (dnsNames.includes(`kubernetes.svc.${domain}`)) notes.push(`kubernetes.svc.${domain}`);
	return {expected, notes};
}

function has(item: CertItem, san: Expected): boolean {
	return san.type === 'ip' ? sansCover({dnsNames: [], ipAddresses: item.cert.ipAddresses}, san.value) : sansCover({dnsNames: item.cert.dnsNames, ipAddresses: []}, san.value);
}

export const apiserverSans: Rule = {
	id: 'apiserver-sans',
	summary: 'the API server certificate must carry every conventional SAN (service IP, kubernetes.default.svc.<domain>, masters, load balancer, 127.0.0.1)',
	check({items, manifests}) {
		const findings: Finding[] = [];
		for (const item of apiServerCerts(items)) {
			const topology = manifestTopology(manifestFor(manifests, item));
			const {expected, notes} = topology ? {expected: apiServerSans(topology), notes: []} : conventional(item);
			const add = (severity: Finding['severity'], message: string) => findings.push({...about(item), rule: 'apiserver-sans', severity, message});
			const fix = 'add it to the SANs (cfssl -hostname, or openssl subjectAltName) and reissue the API server certificate';
			if (item.cert.dnsNames.length === 0 && item.cert.ipAddresses.length === 0) {
				add('error', `no SANs at all: Go clients ignore CN ("${item.cert.commonName}") and fail with "certificate relies on legacy Common Name field"; put every name and IP in subjectAltName.`);
				continue;
			}

			for (const san of expected.filter(san => !has(item, san))) {
				const typo = san.value.startsWith('kubernetes.default.svc.') && notes.some(note => note.startsWith('kubernetes.svc.'));
				const hint = typo ? ` (it has ${notes.find(note => note.startsWith('kubernetes.svc.'))}, which lacks ".default." and matches nothing)` : '';
				add('error', `missing SAN ${san.type === 'ip' ? 'IP' : 'DNS'}:${san.value} (${san.why})${hint}: clients connecting by it fail with "x509: certificate is valid for …, not ${san.value}"; ${fix}.`);
			}

			if (notes.includes('service-ip')) {
				add('warning', `no service IP among the SANs (the first address of --service-cluster-ip-range, e.g. 10.32.0.1): pods reaching the API at it fail TLS; ${fix}.`);
			}
		}

		return findings;
	},
};
