/*
 * The invariant of a CA rotation, with the real tools: during a rolling restart, machines of phase N and phase N+1
 * run side by side, so at every boundary (before start → after start → after reissue → after finish) every client
 * file of either side must complete mutual TLS with every server of either side. After finish, a leaf of the old
 * CA is refused by every server of the final side.
 *
 * The folder goes through the phases with the real CLI; a copy of it is kept after each. "Side i" is what the
 * machines hold after phase i (their nodes/<host>/ files).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {freePorts} from '../helpers/ports.js';
import {kubectlVersion, runAsync, startClientCheckingEndpoint, type ClientCheckingEndpoint} from '../helpers/tls-endpoint.js';
import {hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';

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

const root = tempDir('kubepki-rotate-ca-');
const live = path.join(root, 'pki');
const sides: string[] = [];
const side = (index: number) => {
	const dir = sides[index];
	if (!dir) throw new Error(`side ${index} was not made`);
	return dir;
};

function filesUnder(dir: string): Map<string, string> {
	const files = readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(f => statSync(path.join(dir, f)).isFile());
	return new Map(files.map(f => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

const counted = {checked: 0, refused: 0};

beforeAll(() => {
	const made = kubepki(['generate', '--out', live, '--algorithm', 'ecdsa-p256', '--quiet']);
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

afterAll(() => {
	console.log(`rotate-ca matrix: ${counted.checked} pairs checked, ${counted.refused} of them must fail (and did)`);
});

describe('the command line', () => {
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
		expect(Object.keys(status)).toEqual(expect.arrayContaining(['folder', 'phase', 'cas', 'next', 'trust', 'leaves', 'copyNext', 'counts']));
		expect(status).toMatchObject({phase: 'started', cas: ['ca'], next: 'kubepki rotate-ca reissue'});
		expect(status.trust.every((t: {trusts: string}) => t.trusts === 'both')).toBe(true);
	});

	it('lint and expiry report no error on any side', () => {
		for (const [index, dir] of sides.entries()) {
			const lint = kubepki(['lint', dir]);
			expect(lint.status, `${phases[index]}: ${lint.stdout}`).toBe(0);
			const expiry = kubepki(['expiry', dir]);
			expect(expiry.status, `${phases[index]}: ${expiry.stdout}`).toBe(0);
		}
	});
});

/** The leaves of a side, as the machines hold them (the top-level files; nodes/ copies are the same bytes). */
const leafFiles = (dir: string) =>
	readdirSync(dir).filter(f => f.endsWith('.pem') && !f.endsWith('-key.pem') && !f.startsWith('ca'));

describe.skipIf(!haveOpenssl)('openssl verify: every leaf of a side against the trust file of every side it must pass', () => {
	const verify = (trust: string, leaves: string[]) => runStatus('openssl', ['verify', '-x509_strict', '-CAfile', trust, ...leaves]);

	it.each(mustPass.map(([i, j]) => [phases[i], phases[j], i, j] as const))('leaves of %s against the trust of %s', (_a, _b, i, j) => {
		const leaves = leafFiles(side(i)).map(f => path.join(side(i), f));
		expect(leaves.length).toBe(workers.length + 6);
		// The machines' copies: the CA file each node holds.
		for (const host of [...masters, ...workers]) {
			const r = verify(path.join(side(j), 'nodes', host, 'ca.pem'), leaves);
			expect(r.status, r.stdout + r.stderr).toBe(0);
			expect(r.stdout.trim().split('\n').filter(line => line.endsWith(': OK'))).toHaveLength(leaves.length);
			counted.checked += leaves.length;
		}
	});

	it.each(mustFail.map(([i, j]) => [phases[i], phases[j], i, j] as const))('after finish: every leaf of %s is refused by the trust of %s', (_a, _b, i, j) => {
		for (const leaf of leafFiles(side(i))) {
			for (const host of [...masters, ...workers]) {
				const r = verify(path.join(side(j), 'nodes', host, 'ca.pem'), [path.join(side(i), leaf)]);
				expect(r.status, `${leaf} on ${host}`).not.toBe(0);
				expect(r.stderr + r.stdout).toMatch(/unable to get local issuer certificate/);
				counted.checked++;
				counted.refused++;
			}
		}
	});
});

describe.skipIf(!haveKubectl)('kubectl: every kubeconfig of a side against an API server endpoint of every side', () => {
	const endpoints: ClientCheckingEndpoint[] = [];
	const home = tempDir('kubepki-rotate-kubectl-');
	const kubeconfigs = [...workers.map(w => `${w}.kubeconfig`), 'kube-proxy.kubeconfig', 'kube-controller-manager.kubeconfig', 'kube-scheduler.kubeconfig', 'admin.kubeconfig'];

	beforeAll(async () => {
		// Each side's API server: its kubernetes.pem, checking client certificates against its ca.pem, as on master1.
		for (const [index] of phases.entries()) {
			const files = (file: string) => readFileSync(path.join(side(index), 'nodes', 'master1', file));
			endpoints.push(await startClientCheckingEndpoint({cert: files('kubernetes.pem'), key: files('kubernetes-key.pem'), ca: files('ca.pem')}));
		}
	});
	afterAll(async () => {
		await Promise.all(endpoints.map(async endpoint => endpoint.close()));
	});

	it.each(mustPass.map(([i, j]) => [phases[i], phases[j], i, j] as const))('kubeconfigs of %s against the API server of %s', async (_a, _b, i, j) => {
		for (const file of kubeconfigs) {
			const endpoint = endpoints[j]!;
			endpoint.seen.length = 0;
			// Each worker's kubeconfig as the worker holds it; the others from the first machine that gets them.
			const holder = workers.find(w => file.startsWith(w)) ?? (file === 'kube-proxy.kubeconfig' ? workers[0]! : masters[0]!);
			const r = await kubectlVersion(path.join(side(i), 'nodes', holder, file), endpoint.port, home);
			expect(r.code, `${file}: ${r.stderr}`).toBe(0);
			expect(endpoint.seen.map(s => s.url)).toContain('/version');
			counted.checked++;
		}
	});

	it.each(mustFail.map(([i, j]) => [phases[i], phases[j], i, j] as const))('after finish: kubeconfigs of %s are refused by the API server of %s', async (_a, _b, i, j) => {
		for (const file of kubeconfigs) {
			const endpoint = endpoints[j]!;
			endpoint.seen.length = 0;
			const r = await kubectlVersion(path.join(side(i), file), endpoint.port, home);
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
 * (kubernetes.pem, the API server's towards etcd) against each member.
 */
describe.skipIf(!haveEtcd)('etcd: two members of different sides, and etcdctl of either side against each', () => {
	type Member = {name: string; dir: string; client: number; peer: number; child?: ChildProcess; log: string[]};
	const running: Member[] = [];

	const etcdctl = (member: Member, clientSide: string, host: string, args: string[]) =>
		runAsync(
			'etcdctl',
			[
				`--endpoints=https://127.0.0.1:${member.client}`,
				`--cacert=${path.join(clientSide, 'nodes', host, 'ca.pem')}`,
				`--cert=${path.join(clientSide, 'nodes', host, 'kubernetes.pem')}`,
				`--key=${path.join(clientSide, 'nodes', host, 'kubernetes-key.pem')}`,
				'--command-timeout=5s',
				'--dial-timeout=3s',
				...args,
			],
			{...process.env, ETCDCTL_API: '3'},
		);

	async function startCluster(boundary: readonly [number, number]): Promise<Member[]> {
		const ports = await freePorts(4);
		const data = tempDir('kubepki-rotate-etcd-');
		const members: Member[] = masters.map((name, index) => ({name, dir: path.join(side(boundary[index]!), 'nodes', name), client: ports[2 * index]!, peer: ports[2 * index + 1]!, log: []}));
		const cluster = members.map(m => `${m.name}=https://127.0.0.1:${m.peer}`).join(',');
		const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD')));
		for (const member of members) {
			const file = (name: string) => path.join(member.dir, name);
			mkdirSync(path.join(data, member.name), {recursive: true, mode: 0o700});
			// The TLS flags of the generated unit, with the member's own files; only the addresses are loopback.
			member.child = spawn(
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
					`--cert-file=${file('kubernetes.pem')}`,
					`--key-file=${file('kubernetes-key.pem')}`,
					`--peer-cert-file=${file('kubernetes.pem')}`,
					`--peer-key-file=${file('kubernetes-key.pem')}`,
					`--trusted-ca-file=${file('ca.pem')}`,
					`--peer-trusted-ca-file=${file('ca.pem')}`,
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
				const r = await etcdctl(member, path.dirname(path.dirname(member.dir)), member.name, ['endpoint', 'health']);
				if (r.code === 0) break;
				if (member.child!.exitCode !== null) throw new Error(`etcd ${member.name} exited: ${member.log.join('').slice(-3000)}`);
				await new Promise(resolve => setTimeout(resolve, 300));
			}
		}

		return members;
	}

	async function stop(members: readonly Member[]): Promise<void> {
		await Promise.all(
			members.map(async member => {
				const child = member.child;
				if (!child || child.exitCode !== null || child.signalCode !== null) return;
				const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
				child.kill('SIGTERM');
				await exited;
			}),
		);
	}

	afterAll(async () => stop(running), 30_000);

	it.each(boundaries.map(b => [phases[b[0]], phases[b[1]], b] as const))('%s and %s: the members form a cluster; either side\'s client reads and writes through either member', async (_a, _b, boundary) => {
		const members = await startCluster(boundary);
		try {
			for (const [m, member] of members.entries()) {
				for (const clientSide of boundary) {
					const key = `/rotate/${boundary.join('-')}/${m}/${clientSide}`;
					const put = await etcdctl(member, side(clientSide), 'master1', ['put', key, phases[clientSide]!]);
					expect(put.code, `${phases[clientSide]} client on ${member.name}: ${put.stderr}`).toBe(0);
					const get = await etcdctl(members[1 - m]!, side(clientSide), 'master1', ['get', key, '--print-value-only']);
					expect(get.code, get.stderr).toBe(0);
					expect(get.stdout.trim()).toBe(phases[clientSide]);
					counted.checked += 2;
				}
			}

			if (boundary[1] === 3) {
				// After finish the final side's member refuses a client of the old CA.
				const refused = await etcdctl(members[1]!, side(1), 'master1', ['get', '/rotate', '--prefix', '--keys-only']);
				expect(refused.code).not.toBe(0);
				counted.checked++;
				counted.refused++;
			}
		} finally {
			await stop(members);
		}
	}, 120_000);
});
