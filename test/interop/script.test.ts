import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {kubeadmConfs, kubeadmPaths} from '../../source/core/kubeadm.js';
import {kubeconfigSpecs} from '../../source/core/kubeconfig.js';
import {buildPlan, specById, type CertSpec, type Plan} from '../../source/core/plan.js';
import {certInfo} from '../../source/core/pki/cert-info.js';
import {scriptOutputs} from '../../source/core/script.js';
import {exampleTopology, parseClusterFile, type Algorithm, type Topology} from '../../source/core/topology.js';
import {cliPath, hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';

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

/** Every file and folder under root, relative, sorted; hidden ones included (a scratch folder left behind shows). */
function walk(root: string): {files: string[]; dirs: string[]} {
	const entries = readdirSync(root, {recursive: true, withFileTypes: true});
	const relative = (entry: (typeof entries)[number]) => path.relative(root, path.join(entry.parentPath, entry.name));
	return {files: sorted(entries.filter(e => !e.isDirectory()).map(relative)), dirs: sorted(entries.filter(e => e.isDirectory()).map(relative))};
}

/**
 * What `generate` wrote (its manifest) of the kinds the script makes (certificates, keys, kubeconfigs, ...: the
 * kinds of scriptOutputs(plan)); etcd/, nodes/ and the manifest itself are generate's alone.
 */
function generatedOfScriptKinds(generatedDir: string, plan: Plan): string[] {
	const kinds = new Set(scriptOutputs(plan).map(output => output.kind));
	const manifest = JSON.parse(readFileSync(path.join(generatedDir, 'kubepki-manifest.json'), 'utf8')) as {files: Array<{path: string; kind: string}>};
	return sorted(manifest.files.filter(file => kinds.has(file.kind)).map(file => file.path));
}

/**
 * runStatus without blocking: the scripts take seconds each, and a worker that blocks for a minute misses
 * vitest's own messages ("Timeout calling onTaskUpdate").
 */
async function runLater(tool: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<ReturnType<typeof runStatus>> {
	return new Promise((resolve, reject) => {
		const child = spawn(tool, args, {cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += chunk));
		child.stderr.on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', status => resolve({status, stdout, stderr}));
	});
}

const kubepkiLater = async (args: string[]) => runLater(process.execPath, [cliPath, ...args]);

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

/** The serial of a certificate as openssl prints it; a negative one would print with a minus sign. */
function serialOf(file: string, cwd: string): string {
	const r = runStatus('openssl', ['x509', '-in', file, '-noout', '-serial'], {cwd});
	expect(r.status, `${file}: ${r.stderr}`).toBe(0);
	return r.stdout.trim();
}

/** Distinct, at least 64 bits, positive, at most 20 octets in DER (a set top bit costs a sign byte). */
function expectGoodSerials(files: readonly string[], cwd: string): void {
	const serials = files.map(file => serialOf(file, cwd));
	for (const [index, serial] of serials.entries()) {
		expect(serial, files[index]).toMatch(/^serial=[\dA-F]+$/);
		const hex = serial.slice('serial='.length);
		const value = BigInt(`0x${hex}`);
		expect(value.toString(2).length, `${files[index]}: ${hex}`).toBeGreaterThanOrEqual(64);
		const octets = Math.ceil(value.toString(16).length / 2);
		const signByte = value.toString(2).length % 8 === 0 ? 1 : 0;
		expect(octets + signByte, `${files[index]}: ${hex}`).toBeLessThanOrEqual(20);
	}

	expect(new Set(serials).size).toBe(serials.length);
	// Random, not counted: serials from a .srl file (-CAcreateserial) follow each other by one.
	const values = serials.map(serial => BigInt(`0x${serial.slice('serial='.length)}`)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	for (let i = 1; i < values.length; i++) expect(values[i]! - values[i - 1]!).toBeGreaterThan(2n ** 32n);
}

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
	// The script runs in a folder of its own: what it leaves there is compared with generate's files, nothing else.
	const runDir = path.join(dir, 'run');
	let plan: Plan;
	let ran: ReturnType<typeof runStatus>;
	const read = (file: string) => readFileSync(path.join(runDir, file), 'utf8');
	const generatedDir = path.join(dir, 'generated');

	beforeAll(async () => {
		plan = buildPlan(topology());
		const printed = await kubepkiLater(['script', '--flavor', flavor, ...args]);
		expect(printed.status, printed.stderr).toBe(0);
		writeFileSync(path.join(dir, 'make-pki.sh'), printed.stdout);
		mkdirSync(runDir);
		if (runnable) ran = await runLater('bash', ['../make-pki.sh'], {cwd: runDir});
		const generated = await kubepkiLater(['generate', '--quiet', '--out', generatedDir, ...args]);
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
				const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', 'ca.pem', `${spec.file}.pem`], {cwd: runDir});
				expect(`${spec.id} ${purpose}: ${r.stdout.trim()}`).toBe(`${spec.id} ${purpose}: ${spec.file}.pem: OK`);
			}
		}

		const clientOnly = plan.certs.find(s => s.id === 'admin')!;
		const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'ca.pem', `${clientOnly.file}.pem`], {cwd: runDir});
		expect(r.status).not.toBe(0);
	});

	it.skipIf(!runnable)('builds every kubeconfig generate builds: kubectl reads it back with the right server, user and embedded certs', () => {
		const specs = kubeconfigSpecs(plan);
		expect(specs.length).toBeGreaterThan(4);
		const b64 = (file: string) => Buffer.from(read(file)).toString('base64');
		for (const spec of specs) {
			const r = runStatus('kubectl', ['config', 'view', '--minify', '--raw', '-o', 'json', '--kubeconfig', spec.file], {cwd: runDir});
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
		expect(Object.keys(first)).toEqual(['secretbox']);
		expect(last).toEqual({identity: {}});
		const secret: string = first.secretbox.keys[0].secret;
		expect(secret).toMatch(/^[A-Za-z\d+/]+=*$/);
		expect(Buffer.from(secret, 'base64')).toHaveLength(32);
	});

	it.skipIf(!runnable)('leaves every private key 0600 and readable by openssl', () => {
		const keys = readdirSync(runDir).filter(f => f.endsWith('-key.pem'));
		expect(keys).toHaveLength(plan.certs.length);
		for (const file of keys) {
			expect(statSync(path.join(runDir, file)).mode & 0o777, file).toBe(0o600);
			expect(runStatus('openssl', ['pkey', '-in', file, '-noout'], {cwd: runDir}).status, file).toBe(0);
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

	it.skipIf(!runnable)('leaves exactly the certificate, key, kubeconfig and encryption files generate writes: no CSR, ext, JSON, .srl or scratch folder', () => {
		const expected = generatedOfScriptKinds(generatedDir, plan);
		expect(expected.length).toBeGreaterThan(plan.certs.length * 2);
		expect(walk(runDir)).toEqual({files: expected, dirs: []});
	});

	it.skipIf(!runnable)('gives every file the mode generate gives it: certificates 0644, keys, kubeconfigs and the encryption config 0600', () => {
		const files = walk(runDir).files;
		expect(files.length).toBeGreaterThan(0);
		expect(sorted(files.map(file => `${file} ${mode(path.join(runDir, file))}`))).toEqual(sorted(files.map(file => `${file} ${mode(path.join(generatedDir, file))}`)));
		// Both kinds occur: a script that made everything 0600 (or 0644) fails above, not here by accident.
		expect(new Set(files.map(file => mode(path.join(runDir, file))))).toEqual(new Set(['600', '644']));
	});

	it.skipIf(!runnable)('gives every certificate its own random positive serial of 64 bits or more', () => {
		expectGoodSerials(plan.certs.map(spec => `${spec.file}.pem`), runDir);
	});

	it.skipIf(!runnable || lintIsPlaceholder)('passes kubepki lint with no errors or warnings', () => {
		const r = kubepki(['lint', '--json', runDir]);
		expect(r.status, r.stderr).toBe(0);
		const findings: Array<{severity: string}> = JSON.parse(r.stdout).findings;
		expect(findings.filter(f => f.severity !== 'info')).toEqual([]);
	});

	it.skipIf(!runnable)('refuses to run again where a CA already is, and leaves the CA alone', async () => {
		const ca = read('ca.pem');
		const again = await runLater('bash', ['../make-pki.sh'], {cwd: runDir});
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
		[['script', '--flavor', 'openssl', '--layout', 'foo'], /^kubepki: --layout: must be one of hardway, kubeadm \(got "foo"\)\n$/],
		[['script', '--flavor', 'cfssl', '--layout', 'kubeadm', '--encryption-provider', 'aescbc'], /^kubepki: --encryption-provider: only with --layout hardway/],
	])('%j exits 2 with one line and prints no script', (args, message) => {
		const r = kubepki(args);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(message);
		expect(r.stdout).toBe('');
	});

	it('puts --encryption-provider into the script', () => {
		const r = kubepki(['script', '--flavor', 'openssl', '--encryption-provider', 'aescbc']);
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/^ {6}- aescbc:$/m);
		expect(r.stdout).not.toMatch(/secretbox/);
	});
});

describe.each(['cfssl', 'openssl'] as const)('kubepki script --layout kubeadm --flavor %s, run with the real tools', flavor => {
	const runnable = haveKubectl && haveOpenssl && (flavor === 'cfssl' ? haveCfssl : true);
	const dir = tempDir();
	const runDir = path.join(dir, 'run');
	const generatedDir = path.join(dir, 'generated');
	const plan = buildPlan(exampleTopology(), {layout: 'kubeadm'});
	const hosts = [...plan.topology.masters, ...plan.topology.workers].map(h => h.name);
	let ran: ReturnType<typeof runStatus>;
	const at = (file: string) => path.join(runDir, file);
	const exists = (file: string) => {
		try {
			return statSync(at(file)).isFile();
		} catch {
			return false;
		}
	};

	beforeAll(async () => {
		const printed = await kubepkiLater(['script', '--layout', 'kubeadm', '--flavor', flavor]);
		expect(printed.status, printed.stderr).toBe(0);
		writeFileSync(path.join(dir, 'make-pki.sh'), printed.stdout);
		mkdirSync(runDir);
		if (runnable) ran = await runLater('bash', ['../make-pki.sh'], {cwd: runDir});
		const generated = await kubepkiLater(['generate', '--quiet', '--layout', 'kubeadm', '--out', generatedDir]);
		expect(generated.status, generated.stderr).toBe(0);
	}, 120_000);

	it.skipIf(!runnable)('runs to the end', () => {
		expect(ran.status, ran.stderr.slice(-2000)).toBe(0);
		expect(ran.stdout).toMatch(/^done: \d+ certificates, sa.key\/sa.pub and \d+ .conf kubeconfigs/m);
	});

	it.skipIf(!runnable)('leaves the same files and folders as generate --layout kubeadm (its kinds), with the same modes', () => {
		const expected = generatedOfScriptKinds(generatedDir, plan);
		const made = walk(runDir);
		expect(made.files).toEqual(expected);
		// The folders generate made that hold a file of the script's kinds (systemd/ holds only units, which the
		// script does not write).
		const holding = new Set(expected.flatMap(file => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
		const generatedDirs = walk(generatedDir).dirs.filter(d => hosts.some(host => d === host || d.startsWith(`${host}/`)) && holding.has(d));
		expect(made.dirs).toEqual(generatedDirs);
		const modes = (root: string) => [...made.files, ...made.dirs].map(file => `${file} ${mode(path.join(root, file))}`);
		expect(modes(runDir)).toEqual(modes(generatedDir));
	});

	it.skipIf(!runnable || lintIsPlaceholder)('passes kubepki lint with no findings at all', () => {
		const r = kubepki(['lint', '--json', runDir]);
		expect(JSON.parse(r.stdout)).toEqual({findings: []});
		expect(r.status).toBe(0);
	});

	it.skipIf(!runnable)('passes openssl verify -x509_strict for every leaf on every host against its own CA there, with the plan\'s subject and SANs', () => {
		let checked = 0;
		for (const host of hosts) {
			for (const spec of plan.certs.filter(s => s.signer !== 'self')) {
				// The plan says which hosts get the certificate (each master its own etcd server and peer).
				const paths = kubeadmPaths(spec, host);
				if (!paths || !spec.copyTo.cert.includes(host)) continue;
				const ca = kubeadmPaths(specById(plan, spec.signer), host)!.cert;
				const r = runStatus('openssl', ['verify', '-x509_strict', '-CAfile', ca, paths.cert], {cwd: runDir});
				expect(r.stdout.trim(), r.stderr).toBe(`${paths.cert}: OK`);
				// Against any other CA it fails: the three CAs are really three.
				for (const other of plan.certs.filter(s => s.signer === 'self' && s.id !== spec.signer)) {
					const wrong = kubeadmPaths(other, host);
					if (wrong && exists(wrong.cert)) expect(runStatus('openssl', ['verify', '-CAfile', wrong.cert, paths.cert], {cwd: runDir}).status).not.toBe(0);
				}

				const info = certInfo(readFileSync(at(paths.cert), 'utf8'));
				expect([info.commonName, sorted(info.organizations), sorted(info.extKeyUsage)], paths.cert).toEqual([spec.commonName, sorted(spec.organizations), sorted(spec.extKeyUsages)]);
				expect(sorted([...info.dnsNames, ...info.ipAddresses]), paths.cert).toEqual(sorted(spec.sans.map(san => san.value)));
				checked++;
			}
		}

		// Every leaf certificate on disk was among them.
		const leaves = walk(runDir).files.filter(file => file.endsWith('.crt') && !certInfo(readFileSync(at(file), 'utf8')).isCA);
		expect(leaves.length).toBeGreaterThan(plan.topology.masters.length);
		expect(checked).toBe(leaves.length);
	});

	it.skipIf(!runnable)('makes each CA once: every host has the same copy, and its key is on the masters only', () => {
		for (const root of plan.certs.filter(s => s.signer === 'self')) {
			const copies = hosts.map(host => kubeadmPaths(root, host)!).filter(paths => exists(paths.cert));
			expect(copies.length, root.id).toBeGreaterThanOrEqual(plan.topology.masters.length);
			expect(new Set(copies.map(paths => readFileSync(at(paths.cert), 'utf8'))).size, root.id).toBe(1);
			const keys = copies.filter(paths => exists(paths.key));
			expect(new Set(keys.map(paths => readFileSync(at(paths.key), 'utf8'))).size, root.id).toBe(1);
		}
	});

	it.skipIf(!runnable)('writes sa.key and the sa.pub that belongs to it, the same pair on every master', () => {
		const pairs = plan.topology.masters.map(m => [`${m.name}/pki/sa.key`, `${m.name}/pki/sa.pub`] as const);
		for (const [key, pub] of pairs) {
			const derived = runStatus('openssl', ['pkey', '-in', key, '-pubout'], {cwd: runDir});
			expect(derived.status, derived.stderr).toBe(0);
			expect(derived.stdout).toBe(readFileSync(at(pub), 'utf8'));
		}

		expect(new Set(pairs.map(([key]) => readFileSync(at(key), 'utf8'))).size).toBe(1);
	});

	it.skipIf(!runnable)('builds every .conf as generate does (cluster, server, user, context), its client certificate signed by the host\'s ca.crt', () => {
		const view = (root: string, file: string) => {
			const r = runStatus('kubectl', ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', path.join(root, file)]);
			expect(r.status, `${file}: ${r.stderr}`).toBe(0);
			return JSON.parse(r.stdout);
		};

		const confs = kubeadmConfs(plan);
		expect(confs.length).toBeGreaterThan(hosts.length);
		for (const conf of confs) {
			const file = `${conf.host}/${conf.file}`;
			const ours = view(runDir, file);
			const theirs = view(generatedDir, file);
			const shape = (c: any) => [c['current-context'], c.contexts[0].name, c.clusters[0].name, c.clusters[0].cluster.server, c.users[0].name];
			expect(shape(ours), file).toEqual(shape(theirs));
			const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
			expect(decode(ours.clusters[0].cluster['certificate-authority-data']), file).toBe(readFileSync(at(`${conf.host}/pki/ca.crt`), 'utf8'));
			const client = path.join(dir, 'client.pem');
			writeFileSync(client, decode(ours.users[0].user['client-certificate-data']));
			const r = runStatus('openssl', ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', at(`${conf.host}/pki/ca.crt`), client]);
			expect(r.status, `${file}: ${r.stdout}${r.stderr}`).toBe(0);
		}
	});

	it.skipIf(!runnable)('gives every certificate its own random positive serial of 64 bits or more', () => {
		const files = walk(runDir).files.filter(file => file.endsWith('.crt'));
		// The same CA copied to several hosts is one certificate: count each once.
		const unique = [...new Map(files.map(file => [readFileSync(at(file), 'utf8'), file])).values()];
		expect(unique.length).toBeGreaterThan(8);
		expectGoodSerials(unique, runDir);
	});

	it.skipIf(!runnable)('refuses to run where the host folders already are', () => {
		const ca = readFileSync(at(`${hosts[0]}/pki/ca.crt`), 'utf8');
		const again = runStatus('bash', ['../make-pki.sh'], {cwd: runDir});
		expect(again.status).toBe(1);
		expect(again.stderr).toContain(`${hosts[0]} already exists here`);
		expect(readFileSync(at(`${hosts[0]}/pki/ca.crt`), 'utf8')).toBe(ca);
	});
});

describe('kubepki script cleans up when it fails or is stopped', () => {
	const dir = tempDir();
	const script = path.join(dir, 'make-pki.sh');
	// A kubectl that fails, and one that stops the script as Ctrl-C or kill would: both after every key and certificate exists.
	const stubs = {fails: '#!/bin/sh\necho "kubectl: broken on purpose" >&2\nexit 1\n', stops: '#!/bin/sh\nkill -TERM $PPID\nsleep 2\n'};

	beforeAll(() => {
		const printed = kubepki(['script', '--flavor', 'openssl', '--algorithm', 'ecdsa-p256']);
		expect(printed.status).toBe(0);
		writeFileSync(script, printed.stdout);
	});

	it.skipIf(!haveOpenssl).each(Object.keys(stubs) as Array<keyof typeof stubs>)('kubectl %s: the script exits non-zero and leaves the folder empty', async name => {
		const bin = path.join(dir, `bin-${name}`);
		mkdirSync(bin);
		writeFileSync(path.join(bin, 'kubectl'), stubs[name]);
		chmodSync(path.join(bin, 'kubectl'), 0o755);
		const out = path.join(dir, `out-${name}`);
		mkdirSync(out);
		const r = await runLater('bash', [script], {cwd: out, env: {...process.env, PATH: `${bin}:${process.env.PATH}`}});
		expect(r.status).not.toBe(0);
		// It did get as far as the certificates: the failure is the stub's, late in the script.
		expect(r.stderr).toMatch(name === 'fails' ? /broken on purpose/ : /subject=/);
		expect(walk(out)).toEqual({files: [], dirs: []});
	});
});

describe.skipIf(!(haveOpenssl && hasTool('kubectl')))('kubepki script after a run that was killed outright', () => {
	it('removes the scratch folder (and the keys in it) that the killed run left, and only that one', async () => {
		const dir = tempDir();
		const printed = kubepki(['script', '--flavor', 'openssl', '--algorithm', 'ecdsa-p256']);
		expect(printed.status).toBe(0);
		writeFileSync(path.join(dir, 'make-pki.sh'), printed.stdout);
		const out = path.join(dir, 'out');
		// What kill -9 leaves: no trap ran, so the scratch folder and a key in it are still there. Its name
		// carries the pid of the run that made it; that process is gone.
		const gone = spawnSync('true');
		const dead = `.kubepki-script.${gone.pid}.Ab12Cd`;
		mkdirSync(path.join(out, dead), {recursive: true, mode: 0o700});
		writeFileSync(path.join(out, dead, 'ca-key.pem'), 'a key', {mode: 0o600});
		// A run still going (this test's own process) keeps its scratch folder: two runs never delete each other's.
		const live = `.kubepki-script.${process.pid}.Ef34Gh`;
		mkdirSync(path.join(out, live), {mode: 0o700});
		const r = await runLater('bash', ['../make-pki.sh'], {cwd: out});
		expect(r.status, r.stderr).toBe(0);
		const left = readdirSync(out);
		expect(left.filter(name => name.startsWith('.kubepki-script'))).toEqual([live]);
		expect(left).toContain('ca.pem');
	});
});

describe.skipIf(!haveOpenssl)('the serial the openssl script sets', () => {
	it('is a fresh positive value of 64 bits or more each time, at most 20 octets', async () => {
		const {randomSerial} = await import('../../source/core/by-hand.js');
		const value = randomSerial.replace(/^-set_serial /, '');
		const r = runStatus('bash', ['-c', `for i in $(seq 50); do echo ${value}; done`]);
		expect(r.status, r.stderr).toBe(0);
		const serials = r.stdout.trim().split('\n');
		expect(serials).toHaveLength(50);
		expect(new Set(serials).size).toBe(50);
		for (const serial of serials) {
			const n = BigInt(serial);
			expect(n > 0n).toBe(true);
			expect(n.toString(2).length).toBeGreaterThanOrEqual(64);
			// DER octets: the magnitude plus a sign byte when its top bit is set.
			expect(Math.floor(n.toString(2).length / 8) + 1).toBeLessThanOrEqual(20);
		}
	});
});
