import {execFileSync} from 'node:child_process';
import {chmodSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {loadPaths, parseBytes, pemBlocks, type Item} from '../../source/core/pki/load.js';
import {hasTool, run, tempDir} from '../helpers/tools.js';

const openssl = hasTool('openssl');
const dir = tempDir('kubepki-load-');
const at = (name: string) => path.join(dir, name);

/** The items of one file. */
const itemsOf = (items: readonly Item[], name: string) => items.filter(item => item.path === at(name));

describe.skipIf(!openssl)('loadPaths reads what openssl writes', () => {
	let items: Item[];

	beforeAll(async () => {
		const o = (...args: string[]) => run('openssl', args, {cwd: dir});
		o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=test-ca');
		// Leaves of several shapes: ECDSA with SANs, a CSR, DER forms, key formats.
		o('ecparam', '-name', 'prime256v1', '-genkey', '-out', 'ec-key.pem');
		o('req', '-new', '-key', 'ec-key.pem', '-out', 'ec.csr', '-subj', '/CN=system:node:w1/O=system:nodes', '-addext', 'subjectAltName=DNS:w1,IP:10.0.0.7,IP:fd00::7');
		o('x509', '-req', '-in', 'ec.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'ec.pem', '-days', '10', '-copy_extensions', 'copy');
		o('x509', '-in', 'ec.pem', '-outform', 'DER', '-out', 'ec.der');
		o('pkey', '-in', 'ca-key.pem', '-outform', 'DER', '-out', 'ca-key.der');
		o('pkey', '-in', 'ca-key.pem', '-pubout', '-out', 'ca-pub.pem');
		o('rsa', '-in', 'ca-key.pem', '-traditional', '-out', 'ca-key-pkcs1.pem');
		o('rsa', '-in', 'ca-key.pem', '-RSAPublicKey_out', '-out', 'ca-pub-pkcs1.pem');
		o('pkcs8', '-topk8', '-in', 'ca-key.pem', '-passout', 'pass:secret', '-out', 'ca-key-encrypted.pem');
		// A bundle: leaf then CA, as a chain file is.
		writeFileSync(at('chain.pem'), readFileSync(at('ec.pem'), 'utf8') + readFileSync(at('ca.pem'), 'utf8'));
		writeFileSync(at('empty.pem'), '');
		writeFileSync(at('truncated.pem'), readFileSync(at('ca.pem'), 'utf8').slice(0, 300));
		writeFileSync(at('notes.txt'), 'nothing here\n');
		// Starts with "0" (0x30, a DER SEQUENCE's tag) but is text: not reported as broken DER.
		writeFileSync(at('zero.txt'), '0 certificates here\n');
		// A 3 MB single line: must be read and dismissed, not choke the PEM scanner.
		writeFileSync(at('long-line.txt'), 'A'.repeat(3 * 1024 * 1024));
		mkdirSync(at('loop'));
		symlinkSync('..', at('loop/parent'));
		symlinkSync('does-not-exist.pem', at('broken.pem'));
		items = (await loadPaths([dir])).items;
	});

	it('reads a self-signed RSA CA: subject, CA flag, key size, as openssl prints them', () => {
		const [ca] = itemsOf(items, 'ca.pem');
		expect(ca?.kind).toBe('certificate');
		expect(ca?.cert?.commonName).toBe('test-ca');
		expect(ca?.cert?.isCA).toBe(true);
		expect(ca?.cert?.publicKey).toEqual({algorithm: 'RSA', bits: 2048});
		const serial = run('openssl', ['x509', '-in', at('ca.pem'), '-noout', '-serial']).trim().replace('serial=', '');
		expect(ca?.cert?.serial).toBe(serial);
		expect(ca?.kubernetes?.role).toBe('ca');
	});

	it('reads a TRUSTED CERTIFICATE block as the certificate it starts with', async () => {
		// openssl's TRUSTED CERTIFICATE: the certificate, then its trust settings, in one block.
		const trustedDir = tempDir('kubepki-trusted-');
		run('openssl', ['x509', '-in', at('ca.pem'), '-addtrust', 'serverAuth', '-trustout', '-out', path.join(trustedDir, 'ca-trusted.pem')]);
		expect(readFileSync(path.join(trustedDir, 'ca-trusted.pem'), 'utf8')).toContain('BEGIN TRUSTED CERTIFICATE');
		const [trusted] = (await loadPaths([trustedDir])).items;
		const [ca] = itemsOf(items, 'ca.pem');
		expect(trusted?.kind).toBe('certificate');
		expect(trusted?.cert?.fingerprintSha256).toBe(ca?.cert?.fingerprintSha256);
	});

	it('reads an ECDSA leaf with DNS, IPv4 and IPv6 SANs, and its DER twin gives the same fingerprint', () => {
		const [pem] = itemsOf(items, 'ec.pem');
		const [der] = itemsOf(items, 'ec.der');
		expect(pem?.cert?.publicKey).toEqual({algorithm: 'ECDSA', curve: 'P-256', bits: 256});
		expect(pem?.cert?.dnsNames).toEqual(['w1']);
		expect(pem?.cert?.ipAddresses).toEqual(['10.0.0.7', 'fd00::7']);
		expect(pem?.kubernetes).toMatchObject({user: 'system:node:w1', groups: ['system:nodes'], role: 'kubelet'});
		expect(der?.kind).toBe('certificate');
		expect(der?.source).toBe('der');
		expect(der?.cert?.fingerprintSha256).toBe(pem?.cert?.fingerprintSha256);
	});

	it('reads every key format: SEC1 (after EC PARAMETERS), PKCS#8, PKCS#1, DER, public keys, encrypted', () => {
		const kinds = (name: string) => itemsOf(items, name).map(item => [item.kind, item.publicKey?.algorithm, item.publicKey?.bits ?? item.publicKey?.curve]);
		expect(kinds('ec-key.pem')).toEqual([['private-key', 'ECDSA', 256]]);
		expect(kinds('ca-key.pem')).toEqual([['private-key', 'RSA', 2048]]);
		expect(kinds('ca-key-pkcs1.pem')).toEqual([['private-key', 'RSA', 2048]]);
		expect(kinds('ca-key.der')).toEqual([['private-key', 'RSA', 2048]]);
		expect(kinds('ca-pub.pem')).toEqual([['public-key', 'RSA', 2048]]);
		expect(kinds('ca-pub-pkcs1.pem')).toEqual([['public-key', 'RSA', 2048]]);
		expect(itemsOf(items, 'ca-key-encrypted.pem')[0]).toMatchObject({kind: 'private-key', encrypted: true});
		// The public half of a private key equals the public key file: that is what key-mismatch compares.
		const spki = (name: string) => Buffer.from(itemsOf(items, name)[0]!.raw!.spki!).toString('hex');
		expect(spki('ca-key.pem')).toBe(spki('ca-pub.pem'));
		expect(spki('ca-key.der')).toBe(spki('ca.pem'));
	});

	it('reads a CSR with its requested subject and SANs', () => {
		const [csr] = itemsOf(items, 'ec.csr');
		expect(csr?.kind).toBe('csr');
		expect(csr?.csr).toMatchObject({commonName: 'system:node:w1', organizations: ['system:nodes'], dnsNames: ['w1'], ipAddresses: ['10.0.0.7', 'fd00::7']});
	});

	it('reads each block of a chain bundle, numbered', () => {
		const chain = itemsOf(items, 'chain.pem');
		expect(chain.map(item => [item.kind, item.block, item.cert?.commonName])).toEqual([
			['certificate', 1, 'system:node:w1'],
			['certificate', 2, 'test-ca'],
		]);
	});

	it('reports empty, truncated, plain text, a 3 MB line and a broken link as unreadable, each with a reason', () => {
		for (const name of ['empty.pem', 'truncated.pem', 'notes.txt', 'zero.txt', 'long-line.txt', 'broken.pem']) {
			const found = itemsOf(items, name);
			expect(found, name).toHaveLength(1);
			expect(found[0]?.kind, name).toBe('unreadable');
			expect(found[0]?.error, name).toMatch(/\S/);
			expect(found[0]?.error, name).not.toContain('\n');
		}

		expect(itemsOf(items, 'empty.pem')[0]?.error).toBe('empty file');
		expect(itemsOf(items, 'truncated.pem')[0]?.error).toMatch(/without its END line/);
		expect(itemsOf(items, 'broken.pem')[0]?.error).toBe('broken symbolic link');
		expect(itemsOf(items, 'zero.txt')[0]?.error).toBe('no certificate, key or kubeconfig in this file');
	});

	it('follows a symlink loop once: no file appears twice', () => {
		const paths = items.filter(item => item.kind === 'certificate' && item.cert?.commonName === 'test-ca' && !item.block).map(item => item.path);
		expect(paths).toEqual([at('ca.pem')]);
	});

	it('reads a certificate past 2049 (GeneralizedTime), a UTF-8 subject and a multi-valued RDN as openssl does', async () => {
		const odd = tempDir('kubepki-odd-');
		run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '36500', '-utf8', '-multivalue-rdn', '-subj', '/CN=Zürich nœud+O=système/OU=a\\, b'], {cwd: odd});
		const [item] = (await loadPaths([path.join(odd, 'c.pem')])).items;
		const out = run('openssl', ['x509', '-in', path.join(odd, 'c.pem'), '-noout', '-enddate', '-subject', '-nameopt', 'utf8,sep_comma_plus_space,esc_2253,sname']);
		expect(item?.cert?.notAfter).toBe(new Date(Date.parse(/notAfter=(.*)/.exec(out)![1]!)).toISOString());
		expect(new Date(item!.cert!.notAfter).getUTCFullYear()).toBeGreaterThan(2100);
		// openssl's sep_comma_plus_space also pads the + of a multi-valued RDN.
		expect(item?.cert?.subject).toBe(/subject=(.*)/.exec(out)![1]!.replace(' + ', '+'));
		expect(item?.cert).toMatchObject({commonName: 'Zürich nœud', organizations: ['système'], organizationalUnits: ['a, b']});
	});

	it('reads a file named twice (alone and inside its folder) once', async () => {
		const twice = await loadPaths([at('ca.pem'), dir, at('ca.pem')]);
		expect(twice.items.filter(item => item.path === at('ca.pem'))).toHaveLength(1);
	});

	it('records file modes for the key-permissions rule', () => {
		for (const name of ['notes.txt', 'ca-key.pem', 'ec-key.pem']) expect(itemsOf(items, name)[0]?.mode, name).toBe(statSync(at(name)).mode & 0o777);
	});
});

describe('PEM blocks are found in one pass', () => {
	// The blocks a lazy regular expression finds (the reader's old way), as the reference on small inputs.
	const byRegex = (text: string) => [...text.matchAll(/-----BEGIN ([A-Z\d ]{1,40})-----([\s\S]*?)-----END \1-----/g)].map(m => ({label: m[1], body: m[2], whole: m[0]}));
	const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
	const key = '-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n';

	it.each([
		['two blocks', cert + key],
		['text around and between', `junk\n${cert}more junk\n${key}tail`],
		['a BEGIN without END before a good block', `-----BEGIN RSA PRIVATE KEY-----\nabc\n${cert}`],
		['a BEGIN whose END is another label\'s', `-----BEGIN CERTIFICATE-----\nabc\n-----END X509 CRL-----\n${key}`],
		['a nested BEGIN of the same label', `-----BEGIN CERTIFICATE-----\n${cert}`],
		['a label too long or lower case', `-----BEGIN ${'A'.repeat(41)}-----\nx\n-----END ${'A'.repeat(41)}-----\n-----BEGIN cert-----\n${cert}`],
		['dashes in a header line', `-----BEGIN -----\n${cert}`],
	])('finds what the regular expression finds: %s', (_name, text) => {
		expect(pemBlocks(text)).toEqual(byRegex(text));
	});

	it('reads 100,000 BEGIN lines without an END as one truncated block', () => {
		const text = '-----BEGIN CERTIFICATE-----\n'.repeat(100_000);
		expect(pemBlocks(text)).toEqual([]);
		expect(parseBytes('many.pem', Buffer.from(text)).map(item => [item.kind, item.error])).toEqual([['unreadable', 'CERTIFICATE block without its END line (truncated?)']]);
	});
});

describe('parseBytes never throws', () => {
	it('turns a kubeconfig into the kubeconfig item plus each embedded part, named by where it came from', () => {
		const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
		const yaml = [
			'apiVersion: v1',
			'kind: Config',
			'clusters:',
			`- name: k\n  cluster: {server: 'https://10.0.0.1:6443', certificate-authority-data: ${Buffer.from(ca).toString('base64')}}`,
			'users:',
			'- name: admin\n  user: {client-certificate-data: "!!notbase64"}',
			'contexts:',
			'- name: default\n  context: {cluster: k, user: admin}',
			'current-context: default',
		].join('\n');
		const items = parseBytes('x.kubeconfig', Buffer.from(yaml));
		expect(items.map(item => [item.kind, item.source])).toEqual([
			['kubeconfig', 'kubeconfig'],
			['unreadable', 'kubeconfig:clusters[k].certificate-authority-data'],
			['unreadable', 'kubeconfig:users[admin].client-certificate-data'],
		]);
		expect(items[0]?.kubeconfig).toMatchObject({currentContext: 'default', clusters: [{name: 'k', server: 'https://10.0.0.1:6443'}]});
	});

	it('reports a FIFO without opening it (reading one would block)', async () => {
		const fifoDir = tempDir('kubepki-fifo-');
		execFileSync('mkfifo', [path.join(fifoDir, 'pipe.pem')]);
		const {items} = await loadPaths([fifoDir]);
		expect(items).toEqual([expect.objectContaining({kind: 'unreadable', error: 'skipped: a FIFO, not a regular file'})]);
	});

	it('stays inside the named tree: a link to a folder elsewhere is noted, not walked; the named link itself is read', async () => {
		const outside = tempDir('kubepki-outside-');
		mkdirSync(path.join(outside, 'deep'));
		writeFileSync(path.join(outside, 'deep', 'elsewhere.pem'), 'not a certificate\n');
		const tree = tempDir('kubepki-tree-');
		writeFileSync(path.join(tree, 'own.pem'), 'not a certificate\n');
		symlinkSync(outside, path.join(tree, 'away'));
		mkdirSync(path.join(tree, 'sub'));
		symlinkSync('..', path.join(tree, 'sub', 'up'));
		const {items} = await loadPaths([tree]);
		expect(items.map(item => path.relative(tree, item.path))).toEqual(['away', 'own.pem']);
		expect(items[0]?.error).toBe(`skipped: a symbolic link to a folder outside ${realpathSync(tree)} (${realpathSync(outside)}); name it to read it`);
		const named = await loadPaths([path.join(tree, 'away')]);
		expect(named.items.map(item => path.basename(item.path))).toEqual(['elsewhere.pem']);
	});

	it.skipIf(process.getuid?.() === 0)('reports a file it may not read as permission denied', async () => {
		const lockedDir = tempDir('kubepki-locked-');
		writeFileSync(path.join(lockedDir, 'secret.pem'), 'x');
		chmodSync(path.join(lockedDir, 'secret.pem'), 0o000);
		const {items} = await loadPaths([lockedDir]);
		expect(items[0]).toMatchObject({kind: 'unreadable', error: 'permission denied'});
	});
});
