// One SAN matcher for every rule: IPs as addresses, names case-insensitively, a wildcard for exactly one label.
// Checked against openssl's own host and IP matching (x509 -checkhost / -checkip) on a real certificate.
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {sansCover} from '../../source/core/pki/san-match.js';
import {hasTool, tempDir} from '../helpers/tools.js';

const sans = {dnsNames: ['kubernetes.default.svc', '*.apps.example.com', 'LB.Example.com'], ipAddresses: ['10.32.0.1', '::ffff:10.0.0.9', 'fd00::1']};
const hosts = [
	'kubernetes.default.svc', 'KUBERNETES.default.svc.', 'kubernetes.default', 'x.apps.example.com', 'a.b.apps.example.com', 'apps.example.com',
	'.apps.example.com', 'lb.example.com', '10.32.0.1', '10.32.0.2', '10.0.0.9', 'fd00::1', 'fd00:0:0::1', '[fd00::1]', 'fd00::2', '',
];

describe('sansCover', () => {
	it('matches the way TLS clients do', () => {
		expect(hosts.filter(host => sansCover(sans, host))).toEqual([
			'kubernetes.default.svc', 'KUBERNETES.default.svc.', 'x.apps.example.com', 'lb.example.com', '10.32.0.1', '10.0.0.9', 'fd00::1', 'fd00:0:0::1', '[fd00::1]',
		]);
	});

	it.runIf(hasTool('openssl'))('agrees with openssl -checkhost / -checkip on a real certificate', () => {
		const dir = tempDir('kubepki-san-');
		const ext = path.join(dir, 'ext.cnf');
		writeFileSync(ext, '[v]\nsubjectAltName=DNS:kubernetes.default.svc,DNS:*.apps.example.com,DNS:LB.Example.com,IP:10.32.0.1,IP:10.0.0.9,IP:fd00::1\n');
		execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-subj', '/CN=t', '-days', '1', '-extensions', 'v', '-config', ext], {stdio: 'ignore'});
		const real = {dnsNames: ['kubernetes.default.svc', '*.apps.example.com', 'LB.Example.com'], ipAddresses: ['10.32.0.1', '10.0.0.9', 'fd00::1']};
		// Not compared: forms no client dials, which openssl's API reads specially (a leading dot asks for any subdomain).
		for (const host of hosts.filter(h => h !== '' && !h.startsWith('[') && !h.startsWith('.') && !h.endsWith('.'))) {
			const ip = /^[\d.]+$|:/.test(host);
			const out = execFileSync('openssl', ['x509', '-in', path.join(dir, 'c.pem'), '-noout', ip ? '-checkip' : '-checkhost', host], {encoding: 'utf8'});
			expect(sansCover(real, host), host).toBe(!out.includes('does NOT match'));
		}
	});
});
