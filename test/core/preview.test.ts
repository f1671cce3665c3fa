import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {createPreviewSession, type Preview} from '../../source/core/preview.js';
import {exampleTopology, type Topology} from '../../source/core/topology.js';
import {tempDir} from '../helpers/tools.js';

// ECDSA keeps the test fast; what is checked (which certificates are signed again) does not depend on it.
const base: Topology = {...exampleTopology(), algorithm: 'ecdsa-p256'};
const fingerprints = (preview: Preview) => new Map(preview.certs.map(c => [c.spec.id, c.info.fingerprintSha256]));
const changed = (a: Preview, b: Preview) => [...fingerprints(a)].filter(([id, fp]) => fingerprints(b).get(id) !== fp).map(([id]) => id).sort();
const session = () => createPreviewSession({outDir: path.join(tempDir('kubepki-preview-'), 'pki'), source: 'test'});

describe('the wizard\'s preview: only what a change touches is signed again', () => {
	it('the same cluster twice: every certificate as it was', async () => {
		const s = session();
		const first = await s.preview(base);
		expect(changed(first, await s.preview(base))).toEqual([]);
	});

	it('an extra SAN: only the API server certificate is new; the CA and every other card keep their fingerprints', async () => {
		const s = session();
		const first = await s.preview(base);
		const second = await s.preview({...base, extraSANs: ['api.example.com']});
		const apiServer = second.plan.certs.filter(spec => spec.sans.some(san => san.value === 'api.example.com')).map(spec => spec.id);
		expect(apiServer.length).toBeGreaterThan(0);
		expect(changed(first, second)).toEqual(apiServer.sort());
		expect(second.certs.find(c => apiServer.includes(c.spec.id))?.info.dnsNames).toContain('api.example.com');
	});

	it('a new CA validity: the CA changes, so everything it signed is signed again', async () => {
		const s = session();
		const first = await s.preview(base);
		const second = await s.preview({...base, validity: {...base.validity, ca: base.validity.ca - 24}});
		expect(changed(first, second)).toEqual([...fingerprints(first).keys()].sort());
	});

	it('a worker renamed: its kubelet certificate is new, the other worker\'s is kept', async () => {
		const s = session();
		const first = await s.preview(base);
		const [one, two] = base.workers;
		const second = await s.preview({...base, workers: [one!, {...two!, name: 'node9'}]});
		const before = fingerprints(first);
		const after = fingerprints(second);
		const kubelet = (preview: Preview, name: string) => preview.certs.find(c => c.info.commonName === `system:node:${name}`)!;
		expect(kubelet(second, one!.name).info.fingerprintSha256).toBe(kubelet(first, one!.name).info.fingerprintSha256);
		expect([...after.values()].filter(fp => ![...before.values()].includes(fp)).length).toBeGreaterThan(0);
		expect(kubelet(second, 'node9').info.dnsNames).toContain('node9');
		// The CA is the same certificate, but where it is copied comes from the new cluster.
		expect(after.get('ca')).toBe(before.get('ca'));
		expect(second.issued.find(item => item.spec.id === 'ca')!.spec.copyTo.cert).toContain('node9');
	});
});

describe('the wizard\'s write on a folder it made before', () => {
	it('moves a removed worker\'s files to retired/ (said before writing) and refuses another cluster\'s folder', async () => {
		const out = path.join(tempDir('kubepki-preview-retire-'), 'pki');
		const first = createPreviewSession({outDir: out, source: 'test'});
		await first.write(await first.prepare(await first.preview(base)));
		expect(existsSync(path.join(out, 'node2.pem'))).toBe(true);
		// A new session, as a second wizard run: node2 leaves the cluster.
		const second = createPreviewSession({outDir: out, source: 'test'});
		const smaller: Topology = {...base, workers: base.workers.slice(0, 1)};
		const prepared = await second.prepare(await second.preview(smaller));
		expect(prepared.hasPreviousRun).toBe(true);
		expect(prepared.retiring).toEqual(expect.arrayContaining(['node2.pem', 'node2-key.pem', 'node2.kubeconfig', 'nodes/node2/node2.pem']));
		// Nothing moved before the write.
		expect(existsSync(path.join(out, 'node2.pem'))).toBe(true);
		await second.write(prepared);
		expect(existsSync(path.join(out, 'node2.pem'))).toBe(false);
		expect(existsSync(path.join(out, 'nodes', 'node2'))).toBe(false);
		const retired = readdirSync(path.join(out, 'retired'));
		expect(retired).toHaveLength(1);
		expect(existsSync(path.join(out, 'retired', retired[0]!, 'node2.pem'))).toBe(true);
		const manifest = JSON.parse(readFileSync(path.join(out, 'kubepki-manifest.json'), 'utf8')) as {files: Array<{path: string}>};
		expect(manifest.files.filter(f => f.path.includes('node2'))).toEqual([]);
		const other = createPreviewSession({outDir: out, source: 'test'});
		const otherPrepared = await other.prepare(await other.preview({...base, cluster: 'another'}));
		await expect(other.write(otherPrepared)).rejects.toThrow(/holds cluster .* not "another": a folder is one cluster/);
	});

	it('a master added: its etcd unit joins the existing cluster, and the etcdctl member add to run first is listed', async () => {
		const out = path.join(tempDir('kubepki-preview-join-'), 'pki');
		const first = createPreviewSession({outDir: out, source: 'test'});
		await first.write(await first.prepare(await first.preview(base)));
		const second = createPreviewSession({outDir: out, source: 'test'});
		const bigger: Topology = {...base, masters: [...base.masters, {name: 'master3', ip: '10.128.15.230', ips: ['10.128.15.230']}]};
		const prepared = await second.prepare(await second.preview(bigger));
		const unit = (name: string) => String(prepared.files.find(f => f.path === `etcd/${name}.service`)!.content);
		expect(unit('master3')).toContain('--initial-cluster-state=existing');
		expect(unit('master1')).toContain('--initial-cluster-state=new');
		expect(prepared.etcdSteps).toEqual([expect.stringMatching(/^etcdctl member add master3 --peer-urls=https:\/\/10\.128\.15\.230:2380 /)]);
	});
});
