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
