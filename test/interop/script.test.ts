import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {kubeconfigSpecs} from '../../source/core/kubeconfig.js';
import {buildPlan, type CertSpec, type Plan} from '../../source/core/plan.js';
import {certInfo} from '../../source/core/pki/cert-info.js';
import {exampleTopology, parseClusterFile, type Algorithm, type Topology} from '../../source/core/topology.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';

const fixture = path.resolve(import.meta.dirname, '../../fixtures/cluster-3m.yaml');
const haveKubectl = hasTool('kubectl');
const haveOpenssl = hasTool('openssl');
const haveCfssl = hasTool('cfssl') && hasTool('cfssljson');
const lintIsPlaceholder = /not built yet/.test(kubepki(['lint', '.']).stderr);

function fixtureTopology(algorithm: Algorithm): Topology {
	const result = parseClusterFile(readFileSync(fixture, 'utf8'));
	if (!result.ok) throw new Error('fixture does not parse');
	return {...result.topology, algorithm};
}

const sorted = (list: readonly string[]) => [...list].sort();

// The openssl -purpose names for what the plan says a certificate may do.
const purposesOf = (spec: CertSpec) => [
	'any',
	...(spec.extKeyUsages.includes('clientAuth') ? ['sslclient'] : []),
	...(spec.extKeyUsages.includes('serverAuth') ? ['sslserver'] : []),
];

type Case = [flavor: 'cfssl' | 'openssl', cluster: string, args: string[], topology: () => Topology];
const cases: Case[] = [
	['cfssl', 'the built-in cluster (RSA-2048)', [], () => exampleTopology()],
	['openssl', 'the built-in cluster (RSA-2048)', [], () => exampleTopology()],
	['cfssl', 'the 3-master fixture (ECDSA P-256)', ['--config', fixture, '--algorithm', 'ecdsa-p256'], () => fixtureTopology('ecdsa-p256')],
	['openssl', 'the 3-master fixture (ECDSA P-256)', ['--config', fixture, '--algorithm', 'ecdsa-p256'], () => fixtureTopology('ecdsa-p256')],
];

describe.each(cases)('kubepki script --flavor %s for %s, run with the real tools', (flavor, _cluster, args, topology) => {
	const runnable = haveKubectl && (flavor === 'cfssl' ? haveCfssl : haveOpenssl) && haveOpenssl;
	const dir = tempDir();
	let plan: Plan;
	let ran: ReturnType<typeof runStatus>;
	const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
	const generatedDir = path.join(dir, 'generated');

	beforeAll(() => {
		plan = buildPlan(topology());
		const printed = kubepki(['script', '--flavor', flavor, ...args]);
		expect(printed.status, printed.stderr).toBe(0);
		writeFileSync(path.join(dir, 'make-pki.sh'), printed.stdout);
		if (runnable) ran = runStatus('bash', ['make-pki.sh'], {cwd: dir});
		const generated = kubepki(['generate', '--quiet', '--out', generatedDir, ...args]);
		expect(generated.status, generated.stderr).toBe(0);
	}, 120_000);

	it.skipIf(!runnable)('runs to the end with bash -euo pipefail', () => {
		expect(ran.status, ran.stderr.slice(-2000)).toBe(0);
		expect(ran.stdout).toContain(`done: ${plan.certs.length} certificates`);
	});

	it.skipIf(!runnable)('makes every certificate with the subject, SANs, usages, key and lifetime of the plan', () => {
		for (const spec of plan.certs) {
			const info = certInfo(read(`${spec.file}.pem`));
			expect(info.commonName, spec.id).toBe(spec.commonName);
			expect(sorted(info.organizations), spec.id).toEqual(sorted(spec.organizations));
			expect(info.isCA, spec.id).toBe(spec.isCA);
			expect(sorted(info.extKeyUsage), spec.id).toEqual(sorted(spec.extKeyUsages));
			expect(sorted(info.dnsNames), spec.id).toEqual(sorted(spec.sans.filter(s => s.type === 'dns').map(s => s.value)));
			expect(sorted(info.ipAddresses), spec.id).toEqual(sorted(spec.sans.filter(s => s.type === 'ip').map(s => s.value)));
			expect(info.keyUsage, spec.id).toContain(spec.isCA ? 'keyCertSign' : 'digitalSignature');
			expect(info.publicKey.algorithm, spec.id).toBe(spec.algorithm === 'ecdsa-p256' ? 'ECDSA' : 'RSA');
			expect(info.signatureAlgorithm, spec.id).toMatch(/SHA256/i);
			expect(info.subjectKeyId, spec.id).toBeTruthy();
			if (!spec.isCA) expect(info.authorityKeyId, spec.id).toBeTruthy();
			// openssl counts whole days (rounded up) and cfssl backdates by 5 minutes: allow a day and a bit.
			const hours = (Date.parse(info.notAfter) - Date.parse(info.notBefore)) / 3_600_000;
			expect(hours, spec.id).toBeGreaterThanOrEqual(spec.validityHours - 0.01);
			expect(hours, spec.id).toBeLessThan(spec.validityHours + 24.2);
		}
	});

	it.skipIf(!runnable)('passes openssl verify -x509_strict with each purpose the plan gives, and fails the others', () => {
		for (const spec of plan.certs.filter(s => s.signer !== 'self')) {
			for (const purpose of purposesOf(spec)) {
				const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', 'ca.pem', `${spec.file}.pem`], {cwd: dir});
				expect(`${spec.id} ${purpose}: ${r.stdout.trim()}`).toBe(`${spec.id} ${purpose}: ${spec.file}.pem: OK`);
			}
		}

		const clientOnly = plan.certs.find(s => s.id === 'admin')!;
		const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'ca.pem', `${clientOnly.file}.pem`], {cwd: dir});
		expect(r.status).not.toBe(0);
	});

	it.skipIf(!runnable)('builds every kubeconfig generate builds: kubectl reads it back with the right server, user and embedded certs', () => {
		const specs = kubeconfigSpecs(plan);
		expect(specs.length).toBeGreaterThan(4);
		const b64 = (file: string) => Buffer.from(read(file)).toString('base64');
		for (const spec of specs) {
			const r = runStatus('kubectl', ['config', 'view', '--minify', '--raw', '-o', 'json', '--kubeconfig', spec.file], {cwd: dir});
			expect(r.status, `${spec.file}: ${r.stderr}`).toBe(0);
			const config = JSON.parse(r.stdout);
			const client = plan.certs.find(c => c.id === spec.certId)!;
			expect(config['current-context'], spec.file).toBe('default');
			expect(config.clusters[0].name, spec.file).toBe(plan.topology.cluster);
			expect(config.clusters[0].cluster.server, spec.file).toBe(spec.server);
			expect(config.clusters[0].cluster['certificate-authority-data'], spec.file).toBe(b64('ca.pem'));
			expect(config.users[0].name, spec.file).toBe(spec.user);
			expect(config.users[0].user['client-certificate-data'], spec.file).toBe(b64(`${client.file}.pem`));
			expect(config.users[0].user['client-key-data'], spec.file).toBe(b64(`${client.file}-key.pem`));
		}
	});

	it.skipIf(!runnable)('writes an encryption config whose key decodes to 32 bytes', () => {
		const config = parseYaml(read('encryption-config.yaml'));
		expect(config.kind).toBe('EncryptionConfiguration');
		const [first, last] = config.resources[0].providers;
		expect(Object.keys(first)).toEqual(['aescbc']);
		expect(last).toEqual({identity: {}});
		const secret: string = first.aescbc.keys[0].secret;
		expect(secret).toMatch(/^[A-Za-z\d+/]+=*$/);
		expect(Buffer.from(secret, 'base64')).toHaveLength(32);
	});

	it.skipIf(!runnable)('leaves every private key 0600 and readable by openssl', () => {
		const keys = readdirSync(dir).filter(f => f.endsWith('-key.pem'));
		expect(keys).toHaveLength(plan.certs.length);
		for (const file of keys) {
			expect(statSync(path.join(dir, file)).mode & 0o777, file).toBe(0o600);
			expect(runStatus('openssl', ['pkey', '-in', file, '-noout'], {cwd: dir}).status, file).toBe(0);
		}
	});

	it.skipIf(!runnable)('gives every certificate the same key usage, extended key usage and CA flag as kubepki generate', () => {
		for (const spec of plan.certs) {
			const ours = certInfo(read(`${spec.file}.pem`));
			const theirs = certInfo(readFileSync(path.join(generatedDir, `${spec.file}.pem`), 'utf8'));
			// cfssl -initca fixes a root's key usage at keyCertSign + cRLSign (no digitalSignature), and has no option for it.
			if (flavor === 'cfssl' && spec.signer === 'self') expect(sorted(ours.keyUsage)).toEqual(['cRLSign', 'keyCertSign']);
			else expect(sorted(ours.keyUsage), spec.id).toEqual(sorted(theirs.keyUsage));
			expect(sorted(ours.extKeyUsage), spec.id).toEqual(sorted(theirs.extKeyUsage));
			expect([ours.isCA, ours.publicKey], spec.id).toEqual([theirs.isCA, theirs.publicKey]);
		}
	});

	it.skipIf(!runnable)('makes the same certificate, kubeconfig and encryption files as kubepki generate', () => {
		const out = generatedDir;
		const made = (folder: string) =>
			readdirSync(folder)
				.filter(f => f.endsWith('.pem') || f.endsWith('.kubeconfig') || f === 'encryption-config.yaml')
				.sort();
		expect(made(dir)).toEqual(made(out));
	});

	it.skipIf(!runnable || lintIsPlaceholder)('passes kubepki lint with no errors or warnings', () => {
		const r = kubepki(['lint', '--json', dir]);
		expect(r.status, r.stderr).toBe(0);
		const findings: Array<{severity: string}> = JSON.parse(r.stdout).findings;
		expect(findings.filter(f => f.severity !== 'info')).toEqual([]);
	});

	it.skipIf(!runnable)('refuses to run again where a CA already is, and leaves the CA alone', () => {
		const ca = read('ca.pem');
		const again = runStatus('bash', ['make-pki.sh'], {cwd: dir});
		expect(again.status).toBe(1);
		expect(again.stderr).toContain('ca.pem already exists here');
		expect(read('ca.pem')).toBe(ca);
	});
});

describe('kubepki script: bad usage', () => {
	it.each([
		[['script'], /^kubepki: --flavor: required, one of cfssl, openssl\n$/],
		[['script', '--flavor', 'easyrsa'], /^kubepki: --flavor: must be one of cfssl, openssl \(got "easyrsa"\)\n$/],
		[['script', '--flavor', 'cfssl', '--algorithm', 'dsa'], /--algorithm: must be one of rsa-2048, rsa-4096, ecdsa-p256 \(got "dsa"\)\n$/],
		[['script', '--flavor', 'openssl', '--encryption-provider', 'rot13'], /--encryption-provider: must be one of aescbc, secretbox, aesgcm \(got "rot13"\)\n$/],
		[['script', '--flavor', 'openssl', '--config', '/nonexistent.yaml'], /--config: cannot read \/nonexistent\.yaml: no such file\n$/],
	])('%j exits 2 with one line and prints no script', (args, message) => {
		const r = kubepki(args);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(message);
		expect(r.stdout).toBe('');
	});

	it('puts --encryption-provider into the script', () => {
		const r = kubepki(['script', '--flavor', 'openssl', '--encryption-provider', 'secretbox']);
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/^ {6}- secretbox:$/m);
		expect(r.stdout).not.toMatch(/aescbc/);
	});
});
