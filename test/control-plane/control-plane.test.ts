import {request as httpsRequest} from 'node:https';
import {mkdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {parse as parseYaml, stringify} from 'yaml';
import {kubeadmConfs} from '../../source/core/kubeadm.js';
import {kubeconfigSpecs} from '../../source/core/kubeconfig.js';
import {buildPlan, specById, type Plan} from '../../source/core/plan.js';
import {parseClusterFile, type Algorithm} from '../../source/core/topology.js';
import {builtKubernetes} from '../helpers/kubernetes.js';
import {hasTool, kubepki, tempDir} from '../helpers/tools.js';
import {ControlPlane, execStart, installList, labAddresses, runAsync, startLab, type Lab, type LabAddresses} from './cluster.js';

/*
 * The real thing: etcd, one kube-apiserver per master, haproxy in front, the controller-manager and the scheduler,
 * started from the units `kubepki generate` writes, on a lab network (startLab: the load balancer <net>.10 and masters
 * <net>.11 on in a network namespace of their own, where every process of the cluster and every kubectl runs; workers
 * <net>.21 on, the first worker's stand-in kubelet in a namespace of its own). Every check talks to them with the built
 * kubectl and the generated files as written. Nothing listens on this machine's own addresses: two runs at once do
 * not meet (each cluster's 127.0.0.1:6443, 10257 and 10259 are its namespace's).
 */

// API servers start and restart here, on two cores shared with the rest of npm test: the waits poll a condition,
// and this is only the safety net against a hang.
vi.setConfig({testTimeout: 600_000, hookTimeout: 900_000});

const bin = builtKubernetes();
const ready = Boolean(bin) && ['etcd', 'etcdctl', 'haproxy', 'openssl', 'ip', 'unshare', 'nsenter'].every(tool => hasTool(tool));

const fixture = readFileSync(path.resolve(import.meta.dirname, '../../fixtures/cluster-3m.yaml'), 'utf8');

/** The 3-master fixture with its machines moved to a lab's addresses (same names, ranges, domain and SANs). */
function fixtureOn(lab: LabAddresses): string {
	const raw = parseYaml(fixture) as {masters: Array<{name: string}>; workers: Array<{name: string} | string>; loadBalancer: {name: string}};
	const workerName = (w: {name: string} | string) => (typeof w === 'string' ? w.split(':')[0]! : w.name);
	return stringify({
		...raw,
		loadBalancer: {name: raw.loadBalancer.name, ip: lab.loadBalancer},
		masters: raw.masters.map((m, i) => ({name: m.name, ip: lab.master(i)})),
		workers: raw.workers.map((w, i) => ({name: workerName(w), ip: lab.worker(i)})),
	});
}

/** The built-in example's shape on a lab's addresses. */
const builtInShape = (lab: LabAddresses) =>
	stringify({
		cluster: 'kubernetes-the-hard-way',
		serviceCIDR: '10.32.0.0/24',
		clusterDomain: 'cluster.local',
		loadBalancer: {name: 'lb', ip: lab.loadBalancer},
		masters: [
			{name: 'master1', ip: lab.master(0)},
			{name: 'master2', ip: lab.master(1)},
		],
		workers: [
			{name: 'node1', ip: lab.worker(0)},
			{name: 'node2', ip: lab.worker(1)},
		],
	});

const [labRsa, labEcdsa, labKubeadm] = [labAddresses(), labAddresses(), labAddresses()];

/** A merge patch sent with a kubeconfig's own server, CA and client certificate. */
function patchAs(kubeconfig: string, apiPath: string, body: unknown) {
	const config = parseYaml(readFileSync(kubeconfig, 'utf8'));
	const server = new URL(config.clusters[0].cluster.server);
	const b64 = (value: string) => Buffer.from(value, 'base64');
	return new Promise<{status: number; body: string}>((resolve, reject) => {
		const request = httpsRequest(
			{
				host: server.hostname,
				port: server.port,
				method: 'PATCH',
				path: apiPath,
				ca: b64(config.clusters[0].cluster['certificate-authority-data']),
				cert: b64(config.users[0].user['client-certificate-data']),
				key: b64(config.users[0].user['client-key-data']),
				headers: {'Content-Type': 'application/merge-patch+json'},
			},
			response => {
				let text = '';
				response.on('data', chunk => (text += chunk));
				response.on('end', () => resolve({status: response.statusCode ?? 0, body: text}));
			},
		);
		request.on('error', reject);
		request.end(JSON.stringify(body));
	});
}

/** Write the cluster file generate reads, and the plan the checks expect from it. */
function writeCluster(file: string, config: string, algorithm: Algorithm, layout?: 'kubeadm'): Plan {
	writeFileSync(file, config);
	const parsed = parseClusterFile(config);
	if (!parsed.ok) throw new Error(`cluster file: ${JSON.stringify(parsed.problems)}`);
	return buildPlan({...parsed.topology, algorithm}, {layout});
}

/** `kubectl auth whoami` with a kubeconfig as written: the user and groups the plan gives its certificate. */
async function expectIdentity(cp: ControlPlane, plan: Plan, kubeconfig: string, certId: string, label: string): Promise<void> {
	const r = await cp.kubectl(['--kubeconfig', kubeconfig, 'auth', 'whoami', '-o', 'json']);
	expect(r.code, `${label}: ${r.stderr}`).toBe(0);
	const {userInfo} = JSON.parse(r.stdout).status;
	const expected = specById(plan, certId).kubernetes!;
	expect(userInfo.username, label).toBe(expected.user);
	expect([...userInfo.groups].sort(), label).toEqual([...expected.groups, 'system:authenticated'].sort());
}

/** Its Node, as a kubelet registers it with its own kubeconfig (an earlier check may have made it already). */
async function registerNode(cp: ControlPlane, kubeconfig: string, name: string): Promise<void> {
	const r = await cp.kubectl(['--kubeconfig', kubeconfig, 'create', '-f', '-'], JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name}}));
	if (r.code !== 0 && !/AlreadyExists/.test(r.stderr)) throw new Error(`create node ${name}: ${r.stderr}`);
}

/** A SubjectAccessReview sent with a kubeconfig: what a kubelet asks (authorization.mode: Webhook) before it answers a caller. */
async function mayCallKubelet(cp: ControlPlane, kubeconfig: string, caller: {cn?: string; o?: string | string[]}, node: string): Promise<boolean> {
	const review = {
		apiVersion: 'authorization.k8s.io/v1',
		kind: 'SubjectAccessReview',
		spec: {user: caller.cn, groups: [caller.o ?? []].flat(), resourceAttributes: {verb: 'get', resource: 'nodes', subresource: 'proxy', name: node}},
	};
	// --validate=false: kubectl's schema check would list CRDs, which a kubelet may not (the kubelet posts the review as it is).
	const r = await cp.kubectl(['--kubeconfig', kubeconfig, 'create', '--validate=false', '-f', '-', '-o', 'json'], JSON.stringify(review));
	expect(r.code, r.stderr).toBe(0);
	return JSON.parse(r.stdout).status.allowed === true;
}

/** The hard-way clusters the suite boots one after the other (the kubeadm layout has its own describe below). */
const clusters = [
	{name: 'the built-in-shaped 2-master RSA cluster', addresses: labRsa, config: builtInShape(labRsa), algorithm: 'rsa-2048', provider: 'aescbc'},
	{name: 'the 3-master ECDSA fixture', addresses: labEcdsa, config: fixtureOn(labEcdsa), algorithm: 'ecdsa-p256', provider: 'secretbox'},
] as const;

describe.skipIf(!ready).each(clusters)('a real control plane from $name', cluster => {
	const root = tempDir('kubepki-cp-');
	const out = path.join(root, 'pki');
	const configFile = path.join(root, 'cluster.yaml');
	let plan: Plan;
	let cp: ControlPlane;
	let lab: Lab | undefined;
	const masters = () => plan.topology.masters;
	const workers = () => plan.topology.workers;
	const lb = () => plan.topology.loadBalancer;
	const first = () => masters()[0]!;

	/** A generated file as installed on a machine. */
	const installedOn = (host: string, file: string) => {
		const entry = installList(readFileSync(path.join(out, 'nodes', 'copy.sh'), 'utf8')).get(host)?.find(e => e.file === file);
		if (!entry) throw new Error(`${file} is not installed on ${host}`);
		return cp.on(host, entry.paths.at(-1)!);
	};

	/** The installed kubeconfig of a component (by the plan's certificate id), on a machine that has it. */
	const kubeconfigOf = (certId: string) => {
		const spec = kubeconfigSpecs(plan).find(k => k.certId === certId)!;
		return installedOn(spec.hosts[0]!, spec.file);
	};

	const kubectl = (kubeconfig: string, args: readonly string[], input?: string) => cp.kubectl(['--kubeconfig', kubeconfig, ...args], input);
	const admin = (args: readonly string[], input?: string) => kubectl(kubeconfigOf('admin'), args, input);

	/** etcdctl with the API server's own etcd flags (its client certificate and CA) on the first master. */
	const etcdctl = (endpoint: string, args: readonly string[]) => {
		const flags = new Map(execStart(readFileSync(path.join(out, 'nodes', first().name, 'kube-apiserver.service'), 'utf8')).flags);
		const at = (flag: string) => cp.on(first().name, String(flags.get(flag)));
		return runAsync('etcdctl', [`--endpoints=${endpoint}`, `--cacert=${at('etcd-cafile')}`, `--cert=${at('etcd-certfile')}`, `--key=${at('etcd-keyfile')}`, ...args], {encoding: 'latin1'});
	};

	const generate = async () => {
		const result = kubepki(['generate', '--config', configFile, '--out', out, '--algorithm', cluster.algorithm, '--encryption-provider', cluster.provider, '--quiet']);
		if (result.status !== 0) throw new Error(`generate failed: ${result.stderr}`);
		cp.install();
	};

	const startApiserver = (master: {name: string; ip: string}) => cp.startApiserver(master, kubeconfigOf('admin'));

	beforeAll(async () => {
		plan = writeCluster(configFile, cluster.config, cluster.algorithm);
		lab = await startLab(cluster.addresses, masters().length);
		cp = new ControlPlane(root, out, bin!, lab.machines);
		await generate();

		for (const m of masters()) cp.startEtcd(m.name);
		for (const m of masters()) {
			await cp.until(`etcd on ${m.name} to be healthy`, async () => (await etcdctl(`https://${m.ip}:2379`, ['endpoint', 'health'])).code === 0, [`etcd-${m.name}`]);
		}

		for (const m of masters()) await startApiserver(m);

		cp.startLoadBalancer(lb().name);
		// The test's own: what 127.0.0.1:6443 is on the first master (its API server), for the kubeconfigs of the
		// controller-manager, the scheduler and admin, which dial https://127.0.0.1:6443 as written. That 127.0.0.1 is
		// the lab's machines namespace's (startLab), not this machine's: another run's cluster has its own.
		const local = path.join(root, 'local-6443.cfg');
		writeFileSync(local, ['defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 1h', '  timeout server 1h', 'listen local', '  bind 127.0.0.1:6443', `  server ${first().name} ${first().ip}:6443`, ''].join('\n'));
		cp.start('haproxy-local', 'haproxy', ['-db', '-f', local]);
		await cp.until('the load balancer to answer', async () => (await kubectl(kubeconfigOf(`kubelet:${workers()[0]!.name}`), ['get', '--raw', '/readyz'])).stdout === 'ok', ['haproxy-lb']);
		await cp.until('127.0.0.1:6443 to answer', async () => (await admin(['get', '--raw', '/readyz'])).stdout === 'ok', ['haproxy-local']);

		cp.startControllers(first().name);

		// The RBAC manifest, applied once from a master as its header says.
		const applied = await admin(['apply', '-f', installedOn(first().name, 'kube-apiserver-to-kubelet.yaml')]);
		if (applied.code !== 0) throw new Error(`apply kube-apiserver-to-kubelet.yaml: ${applied.stderr}`);
	}, 900_000);

	afterAll(async () => {
		await cp?.stopAll();
		await lab?.stop();
	}, 120_000);

	it('authenticates every kubeconfig, as written, as the user and groups the plan gives it', async () => {
		for (const spec of kubeconfigSpecs(plan)) {
			for (const host of spec.hosts) {
				await expectIdentity(cp, plan, installedOn(host, spec.file), spec.certId, `${host}/${spec.file}`);
			}
		}
	});

	it('runs every process of the cluster in the lab\'s machines namespace, whose 127.0.0.1:6443, 10257 and 10259 are this cluster\'s alone', async () => {
		const machines = readlinkSync(lab!.machines);
		expect(machines).not.toBe(readlinkSync('/proc/self/ns/net'));
		for (const [name, proc] of cp.procs) expect(readlinkSync(`/proc/${proc.child.pid}/ns/net`), name).toBe(machines);
		const listening = await runAsync('nsenter', [`--net=${lab!.machines}`, 'ss', '-Hltnp']);
		expect(listening.code, listening.stderr).toBe(0);
		/** The pids listening on 127.0.0.1:port in the machines namespace. */
		const owners = (port: number) => [...new Set(listening.stdout.split('\n').filter(line => line.includes(` 127.0.0.1:${port} `)).flatMap(line => [...line.matchAll(/pid=(\d+)/g)].map(m => Number(m[1]))))];
		expect(owners(6443), 'the haproxy for 127.0.0.1:6443').toEqual([cp.procs.get('haproxy-local')!.child.pid]);
		expect(owners(10_257), 'the controller-manager').toEqual([cp.procs.get('kube-controller-manager')!.child.pid]);
		expect(owners(10_259), 'the scheduler').toEqual([cp.procs.get('kube-scheduler')!.child.pid]);
	});

	it('gives each component what its default RBAC role allows, and no more', async () => {
		const canI = async (certId: string, args: string[]) => (await kubectl(kubeconfigOf(certId), ['auth', 'can-i', ...args])).stdout.trim();
		expect(await canI('kube-scheduler', ['create', 'pods', '--subresource=binding'])).toBe('yes');
		expect(await canI('kube-scheduler', ['create', 'leases.coordination.k8s.io', '-n', 'kube-system'])).toBe('yes');
		expect(await canI('kube-scheduler', ['create', 'secrets'])).toBe('no');
		expect(await canI('kube-controller-manager', ['create', 'serviceaccounts', '--subresource=token', '-n', 'kube-system'])).toBe('yes');
		expect(await canI('kube-controller-manager', ['create', 'leases.coordination.k8s.io', '-n', 'kube-system'])).toBe('yes');
		expect(await canI('kube-controller-manager', ['create', 'clusterrolebindings'])).toBe('no');
		expect(await canI('kube-proxy', ['list', 'endpointslices.discovery.k8s.io'])).toBe('yes');
		expect(await canI('kube-proxy', ['create', 'pods'])).toBe('no');
		expect(await canI('admin', ['*', '*'])).toBe('yes');
		// The binding from kube-apiserver-to-kubelet.yaml names the user of the API server's certificate.
		const apiUser = plan.certs.find(c => c.id === 'apiserver')!.kubernetes!.user;
		expect((await admin(['auth', 'can-i', 'get', 'nodes', '--subresource=proxy', '--as', apiUser])).stdout.trim()).toBe('yes');
	});

	it('lets a kubelet create and update its own Node and refuses it another node\'s (Node authorizer + NodeRestriction)', async () => {
		const [one, two] = workers();
		const kubelet = (w: {name: string}) => kubeconfigOf(`kubelet:${w.name}`);
		const node = (name: string) => JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name}});
		expect((await kubectl(kubelet(one!), ['create', '-f', '-'], node(one!.name))).code).toBe(0);
		const annotated = await kubectl(kubelet(one!), ['annotate', 'node', one!.name, 'kubepki/proof=own']);
		expect(annotated.code, annotated.stderr).toBe(0);
		const other = await kubectl(kubelet(one!), ['create', '-f', '-'], node(two!.name));
		expect(other.code).not.toBe(0);
		expect(other.stderr).toMatch(/forbidden/i);
		expect((await kubectl(kubelet(two!), ['create', '-f', '-'], node(two!.name))).code).toBe(0);
		const foreign = await kubectl(kubelet(one!), ['annotate', 'node', two!.name, 'kubepki/proof=foreign']);
		expect(foreign.code).not.toBe(0);
		expect(foreign.stderr).toMatch(/forbidden|not allowed to modify/i);
	});

	it('reaches a kubelet through the real API server: the files of kubelet-config.yaml, the worker\'s serving SANs, the API server\'s kubelet client certificate and its RBAC', async () => {
		// The first worker sits in the lab's network namespace: its address is the stand-in's.
		const [worker, other] = workers();
		expect(worker!.ip).toBe(cluster.addresses.worker(0));
		const config = parseYaml(readFileSync(installedOn(worker!.name, 'kubelet-config.yaml'), 'utf8'));
		const ownFiles = {cert: config.tlsCertFile, key: config.tlsPrivateKeyFile, ca: config.authentication.x509.clientCAFile};
		const kubelet = lab!; // the stand-in of the lab's first worker
		// As a kubelet reports its status: PATCH nodes/<self>/status with its own kubeconfig (kubectl patch would GET
		// the subresource first, which the Node authorizer does not allow).
		const status = {status: {addresses: [{type: 'InternalIP', address: worker!.ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10_250}}}};
		await registerNode(cp, kubeconfigOf(`kubelet:${worker!.name}`), worker!.name);
		const patched = await patchAs(kubeconfigOf(`kubelet:${worker!.name}`), `/api/v1/nodes/${worker!.name}/status`, status);
		expect(patched.status, patched.body).toBe(200);

		// First another worker's certificate on this worker's address: the API server must refuse it
		// (--kubelet-certificate-authority checks the chain and the IP SAN).
		const otherConfig = parseYaml(readFileSync(installedOn(other!.name, 'kubelet-config.yaml'), 'utf8'));
		await kubelet.serve({cert: otherConfig.tlsCertFile, key: otherConfig.tlsPrivateKeyFile, ca: ownFiles.ca});
		const refused = await admin(['get', '--raw', `/api/v1/nodes/${worker!.name}/proxy/healthz`]);
		expect(refused.code).not.toBe(0);
		expect(refused.stderr).toMatch(/x509|certificate/i);
		expect(kubelet.requests).toEqual([]);

		// Then the files its kubelet-config.yaml names, as written.
		await kubelet.serve(ownFiles);
		const r = await admin(['get', '--raw', `/api/v1/nodes/${worker!.name}/proxy/healthz`]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toBe('ok');
		const apiUser = specById(plan, 'apiserver').kubernetes!.user;
		const caller = kubelet.requests.find(request => request.path === '/healthz')!;
		expect(caller.cn).toBe(apiUser);
		// What the kubelet asks next, with its own kubeconfig: may this caller use my API? kube-apiserver-to-kubelet.yaml says yes.
		expect(await mayCallKubelet(cp, kubeconfigOf(`kubelet:${worker!.name}`), caller, worker!.name)).toBe(true);
		expect(await mayCallKubelet(cp, kubeconfigOf(`kubelet:${worker!.name}`), {cn: 'kubepki-nobody'}, worker!.name)).toBe(false);
	});

	it('refuses the guide\'s mistakes exactly as lint predicts: authenticated, but forbidden', async () => {
		const dir = path.join(root, 'mistakes');
		mkdirSync(dir, {recursive: true});
		const worker = workers()[0]!;
		const sign = async (name: string, subject: string, ext: string) => {
			const key = path.join(dir, `${name}-key.pem`);
			const csr = path.join(dir, `${name}.csr`);
			const extFile = path.join(dir, `${name}.ext`);
			writeFileSync(extFile, `${ext}\n`);
			const req = await runAsync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', subject, '-out', csr]);
			expect(req.code, req.stderr).toBe(0);
			const x509 = await runAsync('openssl', ['x509', '-req', '-in', csr, '-CA', path.join(out, 'ca.pem'), '-CAkey', path.join(out, 'ca-key.pem'), '-CAcreateserial', '-days', '30', '-sha256', '-extfile', extFile, '-out', path.join(dir, `${name}.pem`)]);
			expect(x509.code, x509.stderr).toBe(0);
			return {cert: path.join(dir, `${name}.pem`), key};
		};
		const kubelet = await sign(worker.name, `/CN=system:nodes:${worker.name}/O=system:nodes`, `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:${worker.name},IP:${worker.ip}`);
		const adminOu = await sign('admin', '/CN=admin/OU=system:masters', 'extendedKeyUsage=clientAuth');

		const lint = kubepki(['lint', dir, path.join(out, 'ca.pem'), '--json']);
		const findings = (JSON.parse(lint.stdout) as {findings: Array<{path: string; rule: string}>}).findings;
		expect(findings.filter(f => f.rule === 'kubelet-identity').map(f => path.basename(f.path))).toContain(`${worker.name}.pem`);
		expect(findings.filter(f => f.rule === 'group-in-ou').map(f => path.basename(f.path))).toContain('admin.pem');

		const as = (pair: {cert: string; key: string}, args: string[]) =>
			cp.kubectl(['--server', `https://${lb().ip}:6443`, '--certificate-authority', path.join(out, 'ca.pem'), '--client-certificate', pair.cert, '--client-key', pair.key, ...args]);
		const whoami = async (pair: {cert: string; key: string}) => JSON.parse((await as(pair, ['auth', 'whoami', '-o', 'json'])).stdout).status.userInfo;
		expect(await whoami(kubelet)).toMatchObject({username: `system:nodes:${worker.name}`, groups: expect.arrayContaining(['system:nodes'])});
		const node = await as(kubelet, ['get', 'node', worker.name]);
		expect(node.code).not.toBe(0);
		expect(node.stderr).toMatch(/forbidden/i);
		const adminUser = await whoami(adminOu);
		expect(adminUser.username).toBe('admin');
		expect(adminUser.groups).not.toContain('system:masters');
		const pods = await as(adminOu, ['get', 'pods', '-A']);
		expect(pods.code).not.toBe(0);
		expect(pods.stderr).toMatch(/forbidden/i);
	});

	it('issues a service account token that a TokenReview authenticates', async () => {
		await cp.until('the default service account', async () => (await admin(['get', 'serviceaccount', 'default'])).code === 0, ['kube-controller-manager']);
		const token = await admin(['create', 'token', 'default']);
		expect(token.code, token.stderr).toBe(0);
		const review = {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {token: token.stdout.trim()}};
		const r = await admin(['create', '-f', '-', '-o', 'json'], JSON.stringify(review));
		expect(r.code, r.stderr).toBe(0);
		const {status} = JSON.parse(r.stdout);
		expect(status.authenticated).toBe(true);
		expect(status.user.username).toBe('system:serviceaccount:default:default');
		// The same token logs in through the load balancer: any master verifies what another signed.
		const who = await cp.kubectl(['--server', `https://${lb().ip}:6443`, '--certificate-authority', path.join(out, 'ca.pem'), '--token', token.stdout.trim(), 'auth', 'whoami', '-o', 'json']);
		expect(who.code, who.stderr).toBe(0);
		expect(JSON.parse(who.stdout).status.userInfo.username).toBe('system:serviceaccount:default:default');
	});

	it('holds the controller-manager\'s and the scheduler\'s leader leases in kube-system', async () => {
		for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
			await cp.until(
				`the ${lease} lease`,
				async () => {
					const r = await admin(['get', 'lease', lease, '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}']);
					return r.code === 0 && r.stdout.length > 0;
				},
				[lease],
			);
		}
	});

	it('signs an approved CertificateSigningRequest with the cluster CA (the controller-manager\'s --cluster-signing-*)', async () => {
		const dir = path.join(root, 'csr');
		mkdirSync(dir, {recursive: true});
		const req = await runAsync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'probe-key.pem'), '-subj', '/CN=kubepki-csr-probe', '-out', path.join(dir, 'probe.csr')]);
		expect(req.code, req.stderr).toBe(0);
		const csr = {
			apiVersion: 'certificates.k8s.io/v1',
			kind: 'CertificateSigningRequest',
			metadata: {name: 'kubepki-csr-probe'},
			spec: {request: readFileSync(path.join(dir, 'probe.csr')).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600},
		};
		expect((await admin(['create', '-f', '-'], JSON.stringify(csr))).code).toBe(0);
		expect((await admin(['certificate', 'approve', 'kubepki-csr-probe'])).code).toBe(0);
		let issued = '';
		await cp.until(
			'the CSR to be signed',
			async () => {
				issued = (await admin(['get', 'csr', 'kubepki-csr-probe', '-o', 'jsonpath={.status.certificate}'])).stdout;
				return issued.length > 0;
			},
			['kube-controller-manager'],
		);
		writeFileSync(path.join(dir, 'probe.pem'), Buffer.from(issued, 'base64'));
		const verify = await runAsync('openssl', ['verify', '-CAfile', path.join(out, 'ca.pem'), path.join(dir, 'probe.pem')]);
		expect(verify.code, verify.stderr).toBe(0);
		expect(verify.stdout).toContain('OK');
	});

	const secretValue = `kubepki-${cluster.provider}-secret`;
	const readSecret = async () => Buffer.from((await admin(['--server', `https://${lb().ip}:6443`, 'get', 'secret', 'kubepki-probe', '-o', 'jsonpath={.data.value}'])).stdout, 'base64').toString();

	it(`encrypts Secrets in etcd with ${cluster.provider} (the raw value starts k8s:enc:${cluster.provider}:v1:key1:)`, async () => {
		expect((await admin(['create', 'secret', 'generic', 'kubepki-probe', `--from-literal=value=${secretValue}`])).code).toBe(0);
		expect(await readSecret()).toBe(secretValue);
		const raw = await etcdctl(`https://${first().ip}:2379`, ['get', '/registry/secrets/default/kubepki-probe', '--print-value-only']);
		expect(raw.code, raw.stderr).toBe(0);
		expect(raw.stdout.startsWith(`k8s:enc:${cluster.provider}:v1:key1:`), raw.stdout.slice(0, 40)).toBe(true);
		expect(raw.stdout).not.toContain(secretValue);
	});

	it('restarts each API server in turn on a re-generated folder: the workers\' kubeconfigs answer through haproxy while it is down, and the Secret still reads', async () => {
		await generate();
		const workerConfigs = [...workers().map(w => kubeconfigOf(`kubelet:${w.name}`)), kubeconfigOf('kube-proxy')];
		for (const down of masters()) {
			await cp.stop(`apiserver-${down.name}`);
			// More calls than masters, so round robin would have sent some to the stopped one.
			for (let i = 0; i < masters().length + 1; i++) {
				for (const config of workerConfigs) {
					const r = await kubectl(config, ['get', '--raw', '/readyz']);
					expect(r.code, `${down.name} down, ${path.basename(path.dirname(config))}/${path.basename(config)}: ${r.stderr}`).toBe(0);
				}
			}
			await startApiserver(down);
		}
		expect(await readSecret()).toBe(secretValue);
	});
});

describe.skipIf(!ready)('a real control plane from the kubeadm layout (its flags as units, no static pods)', () => {
	const root = tempDir('kubepki-cp-kubeadm-');
	const out = path.join(root, 'pki');
	const configFile = path.join(root, 'cluster.yaml');
	let plan: Plan;
	let cp: ControlPlane;
	let lab: Lab | undefined;
	const masters = () => plan.topology.masters;
	const first = () => masters()[0]!;
	const nodes = () => [...plan.topology.masters, ...plan.topology.workers];
	const lb = () => plan.topology.loadBalancer;
	/** A file of a host's folder, where that machine reads it (/etc/kubernetes/...). */
	const etc = (host: string, file: string) => cp.on(host, path.join('/etc/kubernetes', file));
	const kubectl = (kubeconfig: string, args: readonly string[], input?: string) => cp.kubectl(['--kubeconfig', kubeconfig, ...args], input);
	const superAdmin = (args: readonly string[], input?: string) => kubectl(etc(first().name, 'super-admin.conf'), args, input);

	const startApiserver = (master: {name: string; ip: string}) => cp.startApiserver(master, etc(first().name, 'super-admin.conf'));

	beforeAll(async () => {
		plan = writeCluster(configFile, builtInShape(labKubeadm), 'ecdsa-p256', 'kubeadm');
		const result = kubepki(['generate', '--layout', 'kubeadm', '--config', configFile, '--out', out, '--algorithm', 'ecdsa-p256', '--quiet']);
		if (result.status !== 0) throw new Error(`generate failed: ${result.stderr}`);
		lab = await startLab(labKubeadm, masters().length);
		cp = new ControlPlane(root, out, bin!, lab.machines);
		cp.installKubeadm(nodes().map(n => n.name));

		for (const m of masters()) cp.startEtcd(m.name);

		for (const m of masters()) {
			// etcd's own health check client (etcd/healthcheck-client.crt), as kubeadm's liveness probe uses it.
			const pair = ['--cacert', etc(m.name, 'pki/etcd/ca.crt'), '--cert', etc(m.name, 'pki/etcd/healthcheck-client.crt'), '--key', etc(m.name, 'pki/etcd/healthcheck-client.key')];
			await cp.until(`etcd on ${m.name}`, async () => (await runAsync('etcdctl', [`--endpoints=https://${m.ip}:2379`, ...pair, 'endpoint', 'health'])).code === 0, [`etcd-${m.name}`]);
		}

		for (const m of masters()) await startApiserver(m);
		cp.startLoadBalancer(lb().name);
		await cp.until('the load balancer to answer', async () => (await superAdmin(['get', '--raw', '/readyz'])).stdout === 'ok', ['haproxy-lb']);
		cp.startControllers(first().name);
	}, 900_000);

	afterAll(async () => {
		await cp?.stopAll();
		await lab?.stop();
	}, 120_000);

	it('authenticates every .conf on its machine as the user and groups the plan gives it', async () => {
		for (const conf of kubeadmConfs(plan)) {
			await expectIdentity(cp, plan, etc(conf.host, conf.file), conf.certId, `${conf.host}/${conf.file}`);
		}
	});

	it('gives admin.conf * on * only once super-admin.conf applies the cluster-admins binding', async () => {
		const admin = etc(first().name, 'admin.conf');
		expect((await kubectl(admin, ['auth', 'can-i', '*', '*'])).stdout.trim()).toBe('no');
		const applied = await superAdmin(['apply', '-f', path.join(out, first().name, 'cluster-admins-binding.yaml')]);
		expect(applied.code, applied.stderr).toBe(0);
		await cp.until('admin.conf to be cluster-admin', async () => (await kubectl(admin, ['auth', 'can-i', '*', '*'])).stdout.trim() === 'yes');
	});

	it('lets the scheduler bind pods, and a kubelet change only its own Node', async () => {
		const scheduler = etc(first().name, 'scheduler.conf');
		expect((await kubectl(scheduler, ['auth', 'can-i', 'create', 'pods', '--subresource=binding'])).stdout.trim()).toBe('yes');
		const [one, two] = plan.topology.workers;
		const node = (name: string) => JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name}});
		expect((await kubectl(etc(one!.name, 'kubelet.conf'), ['create', '-f', '-'], node(one!.name))).code).toBe(0);
		const other = await kubectl(etc(one!.name, 'kubelet.conf'), ['create', '-f', '-'], node(two!.name));
		expect(other.code).not.toBe(0);
		expect(other.stderr).toMatch(/forbidden/i);
	});

	it('reaches a kubelet through the real API server with apiserver-kubelet-client.crt, which the kubelet-config.yaml\'s clientCAFile accepts', async () => {
		const [worker] = plan.topology.workers;
		expect(worker!.ip).toBe(labKubeadm.worker(0));
		const config = parseYaml(readFileSync(etc(worker!.name, 'kubelet-config.yaml'), 'utf8'));
		// kubeadm's kubelet serves a certificate it makes itself (serverTLSBootstrap: false), and the API server has no
		// --kubelet-certificate-authority to check it with: the stand-in makes one too.
		const dir = path.join(root, 'kubelet-serving');
		mkdirSync(dir, {recursive: true});
		const serving = {cert: path.join(dir, 'kubelet.crt'), key: path.join(dir, 'kubelet.key'), ca: cp.on(worker!.name, config.authentication.x509.clientCAFile)};
		const made = await runAsync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${worker!.name}`, '-addext', `subjectAltName=IP:${worker!.ip}`, '-keyout', serving.key, '-out', serving.cert]);
		expect(made.code, made.stderr).toBe(0);
		const kubelet = lab!; // the stand-in of the lab's first worker
		const status = {status: {addresses: [{type: 'InternalIP', address: worker!.ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10_250}}}};
		await registerNode(cp, etc(worker!.name, 'kubelet.conf'), worker!.name);
		const patched = await patchAs(etc(worker!.name, 'kubelet.conf'), `/api/v1/nodes/${worker!.name}/status`, status);
		expect(patched.status, patched.body).toBe(200);
		await kubelet.serve(serving);
		const r = await superAdmin(['get', '--raw', `/api/v1/nodes/${worker!.name}/proxy/healthz`]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toBe('ok');
		const caller = kubelet.requests.find(request => request.path === '/healthz')!;
		expect(caller.cn).toBe(specById(plan, 'apiserver-kubelet-client').commonName);
		// The kubelet's Webhook question, with its kubelet.conf: the caller's group is bound by cluster-admins-binding.yaml
		// (applied by the check above; again here, as kubeadm init leaves the cluster, so that this check stands alone).
		expect((await superAdmin(['apply', '-f', path.join(out, first().name, 'cluster-admins-binding.yaml')])).code).toBe(0);
		expect(await mayCallKubelet(cp, etc(worker!.name, 'kubelet.conf'), caller, worker!.name)).toBe(true);
	});

	it('takes the user from the front proxy\'s headers only from front-proxy-client.crt (--requestheader-*)', async () => {
		const master = first();
		const review = (cert: string, key: string) =>
			new Promise<{status: number; body: string}>((resolve, reject) => {
				const request = httpsRequest(
					{
						host: master.ip,
						port: 6443,
						method: 'POST',
						path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
						ca: readFileSync(etc(master.name, 'pki/ca.crt')),
						cert: readFileSync(cert),
						key: readFileSync(key),
						headers: {'Content-Type': 'application/json', 'X-Remote-User': 'kubepki-proxied', 'X-Remote-Group': 'kubepki-group'},
					},
					response => {
						let body = '';
						response.on('data', chunk => (body += chunk));
						response.on('end', () => resolve({status: response.statusCode ?? 0, body}));
					},
				);
				request.on('error', reject);
				request.end(JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}));
			});
		const proxied = await review(etc(master.name, 'pki/front-proxy-client.crt'), etc(master.name, 'pki/front-proxy-client.key'));
		expect(proxied.status, proxied.body).toBe(201);
		expect(JSON.parse(proxied.body).status.userInfo).toMatchObject({username: 'kubepki-proxied', groups: expect.arrayContaining(['kubepki-group'])});
		// Any other client certificate of the cluster CA logs in as itself, whatever the headers say.
		const other = await review(etc(master.name, 'pki/apiserver-kubelet-client.crt'), etc(master.name, 'pki/apiserver-kubelet-client.key'));
		expect(JSON.parse(other.body).status.userInfo.username).toBe('kube-apiserver-kubelet-client');
	});

	it('issues a service account token that a TokenReview authenticates', async () => {
		await cp.until('the default service account', async () => (await superAdmin(['get', 'serviceaccount', 'default'])).code === 0, ['kube-controller-manager']);
		const token = await superAdmin(['create', 'token', 'default']);
		expect(token.code, token.stderr).toBe(0);
		const r = await superAdmin(['create', '-f', '-', '-o', 'json'], JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {token: token.stdout.trim()}}));
		expect(r.code, r.stderr).toBe(0);
		expect(JSON.parse(r.stdout).status).toMatchObject({authenticated: true, user: {username: 'system:serviceaccount:default:default'}});
	});

	it('holds the leader leases and signs an approved CSR with ca.crt', async () => {
		for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
			await cp.until(`the ${lease} lease`, async () => (await superAdmin(['get', 'lease', lease, '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout.length > 0, [lease]);
		}
		const dir = path.join(root, 'csr');
		mkdirSync(dir, {recursive: true});
		expect((await runAsync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-subj', '/CN=kubepki-kubeadm-probe', '-out', path.join(dir, 'r.csr')])).code).toBe(0);
		const csr = {
			apiVersion: 'certificates.k8s.io/v1',
			kind: 'CertificateSigningRequest',
			metadata: {name: 'kubepki-kubeadm-probe'},
			spec: {request: readFileSync(path.join(dir, 'r.csr')).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth']},
		};
		expect((await superAdmin(['create', '-f', '-'], JSON.stringify(csr))).code).toBe(0);
		expect((await superAdmin(['certificate', 'approve', 'kubepki-kubeadm-probe'])).code).toBe(0);
		let issued = '';
		await cp.until('the CSR to be signed', async () => (issued = (await superAdmin(['get', 'csr', 'kubepki-kubeadm-probe', '-o', 'jsonpath={.status.certificate}'])).stdout).length > 0, ['kube-controller-manager']);
		writeFileSync(path.join(dir, 'c.pem'), Buffer.from(issued, 'base64'));
		const verify = await runAsync('openssl', ['verify', '-CAfile', etc(first().name, 'pki/ca.crt'), path.join(dir, 'c.pem')]);
		expect(verify.code, verify.stderr).toBe(0);
	});

	it('answers the kubelets\' kubelet.conf through haproxy while any one API server is stopped', async () => {
		for (const down of masters()) {
			await cp.stop(`apiserver-${down.name}`);
			for (let i = 0; i < masters().length + 1; i++) {
				for (const worker of plan.topology.workers) {
					const r = await kubectl(etc(worker.name, 'kubelet.conf'), ['get', '--raw', '/readyz']);
					expect(r.code, `${down.name} down, ${worker.name}: ${r.stderr}`).toBe(0);
				}
			}
			await startApiserver(down);
		}
	});
});
