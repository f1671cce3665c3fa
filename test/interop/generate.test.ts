import {existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {certInfo} from '../../source/core/pki/cert-info.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';

const haveOpenssl = hasTool('openssl');
const fixture = path.resolve(import.meta.dirname, '../../fixtures/cluster-3m.yaml');

// What each file must pass with `openssl verify -purpose`: a kubelet and the API server serve and are clients.
const purposes = (file: string): string[] =>
	['ca', 'service-account'].includes(file) ? [] : ['kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'admin'].includes(file) ? ['sslclient'] : ['sslclient', 'sslserver'];

function pemFiles(dir: string): string[] {
	return readdirSync(dir)
		.filter(f => f.endsWith('.pem') && !f.endsWith('-key.pem'))
		.map(f => f.slice(0, -4));
}

describe.skipIf(!haveOpenssl).each([
	['the built-in cluster (RSA-2048)', [] as string[]],
	['the 3-master fixture (ECDSA P-256)', ['--config', fixture, '--algorithm', 'ecdsa-p256']],
])('kubepki generate for %s, checked by openssl', (_name, args) => {
	const out = path.join(tempDir(), 'pki');
	let generated: ReturnType<typeof kubepki>;
	beforeAll(() => {
		generated = kubepki(['generate', '--out', out, ...args]);
	});

	it('exits 0 and writes every certificate with its key', () => {
		expect(generated.status, generated.stderr).toBe(0);
		const manifest = JSON.parse(readFileSync(path.join(out, 'kubepki-manifest.json'), 'utf8'));
		const certs = manifest.files.filter((f: {kind: string}) => f.kind === 'certificate');
		expect(certs.length).toBe(args.length > 0 ? 10 : 9);
		for (const file of pemFiles(out)) expect(existsSync(path.join(out, `${file}-key.pem`)), file).toBe(true);
	});

	it('passes openssl verify -x509_strict with the right purpose for every leaf', () => {
		const leaves = pemFiles(out).filter(f => f !== 'ca');
		expect(leaves.length).toBeGreaterThan(7);
		for (const file of leaves) {
			for (const purpose of ['any', ...purposes(file)]) {
				const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', 'ca.pem', `${file}.pem`], {cwd: out});
				expect(`${file} ${purpose}: ${r.stdout.trim()} ${r.stderr.trim()}`).toBe(`${file} ${purpose}: ${file}.pem: OK `);
			}
		}
	});

	it('refuses the client-only certificates as TLS servers', () => {
		const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'ca.pem', 'admin.pem'], {cwd: out});
		expect(r.status).not.toBe(0);
	});

	it('matches every API server SAN with openssl -checkhost / -checkip, and no other name', () => {
		const pem = readFileSync(path.join(out, 'kubernetes.pem'), 'utf8');
		const info = certInfo(pem);
		expect(info.dnsNames).toEqual(expect.arrayContaining(['kubernetes.default.svc', 'localhost']));
		for (const host of info.dnsNames) {
			const r = runStatus('openssl', ['x509', '-noout', '-checkhost', host, '-in', 'kubernetes.pem'], {cwd: out});
			expect(r.stdout.trim()).toBe(`Hostname ${host} does match certificate`);
		}

		for (const ip of info.ipAddresses) {
			const r = runStatus('openssl', ['x509', '-noout', '-checkip', ip, '-in', 'kubernetes.pem'], {cwd: out});
			expect(r.stdout.trim()).toBe(`IP ${ip} does match certificate`);
		}

		const r = runStatus('openssl', ['x509', '-noout', '-checkhost', 'kubernetes.svc.cluster.local', '-in', 'kubernetes.pem'], {cwd: out});
		expect(r.stdout).toContain('does NOT match');
	});

	it('marks the CA basicConstraints critical and puts kubelet identities where RBAC reads them', () => {
		const text = runStatus('openssl', ['x509', '-noout', '-text', '-in', 'ca.pem'], {cwd: out}).stdout;
		expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
		const subject = runStatus('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', pemFiles(out).find(f => /node|wk-/.test(f))! + '.pem'], {cwd: out}).stdout;
		expect(subject).toMatch(/^subject=CN=system:node:[\w-]+,O=system:nodes$/m);
	});

	it('writes keys 0600 in a 0700 folder, readable by openssl', () => {
		expect(statSync(out).mode & 0o777).toBe(0o700);
		for (const file of readdirSync(out).filter(f => f.endsWith('-key.pem'))) {
			expect(statSync(path.join(out, file)).mode & 0o777, file).toBe(0o600);
			expect(runStatus('openssl', ['pkey', '-in', file, '-noout'], {cwd: out}).status, file).toBe(0);
		}
	});
});

describe.skipIf(!haveOpenssl)('re-running generate', () => {
	const out = path.join(tempDir(), 'pki');
	const read = (file: string) => readFileSync(path.join(out, file), 'utf8');

	it('reuses the CA, keeps valid leaves, renews a leaf that no longer matches the plan', () => {
		expect(kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256']).status).toBe(0);
		const ca = read('ca.pem');
		const caKey = read('ca-key.pem');
		const admin = read('admin.pem');
		// A leaf from an older plan: an API server cert with a SAN the plan no longer has.
		const extra = path.join(out, 'cluster.yaml');
		writeFileSync(extra, 'extraSANs: [old.example.com]\nalgorithm: ecdsa-p256\n');
		expect(kubepki(['generate', '--out', out, '--config', extra]).status).toBe(0);
		const apiWithExtra = read('kubernetes.pem');
		expect(certInfo(apiWithExtra).dnsNames).toContain('old.example.com');
		const again = kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256']);
		expect(again.status).toBe(0);
		expect(again.stdout).toContain('renewed apiserver: SANs differ from the plan');
		expect(read('ca.pem')).toBe(ca);
		expect(read('ca-key.pem')).toBe(caKey);
		expect(read('admin.pem')).toBe(admin);
		expect(certInfo(read('kubernetes.pem')).dnsNames).not.toContain('old.example.com');
		const verify = runStatus('openssl', ['verify', '-CAfile', 'ca.pem', 'kubernetes.pem'], {cwd: out});
		expect(verify.stdout.trim()).toBe('kubernetes.pem: OK');
	});

	it('refuses (exit 1) when ca.pem is there but ca-key.pem is gone, and writes nothing', () => {
		rmSync(path.join(out, 'ca-key.pem'));
		const before = readdirSync(out).map(f => `${f}:${statSync(path.join(out, f)).mtimeMs}`);
		const r = kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256']);
		expect(r.status).toBe(1);
		expect(r.stderr.trim().split('\n')).toHaveLength(1);
		expect(r.stderr).toContain('ca-key.pem is missing');
		expect(readdirSync(out).map(f => `${f}:${statSync(path.join(out, f)).mtimeMs}`)).toEqual(before);
	});

	it('replaces the CA only with --force', () => {
		const oldCa = read('ca.pem');
		expect(kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--force']).status).toBe(0);
		expect(read('ca.pem')).not.toBe(oldCa);
		expect(runStatus('openssl', ['verify', '-CAfile', 'ca.pem', 'admin.pem'], {cwd: out}).status).toBe(0);
	});
});

describe('bad input through the real CLI', () => {
	const dir = tempDir();
	const cases: Array<[string, string, RegExp]> = [
		['a worker named ../etc', 'workers:\n  - {name: ../etc, ip: 10.0.0.9}\n', /workers\[0\]\.name: would escape the output folder.*"\.\.\/etc"/],
		['an IP out of range', 'masters:\n  - {name: m1, ip: 10.0.0.300}\n', /masters\[0\]\.ip: is not an IPv4 or IPv6 address \(got "10\.0\.0\.300"\)/],
		['a duplicate name', 'workers:\n  - {name: master1, ip: 10.0.0.9}\n', /workers\[0\]\.name: is already used by masters\[0\]/],
		['broken YAML', 'masters: [\n', /file: not valid YAML/],
	];
	it.each(cases)('refuses %s with one line, exit 2, nothing on disk', (_name, text, message) => {
		const config = path.join(dir, 'bad.yaml');
		writeFileSync(config, text);
		const out = path.join(dir, 'never');
		const r = kubepki(['generate', '--config', config, '--out', out]);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(message);
		expect(r.stderr.trim().split('\n')).toHaveLength(1);
		expect(r.stderr).not.toMatch(/\n\s+at /);
		expect(existsSync(out)).toBe(false);
	});

	it.each([
		[['generate', '--algorithm', 'dsa'], /--algorithm: must be one of rsa-2048, rsa-4096, ecdsa-p256 \(got "dsa"\)/],
		[['generate', '--config', '/nonexistent.yaml'], /--config: cannot read \/nonexistent\.yaml: no such file/],
		[['generate', '--bogus'], /unknown option --bogus for kubepki generate; it takes --config/],
		[['frobnicate'], /unknown command "frobnicate"/],
		[['generate', '--flavor', 'cfssl'], /--flavor is not an option of kubepki generate/],
		[['generate', '--out', '/etc/hostname'], /--out: \/etc\/hostname exists and is not a folder/],
	])('refuses %j with exit 2', (args, message) => {
		const r = kubepki(args, {cwd: dir});
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(message);
		expect(existsSync(path.join(dir, 'pki'))).toBe(false);
	});
});
