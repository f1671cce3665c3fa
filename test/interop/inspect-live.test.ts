// `kubepki inspect https://HOST:PORT` through the real CLI against real servers on loopback: openssl s_server
// (right SAN, wrong SAN, expired, wrong CA, mutual TLS accepted and refused, TLS 1.3 and 1.2) and a real etcd
// member serving the generated kubernetes.pem with --client-cert-auth. Servers are waited for by what they
// print once listening, never by sleeping.
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {freePorts} from '../helpers/ports.js';
import {cliPath, hasTool, kubepki, run, tempDir} from '../helpers/tools.js';
import {stopProcess} from '../helpers/processes.js';

const haveOpenssl = hasTool('openssl');
const haveEtcd = haveOpenssl && hasTool('etcd');
const root = tempDir('kubepki-live-');
// `here` holds ./pki, the folder inspect compares with and whose CA is the default; `other` is another cluster's PKI.
const here = path.join(root, 'here');
const pki = (name: string) => path.join(here, 'pki', name);
const other = (name: string) => path.join(root, 'other', 'pki', name);

type Report = {
	endpoint: string;
	url: string;
	servername: string | null;
	protocol: string;
	chain: string[];
	caFiles: string[];
	verified: boolean | null;
	nameChecked: string;
	nameError: string | null;
	client: string;
	clientCertificate: string | null;
	clientAlert: string | null;
	sameAs: string | null;
};
type Json = {items: Array<{path: string; source: string; fingerprintSha256?: string}>; findings: Array<{path: string; rule: string; severity: string; message: string; item?: {source: string}}>; endpoints: Report[]};

/** The CLI without blocking this process (a server below may live in it); cwd `here`. */
function inspect(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		execFile(process.execPath, [cliPath, 'inspect', ...args], {cwd: here, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

async function inspectJson(args: string[], env?: NodeJS.ProcessEnv): Promise<{code: number; json: Json; stderr: string}> {
	const result = await inspect(['--json', ...args], env);
	expect(result.stderr, result.stderr).toBe('');
	return {code: result.code, json: JSON.parse(result.stdout) as Json, stderr: result.stderr};
}

const children: ChildProcess[] = [];
afterAll(async () => {
	await Promise.all(children.map(async child => stopProcess(child)));
}, 30_000);

/** Start a server and resolve once its output matches `ready`; reject with its output if it exits first. */
function startServer(command: string, args: string[], ready: RegExp, options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<{child: ChildProcess; output: string}> {
	const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe']});
	children.push(child);
	let output = '';
	return new Promise((resolve, reject) => {
		const look = (chunk: Buffer) => {
			output += chunk.toString();
			if (output.length > 100_000) output = output.slice(-50_000);
			if (ready.test(output)) resolve({child, output});
		};
		child.stdout!.on('data', look);
		child.stderr!.on('data', look);
		child.once('exit', code => reject(new Error(`${command} ${args.join(' ')} exited (${code}) before it was ready:\n${output.slice(-3000)}`)));
		child.once('error', reject);
	});
}

/** openssl s_server on a loopback port; `ACCEPT` is printed once it listens. stdin stays open (EOF stops it). */
async function sServer(cert: string, key: string, extra: string[] = []): Promise<number> {
	const [port] = await freePorts(1);
	await startServer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key, ...extra], /^ACCEPT$/m);
	return port!;
}

/** Sign a CSR with a CA for a period that ended in 2021 (openssl ca takes explicit dates). */
function expiredCertificate(dir: string, ca: string, caKey: string): {cert: string; key: string} {
	const o = (...args: string[]) => run('openssl', args, {cwd: dir});
	writeFileSync(path.join(dir, 'index.txt'), '');
	writeFileSync(path.join(dir, 'serial'), '1000\n');
	writeFileSync(
		path.join(dir, 'ca.cnf'),
		['[ca]', 'default_ca = old', '[old]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'default_md = sha256', 'policy = any', 'copy_extensions = copy', 'unique_subject = no', '[any]', 'commonName = supplied', ''].join('\n'),
	);
	o('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'old-key.pem', '-out', 'old.csr', '-subj', '/CN=old-server', '-addext', 'subjectAltName=IP:127.0.0.1');
	o('ca', '-batch', '-config', 'ca.cnf', '-cert', ca, '-keyfile', caKey, '-in', 'old.csr', '-out', 'old.pem', '-startdate', '20200101000000Z', '-enddate', '20210101000000Z', '-notext');
	return {cert: path.join(dir, 'old.pem'), key: path.join(dir, 'old-key.pem')};
}

const rule = (json: Json, id: string) => json.findings.filter(finding => finding.rule === id);

beforeAll(() => {
	for (const dir of [here, path.join(root, 'other')]) {
		mkdirSync(dir, {recursive: true});
		const result = kubepki(['generate', '--out', path.join(dir, 'pki'), '--algorithm', 'ecdsa-p256', '--quiet']);
		if (result.status !== 0) throw new Error(result.stderr);
	}
});

describe.skipIf(!haveOpenssl)('inspect https://127.0.0.1:PORT against openssl s_server', () => {
	it('right SAN: shows the served chain, verified against ./pki\'s CA, the name covered, the same bytes as pki/kubernetes.pem; exit 0', async () => {
		const port = await sServer(pki('kubernetes.pem'), pki('kubernetes-key.pem'));
		const {code, json} = await inspectJson([`https://127.0.0.1:${port}`]);
		expect(code).toBe(0);
		const [report] = json.endpoints;
		expect(report).toMatchObject({url: `https://127.0.0.1:${port}`, verified: true, nameChecked: '127.0.0.1', nameError: null, sameAs: 'pki/kubernetes.pem', caFiles: ['pki/ca.pem'], client: 'not-asked'});
		// The leaf is what openssl says kubernetes.pem is.
		const fingerprint = run('openssl', ['x509', '-in', pki('kubernetes.pem'), '-noout', '-fingerprint', '-sha256']).split('=')[1]!.trim();
		const served = json.items.filter(item => item.path === report!.url);
		expect(served[0]!.fingerprintSha256).toBe(fingerprint);
		expect(served[0]!.source).toBe('tls');
		expect(rule(json, 'endpoint-chain')[0]!.severity).toBe('info');
		// The text report shows it like a file, with the verdicts under it.
		const text = await inspect([`127.0.0.1:${port}`]);
		expect(text.code).toBe(0);
		expect(text.stdout).toContain(`https://127.0.0.1:${port}  certificate`);
		expect(text.stdout).toMatch(/endpoint-local: the served certificate is pki\/kubernetes\.pem, byte for byte/);
	});

	it('the chain is what the server sent: a CA this machine trusts (NODE_EXTRA_CA_CERTS) is not added to it', async () => {
		// The leaf alone: Node, given a trust store, would complete the reported chain with ./pki's CA from it.
		const alone = await sServer(pki('kubernetes.pem'), pki('kubernetes-key.pem'));
		const trusting = {...process.env, NODE_EXTRA_CA_CERTS: pki('ca.pem')};
		const leaf = await inspectJson([`127.0.0.1:${alone}`], trusting);
		expect(leaf.json.endpoints[0]!.chain).toHaveLength(1);
		expect(leaf.json.items.filter(item => item.source === 'tls')).toHaveLength(1);
		expect(leaf.json.endpoints[0]!.verified).toBe(true);
		// The leaf and its CA (-cert_chain): both are shown, as openssl s_client -showcerts shows them.
		const both = await sServer(pki('kubernetes.pem'), pki('kubernetes-key.pem'), ['-cert_chain', pki('ca.pem')]);
		const sent = run('openssl', ['s_client', '-connect', `127.0.0.1:${both}`, '-showcerts'], {input: ''}).match(/-----BEGIN CERTIFICATE-----/g);
		const chain = await inspectJson([`127.0.0.1:${both}`], trusting);
		expect(chain.json.endpoints[0]!.chain).toHaveLength(sent!.length);
		expect(chain.json.endpoints[0]!.chain).toHaveLength(2);
	});

	it('wrong SAN: kubectl\'s exact x509 error and the SAN that would fix it; exit 1; --servername checks the name given instead', async () => {
		const port = await sServer(pki('node1.pem'), pki('node1-key.pem'));
		const {code, json} = await inspectJson([`https://127.0.0.1:${port}`]);
		expect(code).toBe(1);
		expect(json.endpoints[0]!.nameError).toBe('x509: certificate is valid for 10.128.15.223, not 127.0.0.1');
		expect(rule(json, 'endpoint-name')[0]!.message).toMatch(/add IP:127\.0\.0\.1 to the certificate's SANs/);
		const named = await inspectJson([`127.0.0.1:${port}`, '--servername', 'node1']);
		expect(named.json.endpoints[0]).toMatchObject({servername: 'node1', nameChecked: 'node1', nameError: null});
		const wrongName = await inspectJson([`127.0.0.1:${port}`, '--servername', 'node2']);
		expect(wrongName.json.endpoints[0]!.nameError).toBe('x509: certificate is valid for node1, not node2');
	});

	it('expired: the served certificate is an error, in kubectl\'s words; exit 1', async () => {
		const dir = path.join(root, 'expired');
		mkdirSync(dir, {recursive: true});
		const old = expiredCertificate(dir, pki('ca.pem'), pki('ca-key.pem'));
		const port = await sServer(old.cert, old.key);
		const {code, json} = await inspectJson([`127.0.0.1:${port}`]);
		expect(code).toBe(1);
		expect(rule(json, 'endpoint-validity')[0]!.message).toMatch(/^x509: certificate has expired or is not yet valid: current time \S+ is after 2021-01-01T00:00:00/);
		expect(json.endpoints[0]).toMatchObject({verified: true, nameError: null, sameAs: null});
	});

	it('wrong CA: "signed by unknown authority" against ./pki; verified against --ca of the CA that did sign it', async () => {
		const port = await sServer(other('kubernetes.pem'), other('kubernetes-key.pem'));
		const {code, json} = await inspectJson([`127.0.0.1:${port}`]);
		expect(code).toBe(1);
		expect(json.endpoints[0]).toMatchObject({verified: false, sameAs: null});
		expect(rule(json, 'endpoint-chain')[0]).toMatchObject({severity: 'error'});
		expect(rule(json, 'endpoint-chain')[0]!.message).toMatch(/^x509: certificate signed by unknown authority/);
		// Same subject as pki/kubernetes.pem, other bytes: a stale or foreign copy on the server.
		expect(rule(json, 'endpoint-local')[0]).toMatchObject({severity: 'warning'});
		const withCa = await inspectJson([`127.0.0.1:${port}`, '--ca', other('ca.pem')]);
		expect(withCa.json.endpoints[0]).toMatchObject({verified: true, caFiles: [other('ca.pem')]});
	});

	describe.each([
		{protocol: 'TLSv1.3', flags: [] as string[]},
		{protocol: 'TLSv1.2', flags: ['-tls1_2']},
	])('mutual TLS over $protocol (s_server -Verify, its errors returned)', ({protocol, flags}) => {
		let port: number;
		beforeAll(async () => {
			port = await sServer(pki('kubernetes.pem'), pki('kubernetes-key.pem'), ['-Verify', '1', '-verify_return_error', '-CAfile', pki('ca.pem'), ...flags]);
		});

		it('accepted: a client certificate of the CA the server trusts; exit 0', async () => {
			const {code, json} = await inspectJson([`127.0.0.1:${port}`, '--cert', pki('admin.pem'), '--key', pki('admin-key.pem')]);
			expect(json.endpoints[0]).toMatchObject({protocol, client: 'accepted', clientCertificate: pki('admin.pem'), verified: true});
			expect(code).toBe(0);
		});

		it('accepted with --kubeconfig: its user\'s embedded certificate and key, its CA as the CA', async () => {
			const {code, json} = await inspectJson([`127.0.0.1:${port}`, '--kubeconfig', pki('admin.kubeconfig')]);
			expect(json.endpoints[0]).toMatchObject({client: 'accepted', verified: true});
			expect(code).toBe(0);
		});

		it('refused: another CA\'s client certificate; the alert named; exit 1; the chain still shown', async () => {
			const {code, json} = await inspectJson([`127.0.0.1:${port}`, '--cert', other('admin.pem'), '--key', other('admin-key.pem')]);
			expect(code).toBe(1);
			expect(json.endpoints[0]).toMatchObject({client: 'refused', clientAlert: expect.stringMatching(/alert/) as unknown});
			expect(json.endpoints[0]!.chain.length).toBeGreaterThan(0);
			expect(rule(json, 'endpoint-client')[0]!.severity).toBe('error');
		});

		it('no client certificate: says the server requires one', async () => {
			const {json} = await inspectJson([`127.0.0.1:${port}`]);
			expect(json.endpoints[0]).toMatchObject({client: 'required', clientCertificate: null});
		});
	});

	it('a kubeconfig with file references (no embedded data): its files, relative to it, are the client and the CA', async () => {
		const port = await sServer(pki('kubernetes.pem'), pki('kubernetes-key.pem'), ['-Verify', '1', '-verify_return_error', '-CAfile', pki('ca.pem')]);
		const dir = path.join(root, 'refs');
		mkdirSync(dir, {recursive: true});
		const kubeconfig = path.join(dir, 'config');
		writeFileSync(
			kubeconfig,
			[
				'apiVersion: v1',
				'kind: Config',
				'clusters:',
				'- name: c',
				'  cluster:',
				`    certificate-authority: ${path.relative(dir, other('ca.pem'))}`,
				`    server: https://127.0.0.1:${port}`,
				'users:',
				'- name: u',
				'  user:',
				`    client-certificate: ${path.relative(dir, pki('admin.pem'))}`,
				`    client-key: ${path.relative(dir, pki('admin-key.pem'))}`,
				'contexts:',
				'- name: x',
				'  context: {cluster: c, user: u}',
				'current-context: x',
				'',
			].join('\n'),
		);
		const {code, json} = await inspectJson([`127.0.0.1:${port}`, '--kubeconfig', kubeconfig]);
		// The user is accepted; the CA the kubeconfig names (the other cluster's) did not sign the server.
		expect(json.endpoints[0]).toMatchObject({client: 'accepted', verified: false});
		expect(code).toBe(1);
	});
});

describe.skipIf(!haveOpenssl)('endpoints that give no chain: one line naming the endpoint, exit 2', () => {
	/** A plain TCP server in a child process: `answer` is written to each connection (null: it stays silent). */
	async function tcpServer(answer: string | null): Promise<number> {
		const code = `const s=require('node:net').createServer(c=>{${answer === null ? 'c.on("data",()=>{})' : `c.end(${JSON.stringify(answer)})`}});s.listen(0,'127.0.0.1',()=>console.log('port='+s.address().port));`;
		const {output} = await startServer(process.execPath, ['-e', code], /port=\d+/);
		return Number(/port=(\d+)/.exec(output)![1]);
	}

	it('connection refused', async () => {
		const [port] = await freePorts(1);
		const result = await inspect([`https://127.0.0.1:${port}`]);
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toBe(`kubepki: inspect: https://127.0.0.1:${port}: connection refused (nothing listens on 127.0.0.1:${port})\n`);
	});

	it('not TLS: a server that answers in plain HTTP', async () => {
		const port = await tcpServer('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
		const result = await inspect([`127.0.0.1:${port}`]);
		expect(result.code).toBe(2);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toMatch(new RegExp(`^kubepki: inspect: 127\\.0\\.0\\.1:${port}: (does not speak TLS|the server closed the connection during the TLS handshake)`));
	});

	it('a port that accepts and never answers: timed out after --timeout', async () => {
		const port = await tcpServer(null);
		const result = await inspect([`127.0.0.1:${port}`, '--timeout', '300ms']);
		expect(result.code).toBe(2);
		expect(result.stderr).toBe(`kubepki: inspect: 127.0.0.1:${port}: no TLS handshake within 0.3 s (timed out)\n`);
	});

	it('bad flags: one line, exit 2', async () => {
		const noEndpoint = await inspect(['pki', '--ca', 'pki/ca.pem']);
		expect(noEndpoint).toMatchObject({code: 2, stderr: 'kubepki: inspect: --ca is for endpoints (https://HOST:PORT or HOST:PORT); none given\n'});
		const [port] = await freePorts(1);
		const noKey = await inspect([`127.0.0.1:${port}`, '--cert', 'pki/admin.pem']);
		expect(noKey).toMatchObject({code: 2, stderr: 'kubepki: inspect: --cert needs --key (a client certificate and its key)\n'});
		const badTimeout = await inspect([`127.0.0.1:${port}`, '--timeout', 'soon']);
		expect(badTimeout.code).toBe(2);
		expect(badTimeout.stderr).toMatch(/--timeout "soon"/);
	});
});

describe.skipIf(!haveEtcd)('inspect a real etcd member (kubernetes.pem, --client-cert-auth)', () => {
	let port: number;
	beforeAll(async () => {
		const [client, peer] = await freePorts(2);
		port = client!;
		const data = path.join(root, 'etcd-data');
		mkdirSync(data, {recursive: true, mode: 0o700});
		const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD')));
		await startServer(
			'etcd',
			[
				'--name=m1',
				`--data-dir=${data}`,
				`--listen-client-urls=https://127.0.0.1:${client}`,
				`--advertise-client-urls=https://127.0.0.1:${client}`,
				`--listen-peer-urls=http://127.0.0.1:${peer}`,
				`--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
				`--initial-cluster=m1=http://127.0.0.1:${peer}`,
				`--cert-file=${pki('kubernetes.pem')}`,
				`--key-file=${pki('kubernetes-key.pem')}`,
				`--trusted-ca-file=${pki('ca.pem')}`,
				'--client-cert-auth',
			],
			/ready to serve client requests|serving client traffic securely/,
			{env},
		);
	}, 60_000);

	it('reports the served chain, the SAN check and mutual TLS accepted with the API server\'s client certificate', async () => {
		const {code, json} = await inspectJson([`https://127.0.0.1:${port}`, '--cert', pki('kubernetes.pem'), '--key', pki('kubernetes-key.pem')]);
		expect(json.endpoints[0]).toMatchObject({verified: true, nameError: null, sameAs: 'pki/kubernetes.pem', client: 'accepted'});
		expect(code).toBe(0);
		const text = await inspect([`https://127.0.0.1:${port}`, '--cert', pki('kubernetes.pem'), '--key', pki('kubernetes-key.pem')]);
		expect(text.stdout).toMatch(/endpoint-client: the server accepted the client certificate .*kubernetes\.pem: mutual TLS complete/);
		expect(text.stdout).toMatch(/endpoint-name: 127\.0\.0\.1 is among the served certificate's SANs/);
	});

	it('refused: another cluster\'s client certificate; exit 1', async () => {
		const {code, json} = await inspectJson([`https://127.0.0.1:${port}`, '--cert', other('admin.pem'), '--key', other('admin-key.pem')]);
		expect(json.endpoints[0]).toMatchObject({client: 'refused', verified: true});
		expect(code).toBe(1);
	});
});
