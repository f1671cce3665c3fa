import {createHash, X509Certificate} from 'node:crypto';
import {cpSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {generate} from '../../source/core/generate.js';
import {lint} from '../../source/core/lint/index.js';
import {loadPaths} from '../../source/core/pki/load.js';
import {buildPlan, hardwayPaths, rotationPaths, signingPaths, specById} from '../../source/core/plan.js';
import {planRenewal, renewFolder} from '../../source/core/renew.js';
import {certificateBlocks, chosenCas, previewRotation, rotateCa, rotationStatus, rotationSteps, RotateUsageError, stepRefusal, type FolderPhase, type RotationResult} from '../../source/core/rotate.js';
import {exampleTopology} from '../../source/core/topology.js';
import {tempDir} from '../helpers/tools.js';

const minute = 60 * 1000;
const t0 = new Date('2026-12-01T12:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * minute);
const topology = {...exampleTopology(), algorithm: 'ecdsa-p256' as const};
const plan = buildPlan(topology);
const ca = hardwayPaths(specById(plan, 'ca'));
const sa = hardwayPaths(specById(plan, 'service-account'));
const leaves = plan.certs.filter(s => s.signer !== 'self');

/** Every file under dir (relative) with its bytes' hash; `live` leaves out retired/ and .backup/. */
function snapshot(dir: string, live = false): Map<string, string> {
	const files = readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(f => statSync(path.join(dir, f)).isFile() && !(live && /^(retired|\.backup)\//.test(f)));
	return new Map(files.map(f => [f, createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')]));
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const kubeconfigCa = (dir: string, file: string) => Buffer.from(parseYaml(read(dir, file)).clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
const kubeconfigCert = (dir: string, file: string) => Buffer.from(parseYaml(read(dir, file)).users[0].user['client-certificate-data'], 'base64').toString('utf8');
const signedBy = (certPem: string, caPem: string) => {
	const cert = new X509Certificate(certPem);
	const issuer = new X509Certificate(caPem);
	return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
};

const kubeconfigFiles = (dir: string) => readdirSync(dir).filter(f => f.endsWith('.kubeconfig'));

async function errors(dir: string, now: Date): Promise<string[]> {
	return lint(await loadPaths([dir]), {now}).filter(f => f.severity === 'error').map(f => `${f.rule}: ${f.path}: ${f.message}`);
}

describe('which step a folder is ready for', () => {
	// Each step, in each phase: allowed (undefined) or refused. Nothing can be skipped or run twice.
	const table: Array<[FolderPhase, Record<(typeof rotationSteps)[number], boolean>]> = [
		['none', {start: true, reissue: false, finish: false}],
		['started', {start: false, reissue: true, finish: false}],
		['reissued', {start: false, reissue: false, finish: true}],
		['finished', {start: true, reissue: false, finish: false}],
	];
	it.each(table)('in phase %s', (phase, allowed) => {
		for (const step of rotationSteps) {
			const refusal = stepRefusal(step, phase);
			expect(refusal === undefined, `${step} in ${phase}: ${refusal}`).toBe(allowed[step]);
			if (refusal) expect(refusal).toMatch(/^rotate-ca \w+: .*; the next step is kubepki rotate-ca (start|reissue|finish)$/);
		}
	});

	it('says "already run" for a step done and "cannot come yet" for one ahead', () => {
		expect(stepRefusal('start', 'started')).toContain('already run');
		expect(stepRefusal('finish', 'started')).toContain('cannot come yet');
		expect(stepRefusal('reissue', 'reissued')).toContain('already run');
	});

	it('--ca: the hard way has one CA; etcd and front-proxy are kubeadm\'s', () => {
		expect(chosenCas(plan, 'cluster')).toEqual(['ca']);
		expect(chosenCas(plan, 'all')).toEqual(['ca']);
		expect(() => chosenCas(plan, 'etcd')).toThrow(RotateUsageError);
		expect(() => chosenCas(plan, 'front-proxy')).toThrow(/not a CA of the hardway layout, which has one CA: cluster/);
		expect(chosenCas(buildPlan(topology, {layout: 'kubeadm'}), 'all').sort()).toEqual(['ca', 'etcd-ca', 'front-proxy-ca']);
	});

	it('names the rotation files beside the CA\'s own, and the controller-manager\'s signing pair per phase', () => {
		expect(rotationPaths(ca)).toEqual({next: {cert: 'ca-next.pem', key: 'ca-next-key.pem'}, old: 'ca-old.pem'});
		const spec = specById(plan, 'ca');
		expect(signingPaths(plan, spec)).toEqual(ca);
		expect(signingPaths(buildPlan(topology, {rotation: {phase: 'started', cas: ['ca']}}), spec)).toEqual({cert: 'ca-old.pem', key: 'ca-key.pem'});
		expect(signingPaths(buildPlan(topology, {rotation: {phase: 'reissued', cas: ['ca']}}), spec)).toEqual({cert: 'ca-next.pem', key: 'ca-next-key.pem'});
	});
});

describe('a hard-way folder through start, reissue and finish', () => {
	const dir = path.join(tempDir('kubepki-rotate-'), 'pki');
	const states = new Map<string, string>();
	const results = new Map<string, RotationResult>();
	let oldCa: string;
	let oldLeaves: Map<string, {cert: string; key: string}>;
	let saKey: string;
	let encryption: string;

	/** Keep a copy of the folder after each phase. */
	const keep = (name: string) => {
		const copy = path.join(tempDir('kubepki-rotate-state-'), 'pki');
		cpSync(dir, copy, {recursive: true});
		states.set(name, copy);
	};

	beforeAll(async () => {
		await generate(topology, {outDir: dir, now: at(-60)});
		oldCa = read(dir, ca.cert);
		oldLeaves = new Map(leaves.map(s => [s.id, {cert: read(dir, hardwayPaths(s).cert), key: read(dir, hardwayPaths(s).key)}]));
		saKey = read(dir, sa.key);
		encryption = read(dir, 'encryption-config.yaml');
		keep('before');
		for (const [index, step] of rotationSteps.entries()) {
			results.set(step, await rotateCa({outDir: dir, step, ca: 'all', now: at(index + 1)}));
			keep(step);
		}
	}, 120_000);

	it('start: a new CA beside the old, said in words; every trust file holds both; no leaf changes', () => {
		const s = states.get('start')!;
		const bundle = certificateBlocks(read(s, ca.cert));
		expect(bundle).toHaveLength(2);
		expect(bundle[0]).toBe(oldCa);
		expect(bundle[1]).toBe(read(s, rotationPaths(ca).next.cert));
		expect(new X509Certificate(bundle[1]!).subject).not.toBe(new X509Certificate(oldCa).subject);
		expect(read(s, ca.key)).toBe(read(states.get('before')!, ca.key));
		expect(statSync(path.join(s, rotationPaths(ca).next.key)).mode & 0o777).toBe(0o600);
		expect(results.get('start')!.made.join('\n')).toMatch(/a new CA key was made: ca-next-key\.pem/);
		for (const file of kubeconfigFiles(s)) expect(kubeconfigCa(s, file), file).toBe(bundle.join(''));
		for (const spec of leaves) {
			expect(read(s, hardwayPaths(spec).cert), spec.id).toBe(oldLeaves.get(spec.id)!.cert);
			expect(read(s, hardwayPaths(spec).key), spec.id).toBe(oldLeaves.get(spec.id)!.key);
		}

		// nodes/ copies of the trust file are the bundle too, everywhere ca.pem goes.
		for (const host of [...topology.masters, ...topology.workers].map(h => h.name)) expect(read(s, `nodes/${host}/${ca.cert}`), host).toBe(bundle.join(''));
		// The controller-manager signs with the old CA alone (its flag takes one certificate).
		expect(read(s, `nodes/master1/${rotationPaths(ca).old}`)).toBe(oldCa);
		expect(read(s, 'units/master1/kube-controller-manager.service')).toMatch(/--cluster-signing-cert-file=\S+\/ca-old\.pem/);
		expect(JSON.parse(read(s, 'kubepki-manifest.json')).rotation).toMatchObject({phase: 'started', cas: ['ca']});
	});

	it('reissue: every leaf from the new CA with a new key; trust still both; the service-account key and encryption key untouched', () => {
		const s = states.get('reissue')!;
		const next = read(s, rotationPaths(ca).next.cert);
		expect(certificateBlocks(read(s, ca.cert))).toEqual([oldCa, next]);
		for (const spec of leaves) {
			const cert = read(s, hardwayPaths(spec).cert);
			expect(signedBy(cert, next), spec.id).toBe(true);
			expect(signedBy(cert, oldCa), spec.id).toBe(false);
			if (spec.role === 'service-account') expect(read(s, hardwayPaths(spec).key)).toBe(saKey);
			else expect(read(s, hardwayPaths(spec).key), spec.id).not.toBe(oldLeaves.get(spec.id)!.key);
		}

		expect(read(s, 'encryption-config.yaml')).toBe(encryption);
		for (const file of kubeconfigFiles(s)) {
			expect(kubeconfigCa(s, file), file).toBe(oldCa + next);
			expect(signedBy(kubeconfigCert(s, file), next), file).toBe(true);
		}

		expect(results.get('reissue')!.made.join('\n')).toMatch(/new leaf keys were made/);
		expect(read(s, 'units/master1/kube-controller-manager.service')).toMatch(/--cluster-signing-cert-file=\S+\/ca-next\.pem/);
		// ca-old.pem is no longer delivered: removed from the folder and listed for deletion on the masters.
		expect(snapshot(s).has(rotationPaths(ca).old)).toBe(false);
		expect(results.get('reissue')!.leftovers.map(l => `${l.host}/${l.target}`)).toEqual(['master1/ca-old.pem', 'master2/ca-old.pem']);
	});

	it('finish: trust is the new CA alone, the old CA in retired/, and no live file holds or trusts the old CA', () => {
		const s = states.get('finish')!;
		const next = read(states.get('reissue')!, rotationPaths(ca).next.cert);
		expect(read(s, ca.cert)).toBe(next);
		expect(read(s, ca.key)).toBe(read(states.get('reissue')!, rotationPaths(ca).next.key));
		const retiredTo = results.get('finish')!.retiredTo!;
		expect(read(s, `${retiredTo}/${ca.cert}`)).toBe(oldCa);
		expect(read(s, `${retiredTo}/${ca.key}`)).toBe(read(states.get('before')!, ca.key));
		expect(statSync(path.join(s, retiredTo, ca.key)).mode & 0o777).toBe(0o600);
		const oldBody = oldCa.replace(/-----[A-Z ]+-----|\s/g, '');
		const oldKeyBody = read(states.get('before')!, ca.key).replace(/-----[A-Z ]+-----|\s/g, '');
		for (const file of snapshot(s, true).keys()) {
			const text = read(s, file);
			expect(text.replace(/\s/g, ''), file).not.toContain(oldBody);
			expect(text.replace(/\s/g, ''), file).not.toContain(oldKeyBody);
			// Kubeconfigs carry the CA in base64 of the PEM.
			if (file.endsWith('.kubeconfig')) expect(kubeconfigCa(s, file), file).toBe(next);
		}

		expect(read(s, 'units/master1/kube-controller-manager.service')).toMatch(/--cluster-signing-cert-file=\S+\/ca\.pem /);
		expect(results.get('finish')!.leftovers.map(l => l.target).sort()).toEqual(['ca-next-key.pem', 'ca-next-key.pem', 'ca-next.pem', 'ca-next.pem']);
	});

	it('lint reports no error before, between and after the phases', async () => {
		for (const [name, s] of states) expect(await errors(s, at(10)), name).toEqual([]);
	});

	it('status: the phase, the files per state, what to copy next', async () => {
		const expected: Record<string, {phase: string; trust: Record<string, number>; leaves: Record<string, number>; next: string | null}> = {
			before: {phase: 'none', trust: {old: 7, new: 0, both: 0, other: 0}, leaves: {old: 8, new: 0, other: 0}, next: null},
			start: {phase: 'started', trust: {old: 0, new: 0, both: 7, other: 0}, leaves: {old: 8, new: 0, other: 0}, next: 'kubepki rotate-ca reissue'},
			reissue: {phase: 'reissued', trust: {old: 0, new: 0, both: 7, other: 0}, leaves: {old: 0, new: 8, other: 0}, next: 'kubepki rotate-ca finish'},
			finish: {phase: 'finished', trust: {old: 0, new: 7, both: 0, other: 0}, leaves: {old: 0, new: 8, other: 0}, next: null},
		};
		for (const [name, s] of states) {
			const status = await rotationStatus(s);
			expect({phase: status.phase, trust: status.counts.trust, leaves: status.counts.leaves, next: status.next}, name).toEqual(expected[name]);
		}

		const started = await rotationStatus(states.get('start')!);
		expect(started.copyNext.find(c => c.host === 'node1')?.files.sort()).toEqual(['ca.pem', 'kube-proxy.kubeconfig', 'node1.kubeconfig']);
	});

	it('each phase keeps what it replaced under .backup/, and copy.sh copies only what changed', () => {
		const s = states.get('start')!;
		const backup = results.get('start')!.backupDir;
		expect(read(s, `${backup}/${ca.cert}`)).toBe(oldCa);
		const script = read(s, 'nodes/copy.sh');
		expect(script).toContain('node1/ca.pem');
		expect(script).not.toContain('node1/node1.pem');
	});

	it('restarts etcd first, then the API servers, then controller-manager and scheduler, then the workers', () => {
		const steps = results.get('start')!.restart.map(step => `${step.host}: ${step.services.join(' ')}`);
		expect(steps).toEqual([
			'master1: etcd',
			'master2: etcd',
			'master1: kube-apiserver',
			'master2: kube-apiserver',
			'master1: kube-controller-manager kube-scheduler',
			'master2: kube-controller-manager kube-scheduler',
			'node1: kubelet kube-proxy',
			'node2: kubelet kube-proxy',
		]);
	});
});

describe('what a rotation refuses', () => {
	let dir: string;
	beforeAll(async () => {
		dir = path.join(tempDir('kubepki-rotate-refuse-'), 'pki');
		await generate(topology, {outDir: dir, now: at(-60)});
		await rotateCa({outDir: dir, step: 'start', ca: 'all', now: at(1)});
	}, 60_000);

	it('start twice: refused as bad usage, nothing on disk changes', async () => {
		const before = snapshot(dir);
		await expect(rotateCa({outDir: dir, step: 'start', ca: 'all', now: at(2)})).rejects.toThrow(RotateUsageError);
		await expect(rotateCa({outDir: dir, step: 'finish', ca: 'all', now: at(2)})).rejects.toThrow(/cannot come yet/);
		await expect(rotateCa({outDir: dir, step: 'reissue', ca: 'etcd', now: at(2)})).rejects.toThrow(RotateUsageError);
		expect(snapshot(dir)).toEqual(before);
	});

	it('generate and renew refuse mid-rotation: they would undo it', async () => {
		const before = snapshot(dir);
		await expect(generate(topology, {outDir: dir, now: at(3)})).rejects.toThrow(/a CA rotation is in progress .*rotate-ca reissue/);
		await expect(planRenewal({outDir: dir, selection: {kind: 'all'}, now: at(3)})).rejects.toThrow(/a CA rotation is in progress/);
		expect(snapshot(dir)).toEqual(before);
	});

	it('a bundle that is not old + new is refused, not trusted', async () => {
		const other = path.join(tempDir('kubepki-rotate-bad-'), 'pki');
		cpSync(dir, other, {recursive: true});
		const {writeFileSync} = await import('node:fs');
		writeFileSync(path.join(other, ca.cert), read(other, ca.cert) + read(other, ca.cert));
		await expect(rotateCa({outDir: other, step: 'reissue', ca: 'all', now: at(4)})).rejects.toThrow(/is not the bundle of the old CA and ca-next\.pem/);
	});
});

describe('kubeadm\'s layout: one of its three CAs (--ca etcd)', () => {
	const kubeadm = buildPlan(topology, {layout: 'kubeadm'});
	const dir = path.join(tempDir('kubepki-rotate-kubeadm-'), 'k');
	const states = new Map<string, Map<string, string>>();
	const texts = new Map<string, string>();

	beforeAll(async () => {
		await generate(topology, {outDir: dir, layout: 'kubeadm', now: at(-60)});
		states.set('before', snapshot(dir, true));
		for (const [index, step] of rotationSteps.entries()) {
			await rotateCa({outDir: dir, step, ca: 'etcd', now: at(index + 1)});
			states.set(step, snapshot(dir, true));
			if (step === 'start') texts.set('etcd-ca', read(dir, 'master1/pki/etcd/ca.crt'));
			expect(await errors(dir, at(10)), step).toEqual([]);
		}
	}, 120_000);

	it('bundles etcd\'s CA on every master while it is rotated, and leaves the cluster and front-proxy CAs alone', () => {
		expect(certificateBlocks(texts.get('etcd-ca')!)).toHaveLength(2);
		const before = states.get('before')!;
		for (const step of rotationSteps) {
			for (const host of ['master1', 'master2', 'node1']) {
				for (const file of [`${host}/pki/ca.crt`, `${host}/pki/ca.key`, `${host}/pki/front-proxy-ca.crt`, `${host}/pki/sa.key`, `${host}/pki/apiserver.crt`, `${host}/pki/front-proxy-client.crt`, `${host}/admin.conf`, `${host}/kubelet.conf`]) {
					expect(states.get(step)!.get(file), `${step}: ${file}`).toBe(before.get(file));
				}
			}
		}
	});

	it('reissues only the leaves etcd\'s CA signs, and ends with the new etcd CA alone', () => {
		const etcdLeaves = kubeadm.certs.filter(s => s.signer === 'etcd-ca').map(s => s.id).sort();
		expect(etcdLeaves).toEqual(['apiserver-etcd-client', 'etcd-healthcheck-client', 'etcd-peer:master1', 'etcd-peer:master2', 'etcd-server:master1', 'etcd-server:master2']);
		const [reissued, started] = [states.get('reissue')!, states.get('start')!];
		for (const file of ['master1/pki/etcd/server.crt', 'master2/pki/etcd/peer.crt', 'master1/pki/apiserver-etcd-client.crt', 'master1/pki/etcd/healthcheck-client.key']) {
			expect(started.get(file), file).toBe(states.get('before')!.get(file));
			expect(reissued.get(file), file).not.toBe(started.get(file));
		}

		const finalCa = read(dir, 'master1/pki/etcd/ca.crt');
		expect(certificateBlocks(finalCa)).toEqual([certificateBlocks(texts.get('etcd-ca')!)[1]]);
		expect(read(dir, 'master2/pki/etcd/ca.crt')).toBe(finalCa);
		expect(signedBy(read(dir, 'master2/pki/etcd/server.crt'), finalCa)).toBe(true);
		expect([...states.get('finish')!.keys()].filter(f => /-(next|old)\./.test(f))).toEqual([]);
	});

	it('status speaks of the CA rotated only: its trust file on each master, its six leaves', async () => {
		const status = await rotationStatus(dir);
		expect(status.phase).toBe('finished');
		expect(status.trust.map(t => `${t.trusts} ${t.path}`)).toEqual(['new master1/pki/etcd/ca.crt', 'new master2/pki/etcd/ca.crt']);
		expect(status.counts.leaves).toEqual({old: 0, new: 6, other: 0});
	});
});

describe('made before the write (the wizard\'s cards), written as shown', () => {
	const dir = path.join(tempDir('kubepki-rotate-preview-'), 'pki');
	beforeAll(async () => {
		await generate(topology, {outDir: dir, now: at(-60)});
	}, 120_000);

	it('start: the card is the new CA, nothing is written by the preview, and rotateCa writes that very CA', async () => {
		const before = snapshot(dir);
		const preview = await previewRotation({outDir: dir, step: 'start', ca: 'all', now: at(1)});
		expect(snapshot(dir)).toEqual(before);
		expect(preview.cards.map(card => card.file)).toEqual([rotationPaths(ca).next.cert]);
		expect(preview.made.join('\n')).toMatch(/^a new CA key was made: ca-next-key\.pem/);
		const card = preview.cards[0]!;
		expect(card.cert.info.isCA).toBe(true);
		// Read by: the trust settings of the bundle, not the old key the controller-manager still signs with.
		expect(card.readings.map(r => r.setting).join('\n')).toContain('--client-ca-file=');
		expect(card.readings.map(r => r.setting).join('\n')).not.toContain('ca-key.pem');
		const result = await rotateCa({outDir: dir, step: 'start', ca: 'all', now: at(2), prepared: preview.prepared});
		expect(result.phase).toBe('started');
		expect(new X509Certificate(read(dir, rotationPaths(ca).next.cert)).fingerprint256).toBe(card.cert.info.fingerprintSha256);
		expect(certificateBlocks(read(dir, ca.cert))[1]).toBe(read(dir, rotationPaths(ca).next.cert));
	});

	it('a step shown but not yet written cannot be written after the folder changed, nor twice', async () => {
		const stale = await previewRotation({outDir: dir, step: 'reissue', ca: 'all', now: at(3)});
		const fresh = await previewRotation({outDir: dir, step: 'reissue', ca: 'all', now: at(3)});
		// Two previews, two sets of keys: what is written is the one confirmed.
		expect(stale.cards[0]!.cert.info.fingerprintSha256).not.toBe(fresh.cards[0]!.cert.info.fingerprintSha256);
		await rotateCa({outDir: dir, step: 'reissue', ca: 'all', now: at(4), prepared: fresh.prepared});
		for (const card of fresh.cards) expect(new X509Certificate(read(dir, card.file)).fingerprint256, card.file).toBe(card.cert.info.fingerprintSha256);
		const after = snapshot(dir);
		await expect(rotateCa({outDir: dir, step: 'reissue', ca: 'all', now: at(5), prepared: stale.prepared})).rejects.toThrow(RotateUsageError);
		await expect(previewRotation({outDir: dir, step: 'reissue', ca: 'all', now: at(5)})).rejects.toThrow(/already run/);
		expect(snapshot(dir)).toEqual(after);
	});

	it('reissue: a card per leaf of the CA rotated (the service-account certificate too: the same key), each signed by the new CA', async () => {
		const s = path.join(tempDir('kubepki-rotate-preview2-'), 'pki');
		await generate(topology, {outDir: s, now: at(-60)});
		// Shown, then the folder changed (a renewal wrote it) before the confirm: refused, nothing written.
		const shown = await previewRotation({outDir: s, step: 'start', ca: 'all', now: at(0)});
		await renewFolder({outDir: s, selection: {kind: 'all'}, now: at(0)});
		const renewed = snapshot(s);
		await expect(rotateCa({outDir: s, step: 'start', ca: 'all', now: at(1), prepared: shown.prepared})).rejects.toThrow(/the folder changed since the new certificates were shown/);
		expect(snapshot(s)).toEqual(renewed);
		await rotateCa({outDir: s, step: 'start', ca: 'all', now: at(1)});
		const preview = await previewRotation({outDir: s, step: 'reissue', ca: 'all', now: at(2)});
		expect(preview.cards.map(card => card.cert.spec.id).sort()).toEqual(leaves.map(spec => spec.id).sort());
		const next = read(s, rotationPaths(ca).next.cert);
		for (const card of preview.cards) expect(card.cert.info.issuer, card.file).toBe(new X509Certificate(next).subject.split('\n').join(', '));
		expect(preview.made[0]).toBe(`${leaves.length - 1} new leaf keys were made, one per certificate, each signed by the new CA`);
		await rotateCa({outDir: s, step: 'reissue', ca: 'all', now: at(3), prepared: preview.prepared});
		const finish = await previewRotation({outDir: s, step: 'finish', ca: 'all', now: at(4)});
		expect(finish.cards).toEqual([]);
		await rotateCa({outDir: s, step: 'finish', ca: 'all', now: at(5), prepared: finish.prepared});
		expect((await rotationStatus(s)).counts.leaves).toEqual({old: 0, new: leaves.length, other: 0});
	});

	it('kubeadm\'s start: the new cluster CA\'s card names where it lands in a master\'s folder, and no signing setting (the old pair signs until reissue)', async () => {
		const k = path.join(tempDir('kubepki-rotate-preview-kubeadm-'), 'k');
		await generate(topology, {outDir: k, layout: 'kubeadm', now: at(-60)});
		const spec = specById(buildPlan(topology, {layout: 'kubeadm'}), 'ca');
		expect(spec.consumers.some(consumer => consumer.flag.includes('signing'))).toBe(true);
		const preview = await previewRotation({outDir: k, step: 'start', ca: 'cluster', now: at(1)});
		expect(preview.cards.map(card => card.file)).toEqual(['pki/ca-next.crt']);
		expect(preview.cards[0]!.cert.spec.consumers.length).toBeGreaterThan(0);
		expect(preview.cards[0]!.cert.spec.consumers.filter(consumer => consumer.flag.includes('signing'))).toEqual([]);
	});
});

