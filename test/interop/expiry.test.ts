import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {writeClusterFile} from '../helpers/cluster-file.js';
import {hasTool, kubepki, run, tempDir} from '../helpers/tools.js';

const haveOpenssl = hasTool('openssl');

/** Re-sign admin.pem with openssl's own CA command, with dates that ended last year. */
function expireWithOpenssl(dir: string): void {
	const work = tempDir('kubepki-openssl-ca-');
	writeFileSync(path.join(work, 'index.txt'), '');
	writeFileSync(path.join(work, 'serial'), '1000\n');
	writeFileSync(
		path.join(work, 'ca.cnf'),
		['[ca]', 'default_ca = d', '[d]', `database = ${work}/index.txt`, `new_certs_dir = ${work}`, `serial = ${work}/serial`, 'default_md = sha256', 'policy = p', 'unique_subject = no', 'copy_extensions = copy', '[p]', 'organizationName = optional', 'commonName = supplied', ''].join('\n'),
	);
	run('openssl', ['req', '-new', '-key', path.join(dir, 'admin-key.pem'), '-subj', '/O=system:masters/CN=admin', '-out', path.join(work, 'admin.csr')]);
	run('openssl', ['ca', '-batch', '-config', path.join(work, 'ca.cnf'), '-cert', path.join(dir, 'ca.pem'), '-keyfile', path.join(dir, 'ca-key.pem'), '-in', path.join(work, 'admin.csr'), '-out', path.join(dir, 'admin.pem'), '-notext', '-startdate', '20250101000000Z', '-enddate', '20250201000000Z']);
}

describe.skipIf(!haveOpenssl)('kubepki expiry on the command line', () => {
	const root = tempDir();
	const out = path.join(root, 'pki');
	beforeAll(() => {
		// The built-in cluster with three-day leaves: what a cron job must catch.
		writeClusterFile(root, {name: 'short', masters: 1, workers: 1, leaf: '72h'});
		const made = kubepki(['generate', '--config', 'c.yaml', '--quiet'], {cwd: root});
		expect(made.status, made.stderr).toBe(0);
	});

	it('exits 1 and lists the three-day leaves within the default 30 days, reading ./pki', () => {
		const r = kubepki(['expiry'], {cwd: root});
		expect(r.status, r.stderr).toBe(1);
		const lines = r.stdout.split('\n');
		expect(lines[0]).toMatch(/^ {3}CERTIFICATE +ROLE +ID +EXPIRES +RESIDUAL +SIGNED BY +MACHINES$/);
		expect(lines[1]).toMatch(/^✓ {2}pki\/ca\.pem +CA +ca +\d{4}-\d\d-\d\d \d\d:\d\d UTC +3649d +itself +m1,w1$/);
		expect(lines.find(l => l.includes('pki/w1.pem'))).toMatch(/^! {2}pki\/w1\.pem +kubelet +kubelet:w1 .* (2|3)d +ca\.pem +w1$/);
		expect(r.stdout).toMatch(/7 certificate\(s\): 0 expired, 0 not yet valid, 6 ending within 30d, 1 fine/);
	});

	it('exits 0 when the window is shorter than what is left', () => {
		const r = kubepki(['expiry', 'pki', '--within', '1d'], {cwd: root});
		expect(r.status, r.stdout).toBe(0);
	});

	it('prints notAfter and secondsLeft per certificate as JSON', () => {
		const r = kubepki(['expiry', '--json', '--within', '48h'], {cwd: root});
		const json = JSON.parse(r.stdout) as {withinSeconds: number; certificates: Array<{id: string; notAfter: string; secondsLeft: number; state: string}>};
		expect(json.withinSeconds).toBe(48 * 3600);
		const kubelet = json.certificates.find(c => c.id === 'kubelet:w1')!;
		const fromOpenssl = run('openssl', ['x509', '-noout', '-enddate', '-in', path.join(out, 'w1.pem')]).trim().replace('notAfter=', '');
		expect(Date.parse(kubelet.notAfter)).toBe(Date.parse(fromOpenssl));
		expect(kubelet.secondsLeft).toBeGreaterThan(48 * 3600);
		expect(kubelet.state).toBe('ok');
	});

	it('refuses a window that is not a duration with exit 2 and one line', () => {
		const r = kubepki(['expiry', 'pki', '--within', 'soon'], {cwd: root});
		expect(r.status).toBe(2);
		expect(r.stderr).toBe('kubepki: --within: "soon" is not a duration; use days or hours such as 30d or 720h\n');
	});

	it('marks a certificate openssl signed with past dates as expired, with any window', () => {
		expireWithOpenssl(out);
		const r = kubepki(['expiry', 'pki', '--within', '0d'], {cwd: root});
		expect(r.status).toBe(1);
		expect(r.stdout.split('\n').find(l => l.includes('pki/admin.pem'))).toMatch(/^✗ {2}pki\/admin\.pem +admin .*2025-02-01 00:00 UTC +expired \d+d ago +ca\.pem/);
	});
});
