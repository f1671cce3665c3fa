import {cpSync, mkdirSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {expiryJson, expiryReport, expiryText, parseDuration, serviceAccountNote, spanText} from '../../source/core/expiry.js';
import {generate} from '../../source/core/generate.js';
import {loadPaths} from '../../source/core/pki/load.js';
import {exampleTopology} from '../../source/core/topology.js';
import {tempDir} from '../helpers/tools.js';

const day = 24 * 3600 * 1000;
const now = new Date('2026-12-01T12:00:00Z');
const topology = {...exampleTopology(), algorithm: 'ecdsa-p256' as const};

// A folder made by the real generate, issued at a chosen moment: backdated with the library, not by a clock hack.
async function folder(dir: string, issuedAt: Date, layout: 'hardway' | 'kubeadm' = 'hardway'): Promise<string> {
	await generate(topology, {
		outDir: dir,
		now: issuedAt,
		layout,
	});
	return dir;
}

describe('expiry of a hard-way folder', () => {
	const root = tempDir();
	let soon: string;
	beforeAll(async () => {
		// Leaves of 8760h issued 360 days ago: five days left; the ten-year CA is fine.
		soon = await folder(path.join(root, 'soon'), new Date(now.getTime() - 360 * day));
	});

	it('lists the CA first, then each leaf once, soonest first, with the ends the files carry', async () => {
		const report = expiryReport(await loadPaths([soon]), now, 30 * 24 * 3600);
		const rows = report.rows.map(r => [path.relative(soon, r.path), r.isCA ? 'CA' : r.role, r.id, r.state, r.residual]);
		expect(rows[0]).toEqual(['ca.pem', 'CA', 'ca', 'ok', '3290d']);
		// Seven leaves (kubelets, components, admin, API server), each once although nodes/ and kubeconfigs hold copies.
		expect(rows.slice(1).map(r => r[0]).sort()).toEqual(
			['admin.pem', 'kube-controller-manager.pem', 'kube-proxy.pem', 'kube-scheduler.pem', 'kubernetes.pem', 'node1.pem', 'node2.pem'].sort(),
		);
		for (const row of rows.slice(1)) expect(row.slice(3)).toEqual(['within', '5d']);
		expect(report.attention).toBe(true);
		const ends = report.rows.slice(1).map(r => r.secondsLeft);
		expect(ends).toEqual([...ends].sort((a, b) => a - b));
	});

	it('names the machines that hold each certificate and the CA that signed it', async () => {
		const report = expiryReport(await loadPaths([soon]), now, 30 * 24 * 3600);
		const byId = new Map(report.rows.map(r => [r.id, r]));
		expect(byId.get('kubelet:node1')!.machines).toEqual(['node1']);
		expect(byId.get('apiserver')!.machines).toEqual(['master1', 'master2']);
		expect(byId.get('kube-proxy')!.machines).toEqual(['node1', 'node2']);
		expect(byId.get('ca')!.machines).toEqual(['master1', 'master2', 'node1', 'node2']);
		expect(byId.get('admin')!.signedBy).toBe(path.join(soon, 'ca.pem'));
		expect(byId.get('ca')!.signedBy).toBe('itself');
		// admin.pem is also embedded in admin.kubeconfig and copied to the masters' bundles.
		expect(byId.get('admin')!.copies).toContain(`${path.join(soon, 'admin.kubeconfig')} (users[admin].client-certificate-data)`);
	});

	it('shows the service-account pair but does not count it, and says why', async () => {
		const report = expiryReport(await loadPaths([soon]), now, 30 * 24 * 3600);
		expect(report.rows.some(r => r.role === 'service-account')).toBe(false);
		expect(report.ignored).toEqual([{path: path.join(soon, 'service-account.pem'), id: 'service-account', notAfter: expect.any(String), reason: serviceAccountNote}]);
		expect(expiryText(report)).toContain('service-account.pem: ends');
	});

	it('is quiet (no attention) with a window shorter than what is left', async () => {
		const report = expiryReport(await loadPaths([soon]), now, 3 * 24 * 3600);
		expect(report.attention).toBe(false);
		expect(report.rows.every(r => r.state === 'ok')).toBe(true);
	});

	it('says expired, with how long ago, and not yet valid', async () => {
		const later = new Date(now.getTime() + 40 * day);
		const expired = expiryReport(await loadPaths([soon]), later, 30 * 24 * 3600);
		expect(expired.rows.find(r => r.id === 'apiserver')).toMatchObject({state: 'expired', residual: 'expired 35d ago'});
		expect(expired.rows.find(r => r.id === 'apiserver')!.secondsLeft).toBeLessThan(0);
		const before = expiryReport(await loadPaths([soon]), new Date(now.getTime() - 400 * day), 30 * 24 * 3600);
		expect(before.rows.find(r => r.id === 'apiserver')).toMatchObject({state: 'not-yet-valid', residual: 'starts in 39d'});
	});

	it('keeps RFC 3339 notAfter and secondsLeft in the JSON', async () => {
		const json = expiryJson(expiryReport(await loadPaths([soon]), now, 30 * 24 * 3600)) as {certificates: Array<{notAfter: string; secondsLeft: number}>};
		for (const row of json.certificates) {
			expect(row.notAfter).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
			expect(row.secondsLeft).toBe(Math.floor((Date.parse(row.notAfter) - now.getTime()) / 1000));
		}
	});

	it('skips retired/ and .backup/ in a folder walk, and reads them when named', async () => {
		const copy = path.join(root, 'with-retired');
		cpSync(soon, copy, {recursive: true});
		mkdirSync(path.join(copy, 'retired', '20261101T000000Z'), {recursive: true});
		renameSync(path.join(copy, 'node2.pem'), path.join(copy, 'retired', '20261101T000000Z', 'node2.pem'));
		rmSync(path.join(copy, 'nodes', 'node2'), {recursive: true});
		rmSync(path.join(copy, 'node2.kubeconfig'));
		const walked = expiryReport(await loadPaths([copy]), now, 0);
		expect(walked.rows.some(r => r.id === 'kubelet:node2')).toBe(false);
		const named = expiryReport(await loadPaths([path.join(copy, 'retired')]), now, 0);
		expect(named.rows.map(r => r.subject)).toEqual(['O=system:nodes, CN=system:node:node2']);
	});

	it('infers roles from the file names when the manifest is gone', async () => {
		const bare = path.join(root, 'bare');
		cpSync(soon, bare, {recursive: true});
		rmSync(path.join(bare, 'kubepki-manifest.json'));
		const report = expiryReport(await loadPaths([bare]), now, 30 * 24 * 3600);
		const roles = new Map(report.rows.map(r => [path.basename(r.path), r.role]));
		expect(roles.get('node1.pem')).toBe('kubelet');
		expect(roles.get('kubernetes.pem')).toBe('apiserver');
		expect(report.rows.every(r => r.id === undefined)).toBe(true);
		// nodes/<host>/ still says which machine holds what.
		expect(report.rows.find(r => path.basename(r.path) === 'node2.pem')!.machines).toEqual(['node2']);
	});
});

describe('expiry of the kubeadm layout and of one /etc/kubernetes', () => {
	const root = tempDir();
	let kubeadm: string;
	beforeAll(async () => {
		kubeadm = await folder(path.join(root, 'kubeadm'), new Date(now.getTime() - 10 * day), 'kubeadm');
	});

	it('counts the certificates that exist only inside the .conf kubeconfigs, once each', async () => {
		const report = expiryReport(await loadPaths([kubeadm]), now, 30 * 24 * 3600);
		expect(report.rows.filter(r => r.isCA).map(r => r.id).sort()).toEqual(['ca', 'etcd-ca', 'front-proxy-ca']);
		const kubelet = report.rows.find(r => r.id === 'kubelet:node1')!;
		expect([path.relative(kubeadm, kubelet.path), kubelet.field, kubelet.machines]).toEqual(['node1/kubelet.conf', 'users[system:node:node1].client-certificate-data', ['node1']]);
		expect(report.rows.filter(r => r.id === 'admin')).toHaveLength(1);
		expect(report.rows.find(r => r.id === 'etcd-server:master2')!.signedBy).toBe(path.join(kubeadm, 'master1', 'pki', 'etcd', 'ca.crt'));
		expect(report.attention).toBe(false);
	});

	it('reads a lone /etc/kubernetes with no manifest', async () => {
		const etc = path.join(root, 'etc-kubernetes');
		cpSync(path.join(kubeadm, 'master2'), etc, {recursive: true});
		const report = expiryReport(await loadPaths([etc]), now, 400 * 24 * 3600);
		const names = report.rows.map(r => `${path.relative(etc, r.path)}${r.field ? ` ${r.field}` : ''}`);
		expect(names.slice(0, 3).sort()).toEqual(['pki/ca.crt', 'pki/etcd/ca.crt', 'pki/front-proxy-ca.crt']);
		expect(names).toContain('kubelet.conf users[system:node:master2].client-certificate-data');
		expect(names).toContain('pki/etcd/peer.crt');
		// 355 days left is inside a 400-day window: every leaf asks for attention, the CAs do not.
		expect(report.rows.filter(r => r.state === 'within').every(r => !r.isCA)).toBe(true);
		expect(report.attention).toBe(true);
	});
});

describe('durations', () => {
	it.each([
		['30d', 30 * 86_400],
		['720h', 720 * 3600],
		['0d', 0],
		['90m', 5400],
	])('reads %s', (text, seconds) => {
		expect(parseDuration(text)).toBe(seconds);
	});

	it.each(['', '30', '-1d', '1y', '3 d x'])('refuses %j', text => {
		expect(parseDuration(text)).toBeUndefined();
	});

	it('prints spans as whole units, rounded down', () => {
		expect([spanText(364.9 * 86_400), spanText(5 * 3600 + 59), spanText(59)]).toEqual(['364d', '5h', '59s']);
	});
});
