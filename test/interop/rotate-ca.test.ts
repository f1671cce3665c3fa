/*
 * The invariant of a CA rotation, with the real tools: during a rolling restart, machines of phase N and phase N+1
 * run side by side, so at every boundary (before start → after start → after reissue → after finish) every client
 * file of either side must complete mutual TLS with every server of either side. After finish, a leaf of the old
 * CA is refused by every server of the final side.
 *
 * The folder goes through the phases with the real CLI; a copy of it is kept after each. "Side i" is what the
 * machines hold after phase i (their nodes/<host>/ files).
 */
import type {ChildProcess} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {freePorts} from '../helpers/ports.js';
import {kubectlVersion, runAsync, startClientCheckingEndpoint, type ClientCheckingEndpoint} from '../helpers/tls-endpoint.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';
import {spawnTied, stopProcess} from '../helpers/processes.js';

const haveOpenssl = hasTool('openssl');
const haveKubectl = hasTool('kubectl');
const haveEtcd = hasTool('etcd') && hasTool('etcdctl');
const phases = ['before', 'start', 'reissue', 'finish'] as const;
const masters = ['master1', 'master2'];
const workers = ['node1', 'node2'];

/** The side boundaries: each phase next to the one before it. */
const boundaries = phases.slice(1).map((phase, index) => [index, index + 1] as const);
/** Every (client side, server side) pair that must work: the same side, or one phase apart. */
const mustPass = phases.flatMap((_, i) => phases.map((__, j) => [i, j] as const)).filter(([i, j]) => Math.abs(i - j) <= 1);
/** What must be refused after finish: clients of the old CA (before, after start) against the final side. */
const mustFail = [
	[0, 3],
	[1, 3],
] as const;

/** What a side holds for the matrix, as its machines hold it: per layout, where each kind of file is. */
type Pair = {cert: string; key: string};
type LayoutFiles = {
	readonly name: 'hardway' | 'kubeadm';
	readonly args: readonly string[];
	/** Every leaf certificate file, with the id of the CA that signs it. */
	leaves(dir: string): Array<{file: string; ca: string}>;
	/** The file a host reads to trust this CA, when it has one. */
	trust(dir: string, host: string, ca: string): string | undefined;
	/** Every kubeconfig, in the host folder of a machine that gets it. */
	kubeconfigs(dir: string): string[];
	/** The API server's serving pair and the client CA it checks, on the first master. */
	apiserver(dir: string): Pair & {ca: string};
	/** An etcd member's serving and peer pairs and the CA it checks with. */
	etcdMember(dir: string, master: string): {serve: Pair; peer: Pair; ca: string};
	/** The API server's client towards etcd, on the first master. */
	etcdClient(dir: string): Pair & {ca: string};
};

const nodes = (dir: string, host: string, file: string) => path.join(dir, 'nodes', host, file);
const pki = (dir: string, host: string, file: string) => path.join(dir, host, 'pki', file);

const layouts: LayoutFiles[] = [
	{
		name: 'hardway',
		args: [],
		leaves: dir => readdirSync(dir).filter(f => f.endsWith('.pem') && !f.endsWith('-key.pem') && !f.startsWith('ca')).map(f => ({file: path.join(dir, f), ca: 'ca'})),
		trust: (dir, host) => nodes(dir, host, 'ca.pem'),
		kubeconfigs: dir =>
			[...workers.map(w => [w, `${w}.kubeconfig`]), [workers[0]!, 'kube-proxy.kubeconfig'], ...['kube-controller-manager', 'kube-scheduler', 'admin'].map(k => [masters[0]!, `${k}.kubeconfig`])].map(([host, file]) =>
				nodes(dir, host!, file!),
			),
		apiserver: dir => ({cert: nodes(dir, masters[0]!, 'kubernetes.pem'), key: nodes(dir, masters[0]!, 'kubernetes-key.pem'), ca: nodes(dir, masters[0]!, 'ca.pem')}),
		etcdMember: (dir, master) => {
			const serve = {cert: nodes(dir, master, 'kubernetes.pem'), key: nodes(dir, master, 'kubernetes-key.pem')};
			return {serve, peer: serve, ca: nodes(dir, master, 'ca.pem')};
		},
		etcdClient: dir => ({cert: nodes(dir, masters[0]!, 'kubernetes.pem'), key: nodes(dir, masters[0]!, 'kubernetes-key.pem'), ca: nodes(dir, masters[0]!, 'ca.pem')}),
	},
	{
		name: 'kubeadm',
		args: ['--layout', 'kubeadm'],
		leaves: dir => {
			const signer = (file: string) => (file.startsWith('etcd/') || file.startsWith('apiserver-etcd-client') ? 'etcd-ca' : file.startsWith('front-proxy-client') ? 'front-proxy-ca' : 'ca');
			const own = (host: string) =>
				readdirSync(path.join(dir, host, 'pki'), {recursive: true, encoding: 'utf8'})
					.filter(f => f.endsWith('.crt') && !/(^|\/)(front-proxy-)?ca(-next|-old)?\.crt$/.test(f))
					.map(f => ({file: pki(dir, host, f), ca: signer(f)}));
			// Every master's shared leaves are the same files; each has its own etcd server and peer certificates.
			return [...own(masters[0]!), ...own(masters[1]!).filter(l => l.file.includes('/etcd/'))];
		},
		trust: (dir, host, ca) => {
			const file = {ca: 'ca.crt', 'etcd-ca': 'etcd/ca.crt', 'front-proxy-ca': 'front-proxy-ca.crt'}[ca]!;
			return existsSync(pki(dir, host, file)) ? pki(dir, host, file) : undefined;
		},
		kubeconfigs: dir => [...masters, ...workers].flatMap(host => readdirSync(path.join(dir, host)).filter(f => f.endsWith('.conf')).map(f => path.join(dir, host, f))),
		apiserver: dir => ({cert: pki(dir, masters[0]!, 'apiserver.crt'), key: pki(dir, masters[0]!, 'apiserver.key'), ca: pki(dir, masters[0]!, 'ca.crt')}),
		etcdMember: (dir, master) => ({
			serve: {cert: pki(dir, master, 'etcd/server.crt'), key: pki(dir, master, 'etcd/server.key')},
			peer: {cert: pki(dir, master, 'etcd/peer.crt'), key: pki(dir, master, 'etcd/peer.key')},
			ca: pki(dir, master, 'etcd/ca.crt'),
		}),
		etcdClient: dir => ({cert: pki(dir, masters[0]!, 'apiserver-etcd-client.crt'), key: pki(dir, masters[0]!, 'apiserver-etcd-client.key'), ca: pki(dir, masters[0]!, 'etcd/ca.crt')}),
	},
];

function filesUnder(dir: string): Map<string, string> {
	const files = readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(f => statSync(path.join(dir, f)).isFile());
	return new Map(files.map(f => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

const counted = {checked: 0, refused: 0};

afterAll(() => {
	console.log(`rotate-ca matrix (hard way and kubeadm): ${counted.checked} pairs checked, ${counted.refused} of them must fail (and did)`);
});

describe.each(layouts)('the $name layout', layout => {
const root = tempDir('kubepki-rotate-ca-');
const live = path.join(root, 'pki');
const sides: string[] = [];
const side = (index: number) => {
	const dir = sides[index];
	if (!dir) throw new Error(`side ${index} was not made`);
	return dir;
};

beforeAll(() => {
	const made = kubepki(['generate', '--out', live, '--algorithm', 'ecdsa-p256', '--quiet', ...layout.args]);
	if (made.status !== 0) throw new Error(`generate failed: ${made.stderr}`);
	const keep = (name: string) => {
		const copy = path.join(root, name);
		cpSync(live, copy, {recursive: true});
		sides.push(copy);
	};

	keep('before');
	for (const step of phases.slice(1)) {
		const r = kubepki(['rotate-ca', step, '--out', live]);
		if (r.status !== 0) throw new Error(`rotate-ca ${step} failed (${r.status}): ${r.stderr}`);
		keep(step);
	}
}, 120_000);

describe.runIf(layout.name === 'hardway')('the command line', () => {
	it('prints its own help', () => {
		const r = kubepki(['rotate-ca', '--help']);
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/^kubepki rotate-ca: /);
		expect(r.stdout).toContain('--ca CA');
	});

	it.each([
		[['rotate-ca'], /^kubepki: rotate-ca: say which step: start, reissue, finish, status/],
		[['rotate-ca', 'begin'], /"begin" is not a step/],
		[['rotate-ca', 'start', '--ca', 'etcd'], /--ca: "etcd" is not a CA of the hardway layout/],
		[['rotate-ca', 'start', '--ca', 'nope'], /--ca: "nope" is not a CA; use cluster, etcd, front-proxy, all/],
		[['rotate-ca', 'start', '--json'], /--json: only rotate-ca status prints JSON/],
		[['rotate-ca', 'reissue'], /rotate-ca reissue: the last rotation is finished, so reissue was already run; the next step is kubepki rotate-ca start/],
		[['rotate-ca', 'finish'], /so finish was already run/],
	])('%j: one line, exit 2, nothing on disk changes', (args, message) => {
		const before = filesUnder(live);
		const r = kubepki([...args, '--out', live]);
		expect(r.status, r.stderr).toBe(2);
		expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
		expect(r.stderr).toMatch(message);
		expect(r.stdout).toBe('');
		expect(filesUnder(live)).toEqual(before);
	});

	it('a folder that is not there is not made', () => {
		const missing = path.join(root, 'nowhere');
		const r = kubepki(['rotate-ca', 'start', '--out', missing]);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/--out: .*nowhere is not a folder/);
		expect(existsSync(missing)).toBe(false);
	});

	it('status --json: the documented shape', () => {
		const r = kubepki(['rotate-ca', 'status', '--json', '--out', side(1)]);
		expect(r.status, r.stderr).toBe(0);
		const status = JSON.parse(r.stdout);
		expect(Object.keys(status)).toEqual(expect.arrayContaining(['folder', 'layout', 'phase', 'cas', 'next', 'trust', 'leaves', 'copyNext', 'counts']));
		expect(status).toMatchObject({phase: 'started', cas: ['ca'], next: 'kubepki rotate-ca reissue'});
		expect(status.trust.every((t: {trusts: string}) => t.trusts === 'both')).toBe(true);
	});
});

it('after finish no live file holds or trusts an old CA (its certificate or key, in PEM or in a kubeconfig\'s base64)', () => {
	const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');
	const before = side(0);
	const oldCas = [...new Set(['ca.pem', 'ca-key.pem', ...masters.flatMap(m => ['ca', 'etcd/ca', 'front-proxy-ca'].flatMap(n => [`${m}/pki/${n}.crt`, `${m}/pki/${n}.key`]))])]
		.filter(file => existsSync(path.join(before, file)))
		.map(file => body(readFileSync(path.join(before, file), 'utf8')));
	expect(oldCas.length).toBeGreaterThan(1);
	const final = side(3);
	const live = [...filesUnder(final)].filter(([file]) => !/^(retired|\.backup)\//.test(file));
	expect(live.length).toBeGreaterThan(20);
	for (const [file, text] of live) {
		// A kubeconfig's certificate-authority-data is base64 of the PEM: look inside it too.
		const decoded = [...text.matchAll(/-data: (\S+)/g)].map(m => Buffer.from(m[1]!, 'base64').toString('utf8'));
		for (const content of [text, ...decoded]) for (const old of oldCas) expect(content.replace(/\s/g, '').includes(old), file).toBe(false);
	}

	// And the old CA is kept, out of the live set.
	expect([...filesUnder(final).keys()].some(file => file.startsWith('retired/'))).toBe(true);
});

it('lint and expiry report no error on any side', () => {
	for (const [index, dir] of sides.entries()) {
		const lint = kubepki(['lint', dir]);
		expect(lint.status, `${phases[index]}: ${lint.stdout}`).toBe(0);
		const expiry = kubepki(['expiry', dir]);
		expect(expiry.status, `${phases[index]}: ${expiry.stdout}`).toBe(0);
	}
});

describe.skipIf(!haveOpenssl)('openssl verify: every leaf of a side against the trust file of every side it must pass', () => {
	const verify = (trust: string, leaves: string[]) => runStatus('openssl', ['verify', '-x509_strict', '-CAfile', trust, ...leaves]);
	/** Each leaf of side i with each host's trust file of its CA on side j. */
	const pairs = (i: number, j: number) =>
		layout.leaves(side(i)).flatMap(leaf => [...masters, ...workers].flatMap(host => {
			const trust = layout.trust(side(j), host, leaf.ca);
			return trust ? [{leaf: leaf.file, trust, host}] : [];
		}));

	it.each(mustPass.map(([i, j]) => [phases[i], phases[j], i, j] as const))('leaves of %s against the trust of %s', (_a, _b, i, j) => {
		const all = pairs(i, j);
		expect(all.length).toBeGreaterThan(layout.leaves(side(i)).length);
		// One openssl call per trust file, with every leaf it must verify.
		for (const trust of new Set(all.map(p => p.trust))) {
			const leaves = all.filter(p => p.trust === trust).map(p => p.leaf);
			const r = verify(trust, leaves);
			expect(r.status, r.stdout + r.stderr).toBe(0);
			expect(r.stdout.trim().split('\n').filter(line => line.endsWith(': OK'))).toHaveLength(leaves.length);
			counted.checked += leaves.length;
		}
	});

	it.each(mustFail.map(([i, j]) => [phases[i], phases[j], i, j] as const))('after finish: every leaf of %s is refused by the trust of %s', (_a, _b, i, j) => {
		for (const {leaf, trust, host} of pairs(i, j)) {
			const r = verify(trust, [leaf]);
			expect(r.status, `${leaf} on ${host}`).not.toBe(0);
			expect(r.stderr + r.stdout).toMatch(/unable to get local issuer certificate/);
			counted.checked++;
			counted.refused++;
		}
	});
});

describe.skipIf(!haveKubectl)('kubectl: every kubeconfig of a side against an API server endpoint of every side', () => {
	const endpoints: ClientCheckingEndpoint[] = [];
	const home = tempDir('kubepki-rotate-kubectl-');

	beforeAll(async () => {
		// Each side's API server: its serving certificate, checking client certificates against its client CA file.
		for (const [index] of phases.entries()) {
			const files = layout.apiserver(side(index));
			endpoints.push(await startClientCheckingEndpoint({cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(files.ca)}));
		}
	});
	afterAll(async () => {
		await Promise.all(endpoints.map(async endpoint => endpoint.close()));
	});

	it.each(mustPass.map(([i, j]) => [phases[i], phases[j], i, j] as const))('kubeconfigs of %s against the API server of %s', async (_a, _b, i, j) => {
		const files = layout.kubeconfigs(side(i));
		expect(files.length).toBeGreaterThan(4);
		for (const file of files) {
			const endpoint = endpoints[j]!;
			endpoint.seen.length = 0;
			const r = await kubectlVersion(file, endpoint.port, home);
			expect(r.code, `${file}: ${r.stderr}`).toBe(0);
			expect(endpoint.seen.map(s => s.url)).toContain('/version');
			counted.checked++;
		}
	});

	it.each(mustFail.map(([i, j]) => [phases[i], phases[j], i, j] as const))('after finish: kubeconfigs of %s are refused by the API server of %s', async (_a, _b, i, j) => {
		for (const file of layout.kubeconfigs(side(i))) {
			const endpoint = endpoints[j]!;
			endpoint.seen.length = 0;
			const r = await kubectlVersion(file, endpoint.port, home);
			expect(r.code, file).not.toBe(0);
			expect(endpoint.seen).toEqual([]);
			counted.checked++;
			counted.refused++;
		}
	});
});

/*
 * etcd: at each boundary, a real 2-member cluster whose first member has the files of the earlier side and whose
 * second has the later side's (peer TLS in both directions), then etcdctl with each side's client certificate
 * (the API server's towards etcd) against each member.
 */
describe.skipIf(!haveEtcd)('etcd: two members of different sides, and etcdctl of either side against each', () => {
	type Member = {name: string; side: number; client: number; peer: number; child?: ChildProcess; log: string[]};
	const running: Member[] = [];

	const etcdctl = (member: Member, clientSide: number, args: string[]) => {
		const client = layout.etcdClient(side(clientSide));
		return runAsync(
			'etcdctl',
			[`--endpoints=https://127.0.0.1:${member.client}`, `--cacert=${client.ca}`, `--cert=${client.cert}`, `--key=${client.key}`, '--command-timeout=5s', '--dial-timeout=3s', ...args],
			{...process.env, ETCDCTL_API: '3'},
		);
	};

	async function startCluster(boundary: readonly [number, number]): Promise<Member[]> {
		const ports = await freePorts(4);
		const data = tempDir('kubepki-rotate-etcd-');
		const members: Member[] = masters.map((name, index) => ({name, side: boundary[index]!, client: ports[2 * index]!, peer: ports[2 * index + 1]!, log: []}));
		const cluster = members.map(m => `${m.name}=https://127.0.0.1:${m.peer}`).join(',');
		const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD')));
		for (const member of members) {
			const files = layout.etcdMember(side(member.side), member.name);
			mkdirSync(path.join(data, member.name), {recursive: true, mode: 0o700});
			// The TLS flags of the generated unit, with the member's own files; only the addresses are loopback.
			member.child = spawnTied(
				'etcd',
				[
					`--name=${member.name}`,
					`--data-dir=${path.join(data, member.name)}`,
					`--listen-client-urls=https://127.0.0.1:${member.client}`,
					`--advertise-client-urls=https://127.0.0.1:${member.client}`,
					`--listen-peer-urls=https://127.0.0.1:${member.peer}`,
					`--initial-advertise-peer-urls=https://127.0.0.1:${member.peer}`,
					`--initial-cluster=${cluster}`,
					'--initial-cluster-state=new',
					`--initial-cluster-token=rotate-${boundary.join('-')}`,
					`--cert-file=${files.serve.cert}`,
					`--key-file=${files.serve.key}`,
					`--peer-cert-file=${files.peer.cert}`,
					`--peer-key-file=${files.peer.key}`,
					`--trusted-ca-file=${files.ca}`,
					`--peer-trusted-ca-file=${files.ca}`,
					'--client-cert-auth',
					'--peer-client-cert-auth',
				],
				{env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe']},
			);
			const keep = (chunk: Buffer) => {
				member.log.push(chunk.toString());
				if (member.log.length > 200) member.log.shift();
			};
			member.child.stdout!.on('data', keep);
			member.child.stderr!.on('data', keep);
			running.push(member);
		}

		// Healthy means a leader was elected: the two members completed peer TLS with each other.
		for (const member of members) {
			for (;;) {
				const r = await etcdctl(member, member.side, ['endpoint', 'health']);
				if (r.code === 0) break;
				if (member.child!.exitCode !== null) throw new Error(`etcd ${member.name} exited: ${member.log.join('').slice(-3000)}`);
				await new Promise(resolve => setTimeout(resolve, 300));
			}
		}

		return members;
	}

	async function stop(members: readonly Member[]): Promise<void> {
		await Promise.all(members.map(async member => member.child && stopProcess(member.child)));
	}

	afterAll(async () => stop(running), 30_000);

	it.each(boundaries.map(b => [phases[b[0]], phases[b[1]], b] as const))('%s and %s: the members form a cluster; either side\'s client reads and writes through either member', async (_a, _b, boundary) => {
		const members = await startCluster(boundary);
		try {
			for (const [m, member] of members.entries()) {
				for (const clientSide of boundary) {
					const key = `/rotate/${boundary.join('-')}/${m}/${clientSide}`;
					const put = await etcdctl(member, clientSide, ['put', key, phases[clientSide]!]);
					expect(put.code, `${phases[clientSide]} client on ${member.name}: ${put.stderr}`).toBe(0);
					const get = await etcdctl(members[1 - m]!, clientSide, ['get', key, '--print-value-only']);
					expect(get.code, get.stderr).toBe(0);
					expect(get.stdout.trim()).toBe(phases[clientSide]);
					counted.checked += 2;
				}
			}

			if (boundary[1] === 3) {
				// After finish the final side's member refuses a client of the old CA.
				const refused = await etcdctl(members[1]!, 1, ['get', '/rotate', '--prefix', '--keys-only']);
				expect(refused.code).not.toBe(0);
				counted.checked++;
				counted.refused++;
			}
		} finally {
			await stop(members);
		}
	}, 120_000);
});
});
