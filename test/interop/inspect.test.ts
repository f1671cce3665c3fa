import {execFile} from 'node:child_process';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';
import {beforeAll, describe, expect, it} from 'vitest';
import {makeCertificates, timeInProcess} from '../../bench/inspect.js';
import {hasTool, kubepki, run, tempDir} from '../helpers/tools.js';

const execFileAsync = promisify(execFile);
const dir = tempDir('kubepki-inspect-');
const at = (name: string) => path.join(dir, name);

type JsonItem = {path: string; kind: string; source: string; block?: number; serial?: string; fingerprintSha256?: string; notAfter?: string; subject?: string; error?: string} & Record<string, unknown>;

/** What openssl says about the first certificate of a file (PEM or DER). */
function opensslView(file: string, der = false) {
	const out = run('openssl', ['x509', ...(der ? ['-inform', 'DER'] : []), '-in', file, '-noout', '-serial', '-fingerprint', '-sha256', '-enddate', '-subject']);
	const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(out)?.[1]?.trim();
	return {
		serial: field('serial'),
		fingerprintSha256: field('sha256 Fingerprint'),
		notAfter: new Date(Date.parse(field('notAfter') ?? '')).toISOString(),
		// openssl's default one-line form is "O = x, CN = y"; ours is "O=x, CN=y" in the same (DER) order.
		// Its quoting of a value with a comma ("Acme, Inc.") is RFC 4514's escaping (Acme\\, Inc.) in ours.
		subject: field('subject')
			?.replace(/ = /g, '=')
			.replace(/"([^"]*)"/g, (_, value: string) => value.replace(/,/g, '\\,')),
	};
}

const tools = hasTool('openssl') && hasTool('cfssl') && hasTool('cfssljson');

describe.skipIf(!tools)('inspect --json agrees with openssl x509 on certificates of many shapes', () => {
	let items: JsonItem[];
	const pki = at('pki');

	beforeAll(() => {
		expect(kubepki(['generate', '--quiet', '--out', pki]).status).toBe(0);
		const o = (...args: string[]) => run('openssl', args, {cwd: dir});
		// openssl: an ECDSA P-384 CA, a DER copy of it, a leaf with an IPv6 SAN, and a chain bundle.
		o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'ec-ca-key.pem', '-out', 'ec-ca.pem', '-days', '400', '-subj', '/CN=ec root/O=Acme, Inc./OU=pki');
		o('x509', '-in', 'ec-ca.pem', '-outform', 'DER', '-out', 'ec-ca.der');
		o('req', '-newkey', 'rsa:3072', '-nodes', '-keyout', 'leaf-key.pem', '-out', 'leaf.csr', '-subj', '/CN=api.example.com', '-addext', 'subjectAltName=DNS:api.example.com,IP:2001:db8::1');
		o('x509', '-req', '-in', 'leaf.csr', '-CA', 'ec-ca.pem', '-CAkey', 'ec-ca-key.pem', '-CAcreateserial', '-out', 'leaf.pem', '-days', '90', '-copy_extensions', 'copy');
		writeFileSync(at('bundle.pem'), readFileSync(at('leaf.pem'), 'utf8') + readFileSync(at('ec-ca.pem'), 'utf8'));
		// cfssl, as the hard way makes its CA and a leaf.
		writeFileSync(at('ca-csr.json'), JSON.stringify({CN: 'Kubernetes', key: {algo: 'ecdsa', size: 256}, names: [{O: 'Kubernetes', OU: 'CA'}]}));
		writeFileSync(at('ca-config.json'), JSON.stringify({signing: {profiles: {kubernetes: {usages: ['signing', 'key encipherment', 'server auth', 'client auth'], expiry: '8760h'}}}}));
		writeFileSync(at('admin-csr.json'), JSON.stringify({CN: 'admin', key: {algo: 'rsa', size: 2048}, names: [{O: 'system:masters'}]}));
		const ca = run('cfssl', ['gencert', '-initca', 'ca-csr.json'], {cwd: dir});
		run('cfssljson', ['-bare', 'cfssl-ca'], {cwd: dir, input: ca});
		const admin = run('cfssl', ['gencert', '-ca=cfssl-ca.pem', '-ca-key=cfssl-ca-key.pem', '-config=ca-config.json', '-profile=kubernetes', 'admin-csr.json'], {cwd: dir});
		run('cfssljson', ['-bare', 'cfssl-admin'], {cwd: dir, input: admin});
		const result = kubepki(['inspect', '--json', dir]);
		expect(result.stderr).toBe('');
		items = (JSON.parse(result.stdout) as {items: JsonItem[]}).items;
	});

	it('names ca.pem as the signer of every leaf, not a copy embedded in a kubeconfig or under nodes/', () => {
		const result = kubepki(['inspect', pki]);
		const signedBy = [...result.stdout.matchAll(/^ {2}Signed by +(.*)$/gm)].map(m => m[1]);
		// Every certificate item of the folder: files, copies under nodes/, and those embedded in kubeconfigs.
		const certificates = items.filter(item => item.kind === 'certificate' && item.path.startsWith(pki + path.sep));
		expect(signedBy).toHaveLength(certificates.length);
		const leaves = signedBy.filter(line => !line!.startsWith('itself'));
		expect(leaves.length).toBeGreaterThan(certificates.length / 2);
		expect(new Set(leaves)).toEqual(new Set([`${path.join(pki, 'ca.pem')} ✓ signature checked`]));
	});

	it('says how many days each certificate has left, as openssl\'s end date gives it', () => {
		for (const file of [path.join(pki, 'admin.pem'), path.join(pki, 'ca.pem'), at('leaf.pem')]) {
			const before = Date.now();
			const report = kubepki(['inspect', file]).stdout;
			const end = Date.parse(opensslView(file).notAfter);
			const shown = /^ {2}Valid .*\((\d+) days left\)$/m.exec(report)?.[1];
			// Whole days, rounded down; a day boundary may pass while the command runs.
			const expected = Math.floor((end - before) / 86_400_000);
			expect([expected, expected - 1], file).toContain(Number(shown));
		}
	});

	it('says where else each certificate is: the copies under nodes/ and the kubeconfigs that embed it', () => {
		const caPem = readFileSync(path.join(pki, 'ca.pem'), 'utf8');
		const all = readdirSync(pki, {recursive: true, encoding: 'utf8'}).map(name => path.join(pki, name));
		const sameFiles = all.filter(file => file !== path.join(pki, 'ca.pem') && file.endsWith('.pem') && readFileSync(file, 'utf8') === caPem);
		const embedding = all.filter(file => file.endsWith('.kubeconfig') && readFileSync(file, 'utf8').includes(Buffer.from(caPem).toString('base64')));
		expect(sameFiles.length).toBeGreaterThan(1);
		const report = kubepki(['inspect', '.'], {cwd: pki}).stdout;
		const block = report.split('\n\n').find(part => part.startsWith('ca.pem  certificate'));
		const row = /^ {2}Copies +also in (\d+) files \(.*\) and (\d+) kubeconfigs \(embedded\)$/m.exec(block ?? '');
		expect(row, block).not.toBeNull();
		expect([Number(row![1]), Number(row![2])]).toEqual([sameFiles.length, embedding.length]);
	});

	const certificateFiles = () => [
		...['ca', 'admin', 'kubernetes', 'node1', 'kube-proxy', 'service-account'].map(name => ({file: path.join(pki, `${name}.pem`), der: false})),
		{file: at('ec-ca.pem'), der: false},
		{file: at('ec-ca.der'), der: true},
		{file: at('leaf.pem'), der: false},
		{file: at('cfssl-ca.pem'), der: false},
		{file: at('cfssl-admin.pem'), der: false},
	];

	it('serial, SHA-256 fingerprint, notAfter and subject match openssl for each certificate', () => {
		for (const {file, der} of certificateFiles()) {
			const ours = items.find(item => item.path === file && item.kind === 'certificate' && !item.block);
			expect(ours, file).toBeDefined();
			const theirs = opensslView(file, der);
			expect({serial: ours!.serial, fingerprintSha256: ours!.fingerprintSha256, notAfter: ours!.notAfter, subject: ours!.subject}, file).toEqual(theirs);
		}
	});

	it('reads each block of a chain bundle, and the blocks match their single files', () => {
		const blocks = items.filter(item => item.path === at('bundle.pem'));
		expect(blocks.map(item => item.block)).toEqual([1, 2]);
		expect(blocks[0]?.fingerprintSha256).toBe(opensslView(at('leaf.pem')).fingerprintSha256);
		expect(blocks[1]?.fingerprintSha256).toBe(opensslView(at('ec-ca.pem')).fingerprintSha256);
	});

	it('prints exactly the issue\'s field names for a certificate, with the Kubernetes meaning', () => {
		const admin = items.find(item => item.path === at('cfssl-admin.pem'))!;
		expect(Object.keys(admin)).toEqual(
			expect.arrayContaining(['path', 'kind', 'source', 'subject', 'commonName', 'organizations', 'issuer', 'serial', 'notBefore', 'notAfter', 'dnsNames', 'ipAddresses', 'keyUsage', 'extKeyUsage', 'isCA', 'publicKey', 'signatureAlgorithm', 'fingerprintSha256', 'kubernetes']),
		);
		expect(admin).toMatchObject({source: 'pem', commonName: 'admin', organizations: ['system:masters'], isCA: false, publicKey: {algorithm: 'RSA', bits: 2048}, kubernetes: {user: 'admin', groups: ['system:masters'], role: 'admin'}});
		expect(items.find(item => item.path === at('ec-ca.pem'))).toMatchObject({isCA: true, publicKey: {algorithm: 'ECDSA', curve: 'P-384', bits: 384}, signatureAlgorithm: 'ecdsa-with-SHA256', kubernetes: {user: null, role: 'ca'}});
		expect(items.find(item => item.path === at('leaf.pem'))).toMatchObject({ipAddresses: ['2001:db8::1'], publicKey: {algorithm: 'RSA', bits: 3072}});
	});

	it('never prints private key material: key items carry only the public key\'s shape', () => {
		const keys = items.filter(item => item.kind === 'private-key');
		expect(keys.length).toBeGreaterThan(5);
		const text = JSON.stringify(items);
		expect(text).not.toMatch(/PRIVATE KEY|client-key-data":/);
		const keyBody = readFileSync(path.join(pki, 'admin-key.pem'), 'utf8').split('\n')[1]!;
		expect(text).not.toContain(keyBody);
	});

	it('names where an embedded certificate came from in a kubeconfig', () => {
		const sources = items.filter(item => item.path === path.join(pki, 'admin.kubeconfig')).map(item => `${item.kind} ${item.source}`);
		expect(sources).toEqual([
			'kubeconfig kubeconfig',
			'certificate kubeconfig:clusters[kubernetes-the-hard-way].certificate-authority-data',
			'certificate kubeconfig:users[admin].client-certificate-data',
			'private-key kubeconfig:users[admin].client-key-data',
		]);
	});

	it('piped without --json: a readable report with a summary line, and exit 0 on a clean PKI', () => {
		const result = kubepki(['inspect', pki]);
		expect(result.status).toBe(0);
		expect(result.stdout).toMatch(/admin\.pem {2}certificate \(pem\)\n {2}Subject {4}O=system:masters, CN=admin/);
		expect(result.stdout).toMatch(/Kubernetes user system:node:node1, groups system:nodes; role kubelet/);
		const summary = result.stdout.trim().split('\n').at(-1);
		// Every file generate wrote, as its manifest lists them, plus the manifest itself.
		const manifest = JSON.parse(readFileSync(path.join(pki, 'kubepki-manifest.json'), 'utf8')) as {files: unknown[]};
		expect(summary).toMatch(new RegExp(`^${manifest.files.length + 1} file\\(s\\): .* findings: 0 error\\(s\\)`));
		// The encryption config, units, copy.sh and manifest hold no PKI part: not counted as unreadable.
		const walk = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
		const plain = walk(pki).filter(file => !/-----BEGIN|-data: /.test(readFileSync(file, 'utf8'))).length;
		expect(summary).toMatch(new RegExp(` 0 unreadable, ${plain} with no certificate or key;`));
	});

	it('refuses a missing path with exit 2 and one line', () => {
		const result = kubepki(['inspect', '--json', at('missing.pem')]);
		expect(result.status).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toBe(`kubepki: inspect: ${at('missing.pem')}: no such file or folder\n`);
	});

	it('with no path, reads ./pki when it exists', () => {
		const result = kubepki(['inspect', '--json'], {cwd: dir});
		expect(result.status).toBe(0);
		expect((JSON.parse(result.stdout) as {items: JsonItem[]}).items.some(item => item.path === path.join('pki', 'ca.pem'))).toBe(true);
	});
});

const trustStore = '/etc/ssl/certs';

describe.skipIf(!hasTool('openssl') || !existsSync(trustStore))('inspect --json agrees with openssl on the system trust store (a real-world set)', () => {
	it('the same serial, fingerprint, notAfter and subject for every certificate file in /etc/ssl/certs', async () => {
		const result = kubepki(['inspect', '--json', trustStore]);
		const items = (JSON.parse(result.stdout) as {items: JsonItem[]}).items.filter(item => item.kind === 'certificate' && !item.block && !item.path.endsWith('.crt'));
		expect(items.length).toBeGreaterThan(50);
		for (const item of items) {
			// Asynchronously: 150 synchronous runs would keep vitest's worker from answering its runner.
			const {stdout: out} = await execFileAsync('openssl', ['x509', '-in', item.path, '-noout', '-serial', '-fingerprint', '-sha256', '-enddate', '-subject', '-nameopt', 'utf8,sep_comma_plus_space,esc_2253,sname'], {encoding: 'utf8'});
			const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(out)?.[1]?.trim();
			// openssl names emailAddress in full where we (and @peculiar/x509) write E.
			const subject = field('subject')?.replace(/(^|, )emailAddress=/g, '$1E=');
			expect({serial: item.serial, fingerprintSha256: item.fingerprintSha256, notAfter: item.notAfter, subject: item.subject}, item.path).toEqual({
				serial: field('serial'),
				fingerprintSha256: field('sha256 Fingerprint'),
				notAfter: new Date(Date.parse(field('notAfter') ?? '')).toISOString(),
				subject,
			});
		}
		// One openssl run per certificate (about 150): slow on a loaded machine, and not what is being tested.
	}, 600_000);
});

describe('inspecting 1,000 certificates', () => {
	const certs = at('thousand');

	beforeAll(async () => {
		await makeCertificates(certs, 1000);
	}, 120_000);

	it('loads and lints all of them in process and through the CLI (their timings are in npm run bench)', async () => {
		const inProcess = await timeInProcess(certs);
		expect(inProcess.certificates).toBe(1000);
		expect(inProcess.findings).toBe(0);
		const cli = kubepki(['inspect', '--json', certs]);
		expect(cli.status, cli.stderr).toBe(0);
		const items = (JSON.parse(cli.stdout) as {items: JsonItem[]}).items.filter(item => item.kind === 'certificate');
		expect(items).toHaveLength(1000);
	});
});
