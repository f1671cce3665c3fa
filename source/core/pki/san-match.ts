// Does a certificate name a host? The one answer to that in kubepki (lint's SAN rules, the kubelet's IP, the
// kubeconfig's server), given the way TLS clients (Go's crypto/x509, openssl) match: an IP only against IP SANs,
// compared as addresses (so ::ffff:10.0.0.1 is 10.0.0.1); a name only against DNS SANs, case-insensitively and
// without a trailing dot, where `*.example.com` covers exactly one more label on the left and nothing else.
import {ipFamily, normalizeIp} from '../ip.js';

export type Sans = {readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[]};

/** True when the SAN list covers `host` (an IP address or a DNS name, as a client would dial it). */
export function sansCover(sans: Sans, host: string): boolean {
	const bare = host.replace(/^\[(.*)\]$/, '$1');
	if (ipFamily(bare)) {
		const wanted = normalizeIp(bare);
		return sans.ipAddresses.some(ip => ipFamily(ip) !== undefined && normalizeIp(ip) === wanted);
	}

	const name = bare.toLowerCase().replace(/\.$/, '');
	if (name === '') return false;
	return sans.dnsNames.some(dns => {
		const pattern = dns.toLowerCase().replace(/\.$/, '');
		if (pattern === name) return true;
		if (!pattern.startsWith('*.')) return false;
		const suffix = pattern.slice(1); // ".example.com"
		const label = name.slice(0, -suffix.length);
		return name.endsWith(suffix) && label.length > 0 && !label.includes('.');
	});
}
