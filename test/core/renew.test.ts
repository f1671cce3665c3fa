import {createHash, X509Certificate} from 'node:crypto';
import {cpSync, existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {generate} from '../../source/core/generate.js';
import {buildPlan, specById} from '../../source/core/plan.js';
import {applyRenewal, planRenewal, renewFolder, RenewUsageError, restartSteps, selectLeaves, servicesReading, type LeafState, type MachineChange} from '../../source/core/renew.js';
import {exampleTopology} from '../../source/core/topology.js';
import {lockFolder} from '../../source/core/write.js';
import {tempDir} from '../helpers/tools.js';

const day = 24 * 3600 * 1000;
const now = new Date('2026-12-01T12:00:00Z');
const topology = {...exampleTopology(), algorithm: 'ecdsa-p256' as const};

/** Every file under dir (relative), retired/ and .backup/ included, with its bytes. */
function snapshot(dir: string): Map<string, string> {
	const files = readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(f => statSync(path.join(dir, f)).isFile());
	return new Map(files.map(f => [f, createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')]));
}

function changedBetween(a: Map<string, string>, b: Map<string, string>): string[] {
	return [...new Set([...a.keys(), ...b.keys()])].filter(f => a.get(f) !== b.get(f)).sort();
}

describe('what renew restarts, and in which order', () => {
	const plan = buildPlan(exampleTopology());

	it('reads the services from the plan\'s consumers: the API server certificate is etcd\'s too in the hard way', () => {
		expect(servicesReading(specById(plan, 'apiserver'))).toEqual(['kube-apiserver', 'etcd']);
		expect(servicesReading(specById(plan, 'kubelet:node1'))).toEqual(['kubelet']);
		expect(servicesReading(specById(plan, 'kube-proxy'))).toEqual(['kube-proxy']);
		expect(servicesReading(specById(plan, 'admin'))).toEqual([]);
	});

	it('restarts etcd members one at a time, then the API servers, then controller-manager and scheduler, then the workers', () => {
		const machine = (host: string, services: string[]): MachineChange => ({host, ip: '10.0.0.1', role: host.startsWith('m') ? 'master' : 'worker', files: [], services});
		const steps = restartSteps([
			machine('master1', ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']),
			machine('master2', ['etcd', 'kube-apiserver', 'kube-scheduler']),
			machine('node1', ['kubelet', 'kube-proxy']),
			machine('node2', ['kube-proxy']),
		]);
		expect(steps.map(s => `${s.host}: ${s.services.join(' ')}`)).toEqual([
			'master1: etcd',
			'master2: etcd',
			'master1: kube-apiserver',
			'master2: kube-apiserver',
			'master1: kube-controller-manager kube-scheduler',
			'master2: kube-scheduler',
			'node1: kubelet kube-proxy',
			'node2: kube-proxy',
		]);
	});
});

describe('which leaves renew picks', () => {
	const plan = buildPlan(exampleTopology());
	const states: LeafState[] = plan.certs
		.filter(spec => spec.id !== 'ca')
		.map(spec => ({spec, notAfter: new Date(now.getTime() + (spec.id === 'kubelet:node1' ? 5 : 200) * day)}));

	it('takes the leaves ending within the window, never the CA or the service-account pair', () => {
		const {renew} = selectLeaves(states, {kind: 'within', seconds: 30 * 86_400}, now);
		expect(renew.map(r => [r.state.spec.id, r.reason])).toEqual([['kubelet:node1', 'ends on 2026-12-06, within 30d']]);
		const all = selectLeaves(states, {kind: 'all'}, now).renew.map(r => r.state.spec.id);
		expect(all).not.toContain('service-account');
		expect(all).toHaveLength(7);
	});

	it('renews a missing leaf whatever the window', () => {
		const missing = states.map(s => (s.spec.id === 'admin' ? {spec: s.spec, broken: 'admin.pem is missing'} : s));
		expect(selectLeaves(missing, {kind: 'within', seconds: 0}, now).renew.map(r => [r.state.spec.id, r.reason])).toEqual([['admin', 'admin.pem is missing']]);
	});

	it('refuses --only with the CA, the service-account pair or an unknown id, naming it', () => {
		expect(() => selectLeaves(states, {kind: 'only', ids: ['ca']}, now)).toThrow(RenewUsageError);
		expect(() => selectLeaves(states, {kind: 'only', ids: ['service-account']}, now)).toThrow(/never renewed/);
		expect(() => selectLeaves(states, {kind: 'only', ids: ['kubelet:node9']}, now)).toThrow(/"kubelet:node9" is not a certificate of this folder; the ids are kubelet:node1/);
	});
});

describe('renewing a folder generate made', () => {
	const root = tempDir();
	let base: string;
	beforeAll(async () => {
		// Issued 360 days ago with the default 8760h leaves: every leaf has five days left.
		base = path.join(root, 'base');
		await generate(topology, {outDir: base, now: new Date(now.getTime() - 360 * day)});
	});

	const copy = (name: string) => {
		const dir = path.join(root, name);
		cpSync(base, dir, {recursive: true});
		return dir;
	};

	it('re-issues every leaf ending within 30 days with the same subject and SANs, and keeps the CA, service-account pair and encryption key', async () => {
		const dir = copy('within');
		const before = snapshot(dir);
		const renewal = await planRenewal({outDir: dir, selection: {kind: 'within', seconds: 30 * 86_400}, now});
		expect(renewal.renewed.map(r => r.id).sort()).toEqual(['admin', 'apiserver', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubelet:node1', 'kubelet:node2']);
		await applyRenewal(dir, renewal);
		const after = snapshot(dir);
		for (const file of ['ca.pem', 'ca-key.pem', 'service-account.pem', 'service-account-key.pem', 'encryption-config.yaml', 'etcd/master1.service']) expect(after.get(file), file).toBe(before.get(file));
		const old = new X509Certificate(readFileSync(path.join(base, 'kubernetes.pem')));
		const made = new X509Certificate(readFileSync(path.join(dir, 'kubernetes.pem')));
		expect([made.subject, made.subjectAltName, made.keyUsage]).toEqual([old.subject, old.subjectAltName, old.keyUsage]);
		expect(made.checkIssued(new X509Certificate(readFileSync(path.join(dir, 'ca.pem'))))).toBe(true);
		expect(made.publicKey.export({format: 'der', type: 'spki'}).equals(old.publicKey.export({format: 'der', type: 'spki'}))).toBe(false);
		expect(Date.parse(made.validTo) - now.getTime()).toBe(8760 * 3600 * 1000);
		// The bundles hold the new bytes too.
		expect(readFileSync(path.join(dir, 'nodes/master2/kubernetes.pem'), 'utf8')).toBe(readFileSync(path.join(dir, 'kubernetes.pem'), 'utf8'));
	});

	it('changes only what one kubelet touches with --only, and names that machine alone', async () => {
		const dir = copy('only');
		const before = snapshot(dir);
		const renewal = await planRenewal({outDir: dir, selection: {kind: 'only', ids: ['kubelet:node1']}, now});
		await applyRenewal(dir, renewal);
		const changed = changedBetween(before, snapshot(dir)).filter(f => !f.startsWith('.backup/'));
		expect(changed).toEqual(['kubepki-manifest.json', 'node1-key.pem', 'node1.kubeconfig', 'node1.pem', 'nodes/copy-all.sh', 'nodes/copy.sh', 'nodes/node1/node1-key.pem', 'nodes/node1/node1.kubeconfig', 'nodes/node1/node1.pem']);
		expect(renewal.machines.map(m => [m.host, m.services])).toEqual([['node1', ['kubelet']]]);
		expect(renewal.restart.map(s => `${s.host}: ${s.services.join(' ')}`)).toEqual(['node1: kubelet']);
		// copy.sh copies the changed files only; copy-all.sh every machine's.
		const copySh = readFileSync(path.join(dir, 'nodes/copy.sh'), 'utf8');
		expect(copySh).toMatch(/scp -p node1\/node1\.pem node1\/node1-key\.pem node1\/node1\.kubeconfig /);
		expect(copySh).not.toContain('master1/');
		expect(readFileSync(path.join(dir, 'nodes/copy-all.sh'), 'utf8')).toContain('master1/kubernetes.pem');
	});

	it('keeps each replaced file, byte for byte, in .backup/<UTC time>/ (0700), and the manifest agrees with every file', async () => {
		const dir = copy('backup');
		const renewal = await planRenewal({outDir: dir, selection: {kind: 'all'}, now});
		await applyRenewal(dir, renewal);
		expect(renewal.backupDir).toBe('.backup/20261201T120000Z');
		const backup = path.join(dir, renewal.backupDir);
		expect(statSync(backup).mode & 0o777).toBe(0o700);
		expect(statSync(path.join(dir, '.backup')).mode & 0o777).toBe(0o700);
		for (const file of renewal.replaced) expect(readFileSync(path.join(backup, file)).equals(readFileSync(path.join(base, file))), file).toBe(true);
		expect(statSync(path.join(backup, 'admin-key.pem')).mode & 0o777).toBe(0o600);
		const manifest = JSON.parse(readFileSync(path.join(dir, 'kubepki-manifest.json'), 'utf8')) as {files: Array<{path: string; sha256: string}>};
		for (const entry of manifest.files) expect(createHash('sha256').update(readFileSync(path.join(dir, entry.path))).digest('hex'), entry.path).toBe(entry.sha256);
	});

	it('writes a renewal planned before as it is (one card per certificate, the file named); refuses it, writing nothing, once another run changed the folder', async () => {
		const dir = copy('prepared');
		const shown = await planRenewal({outDir: dir, selection: {kind: 'within', seconds: 30 * 86_400}, now});
		expect(shown.cards.map(card => [card.cert.spec.id, card.file])).toEqual(shown.renewed.map(item => [item.id, item.file]));
		const apiserver = shown.cards.find(card => card.cert.spec.id === 'apiserver')!;
		expect(apiserver.readings.map(reading => reading.service)).toContain('kube-apiserver');
		const written = await renewFolder({outDir: dir, selection: {kind: 'within', seconds: 30 * 86_400}, now, prepared: shown});
		expect(written.changed).toBe(shown.changed);
		for (const card of shown.cards) expect(new X509Certificate(readFileSync(path.join(dir, card.file))).fingerprint256, card.file).toBe(card.cert.info.fingerprintSha256);
		// Shown, then the folder changes under it (another renew): the write is refused and nothing changes.
		const stale = await planRenewal({outDir: dir, selection: {kind: 'all'}, now});
		await renewFolder({outDir: dir, selection: {kind: 'only', ids: ['admin']}, now});
		const before = snapshot(dir);
		await expect(renewFolder({outDir: dir, selection: {kind: 'all'}, now, prepared: stale})).rejects.toThrow(/the folder changed since the new certificates were shown/);
		expect(changedBetween(before, snapshot(dir))).toEqual([]);
	});

	it('signs the same key again with reuseKeys', async () => {
		const dir = copy('reuse');
		await applyRenewal(dir, await planRenewal({outDir: dir, selection: {kind: 'only', ids: ['admin']}, reuseKeys: true, now}));
		expect(readFileSync(path.join(dir, 'admin-key.pem'), 'utf8')).toBe(readFileSync(path.join(base, 'admin-key.pem'), 'utf8'));
		expect(readFileSync(path.join(dir, 'admin.pem'), 'utf8')).not.toBe(readFileSync(path.join(base, 'admin.pem'), 'utf8'));
	});

	it('never signs past the CA and says so; the new validity goes into the manifest', async () => {
		const dir = copy('capped');
		const renewal = await planRenewal({outDir: dir, selection: {kind: 'only', ids: ['admin']}, validityHours: 20 * 8760, now});
		expect(renewal.cappedByCa).toBe(true);
		expect(renewal.renewed[0]!.newNotAfter).toBe(renewal.caNotAfter);
		await applyRenewal(dir, renewal);
		const manifest = JSON.parse(readFileSync(path.join(dir, 'kubepki-manifest.json'), 'utf8')) as {cluster: {validity: {leaf: number}}};
		expect(manifest.cluster.validity.leaf).toBe(20 * 8760);
	});

	it('plans without writing, and writes nothing when nothing is due', async () => {
		const dir = copy('quiet');
		const before = snapshot(dir);
		const planned = await planRenewal({outDir: dir, selection: {kind: 'all'}, now});
		expect(planned.changed.length).toBeGreaterThan(20);
		expect(changedBetween(before, snapshot(dir))).toEqual([]);
		const nothing = await planRenewal({outDir: dir, selection: {kind: 'within', seconds: 86_400}, now});
		expect([nothing.renewed, nothing.changed]).toEqual([[], []]);
		await applyRenewal(dir, nothing);
		expect(changedBetween(before, snapshot(dir))).toEqual([]);
	});
	it('reads the folder under its lock: while it issues, the lock is its own and another run is refused', async () => {
		const dir = copy('locked');
		const holders: string[] = [];
		const probes: Array<Promise<string>> = [];
		const renewal = await renewFolder({
			outDir: dir,
			selection: {kind: 'all'},
			now,
			onProgress(done) {
				if (done !== 1) return;
				// Read while the certificates are being issued: before the commit, after every read of the folder.
				holders.push(existsSync(path.join(dir, '.kubepki-lock')) ? readFileSync(path.join(dir, '.kubepki-lock'), 'utf8') : 'no lock file');
				probes.push(lockFolder(dir, {command: 'probe'}).then(async folder => {
					await folder.release();
					return 'the probe got the lock';
				}, (error: Error) => error.message));
			},
		});
		expect(holders).toHaveLength(1);
		expect(JSON.parse(holders[0]!)).toMatchObject({pid: process.pid, command: 'renew'});
		const [probe] = await Promise.all(probes);
		expect(probe).toMatch(/is being written by another kubepki run/);
		expect(renewal.renewed).toHaveLength(7);
		// Released afterwards, and the files are the ones it planned.
		expect(existsSync(path.join(dir, '.kubepki-lock'))).toBe(false);
		for (const file of renewal.changed) expect(readFileSync(path.join(dir, file.path)).equals(Buffer.from(file.content)), file.path).toBe(true);
	});

	it('writes nothing, not even a lock file, for a dry run', async () => {
		const dir = copy('dry');
		const before = snapshot(dir);
		let lockSeen = false;
		const renewal = await renewFolder({outDir: dir, selection: {kind: 'all'}, now, dryRun: true, onProgress: () => (lockSeen ||= existsSync(path.join(dir, '.kubepki-lock')))});
		expect(renewal.changed.length).toBeGreaterThan(20);
		expect(lockSeen).toBe(false);
		expect(changedBetween(before, snapshot(dir))).toEqual([]);
	});
});
