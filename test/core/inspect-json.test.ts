import {describe, expect, it} from 'vitest';
import {inspectJson, inspectText} from '../../source/core/inspect.js';
import {lint} from '../../source/core/lint/index.js';
import {buildPlan, specById} from '../../source/core/plan.js';
import {issue} from '../../source/core/pki/issue.js';
import {generateKeyPair} from '../../source/core/pki/keys.js';
import {parseBytes} from '../../source/core/pki/load.js';
import {exampleTopology} from '../../source/core/topology.js';

describe('inspect --json and the text report', async () => {
	const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
	const caKeys = await generateKeyPair('ecdsa-p256');
	const otherKeys = await generateKeyPair('ecdsa-p256');
	const ca = await issue(specById(plan, 'ca'), caKeys, undefined);
	const stranger = await issue(specById(plan, 'ca'), otherKeys, undefined);
	// admin.pem: 240 hours from a whole second (X.509 dates have no milliseconds); inspected 40 hours later.
	const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
	const admin = await issue({...specById(plan, 'admin'), validityHours: 240}, caKeys, {certPem: ca.certPem, keys: caKeys}, issuedAt);
	const orphan = await issue(specById(plan, 'kube-proxy'), caKeys, {certPem: stranger.certPem, keys: otherKeys});
	const file = (name: string, text: string) => parseBytes(`pki/${name}`, Buffer.from(text));
	const items = [...file('ca.pem', ca.certPem), ...file('nodes/m1/ca.pem', ca.certPem), ...file('admin.pem', admin.certPem), ...file('kube-proxy.pem', orphan.certPem)];
	const findings = lint({items, manifests: []});
	const now = new Date(issuedAt.getTime() + 40 * 3600 * 1000);
	const json = inspectJson({loaded: {items, manifests: []}, findings}, now);
	const byPath = (p: string) => json.items.find(item => item.path === p)!;

	it('signedBy is the path of the signer, itself, or null when no certificate read verifies it', () => {
		expect(byPath('pki/admin.pem').signedBy).toMatch(/^pki\/(nodes\/m1\/)?ca\.pem$/);
		expect(byPath('pki/ca.pem').signedBy).toBe('itself');
		expect(byPath('pki/kube-proxy.pem').signedBy).toBeNull();
	});

	it('copies names the other places of the same certificate; secondsLeft agrees with notAfter', () => {
		expect(byPath('pki/ca.pem').copies).toEqual(['pki/nodes/m1/ca.pem']);
		expect(byPath('pki/admin.pem').copies).toEqual([]);
		const admin = byPath('pki/admin.pem');
		expect(admin.secondsLeft).toBe(Math.floor((Date.parse(admin.notAfter as string) - now.getTime()) / 1000));
		expect(admin.secondsLeft).toBe(200 * 3600);
	});

	it('each finding names the item it is about', () => {
		const unknown = json.findings.find(f => f.rule === 'unknown-authority')!;
		expect(unknown).toMatchObject({path: 'pki/kube-proxy.pem', item: {source: 'pem'}});
	});

	it('the text report opens with the expiry table, soonest end first, before the details', () => {
		const text = inspectText({loaded: {items, manifests: []}, findings}, '/', now);
		const [table] = text.split('\n\n');
		expect(table!.split('\n')[0]).toMatch(/CERTIFICATE +ROLE/);
		const leaves = table!.split('\n').filter(line => /admin\.pem|kube-proxy\.pem/.test(line));
		expect(leaves[0]).toContain('admin.pem');
		expect(text.indexOf('pki/admin.pem  certificate (pem)')).toBeGreaterThan(text.indexOf('certificate(s):'));
	});
});
