import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {cfsslCaConfig, cfsslCsr, days, opensslExtensions, shellWord} from '../../source/core/by-hand.js';
import {buildPlan, specById} from '../../source/core/plan.js';
import {buildScript} from '../../source/core/script.js';
import {exampleCluster, exampleTopology, validateTopology, type Topology} from '../../source/core/topology.js';

function topology(raw: unknown): Topology {
	const result = validateTopology(raw);
	if (!result.ok) throw new Error(JSON.stringify(result.problems));
	return result.topology;
}

const dualStack = topology({
	...exampleCluster,
	cluster: 'v6',
	masters: [{name: 'm1', ip: 'fd00::11'}],
	workers: [{name: 'w1', ip: 'fd00::21'}],
	loadBalancer: {name: 'lb', ip: 'fd00::10'},
	validity: {ca: 1000, leaf: 25},
});

describe('kubepki script text', () => {
	it.each(['cfssl', 'openssl'] as const)('the %s script is valid bash (bash -n)', flavor => {
		for (const t of [exampleTopology(), dualStack]) {
			const r = spawnSync('bash', ['-n'], {input: buildScript(buildPlan(t), {flavor}), encoding: 'utf8'});
			expect(r.status, r.stderr).toBe(0);
		}
	});

	it.each(['cfssl', 'openssl'] as const)('the %s script for kubeadm\'s layout is valid bash (bash -n)', flavor => {
		for (const t of [exampleTopology(), dualStack]) {
			const r = spawnSync('bash', ['-n'], {input: buildScript(buildPlan(t, {layout: 'kubeadm'}), {flavor}), encoding: 'utf8'});
			expect(r.status, r.stderr).toBe(0);
		}
	});

	it('gives every openssl signature a random serial, never a .srl counter', () => {
		for (const layout of ['hardway', 'kubeadm'] as const) {
			const plan = buildPlan(exampleTopology(), {layout});
			const text = buildScript(plan, {flavor: 'openssl'});
			expect(text).not.toContain('CAcreateserial');
			const signatures = text.split('\n').filter(line => line.startsWith('openssl x509 -req'));
			// One per certificate; kubeadm's service account key has none.
			expect(signatures).toHaveLength(plan.certs.filter(spec => !(layout === 'kubeadm' && spec.role === 'service-account')).length);
			for (const line of signatures) expect(line).toContain('-set_serial 0x4$(openssl rand -hex 15)');
		}
	});

	it('stops a kubeadm cfssl script before anything is made when openssl (for sa.key/sa.pub) is missing', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'kubepki-script-tools-'));
		try {
			// A PATH with cfssl, cfssljson and kubectl (dummies are enough: the script stops at the check) and no openssl.
			const bin = path.join(dir, 'bin');
			const out = path.join(dir, 'out');
			for (const folder of [bin, out]) mkdirSync(folder);
			for (const tool of ['cfssl', 'cfssljson', 'kubectl']) symlinkSync('/bin/true', path.join(bin, tool));
			writeFileSync(path.join(dir, 'make.sh'), buildScript(buildPlan(exampleTopology(), {layout: 'kubeadm'}), {flavor: 'cfssl'}));
			const r = spawnSync('/bin/bash', [path.join(dir, 'make.sh')], {cwd: out, env: {PATH: bin}, encoding: 'utf8'});
			expect(r.status).toBe(1);
			expect(r.stderr).toMatch(/^openssl is missing\./);
			expect(readdirSync(out)).toEqual([]);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('rounds hours up to whole days for openssl, so a certificate never ends early', () => {
		expect(days(24)).toBe(1);
		expect(days(25)).toBe(2);
		expect(buildScript(buildPlan(dualStack), {flavor: 'openssl'})).toContain('-days 2 -extfile w1.ext');
	});

	it('quotes what bash would otherwise expand: an IPv6 server URL has brackets', () => {
		expect(shellWord('https://[fd00::10]:6443')).toBe("'https://[fd00::10]:6443'");
		expect(shellWord('system:node:w1')).toBe('system:node:w1');
		expect(buildScript(buildPlan(dualStack), {flavor: 'cfssl'})).toContain("--server='https://[fd00::10]:6443'");
	});

	it('keeps a file name with a newline inside the header comment', () => {
		const text = buildScript(buildPlan(exampleTopology()), {flavor: 'cfssl', source: 'x\nrm -rf ~'});
		expect(text).not.toMatch(/^rm -rf/m);
	});
});

describe('per-certificate snippets follow the plan', () => {
	const plan = buildPlan(exampleTopology());

	it('writes the kubelet extension file with both usages, its name and IP, and the AKI', () => {
		expect(opensslExtensions(specById(plan, 'kubelet:node1'))).toEqual([
			'basicConstraints = critical, CA:FALSE',
			'keyUsage = critical, digitalSignature, keyEncipherment',
			'extendedKeyUsage = serverAuth, clientAuth',
			'subjectAltName = DNS:node1, IP:10.128.15.223',
			'subjectKeyIdentifier = hash',
			'authorityKeyIdentifier = keyid',
		]);
	});

	it('makes the CA a critical CA:TRUE with no AKI', () => {
		const lines = opensslExtensions(specById(plan, 'ca'));
		expect(lines).toContain('basicConstraints = critical, CA:TRUE');
		expect(lines.join('\n')).not.toContain('authorityKeyIdentifier');
	});

	it('gives cfssl a client-only profile without server auth, and ECDSA keys no key encipherment', () => {
		const ecdsa = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
		const config = JSON.parse(cfsslCaConfig(ecdsa));
		expect(config.signing.profiles.client.usages).toEqual(['digital signature', 'client auth']);
		expect(config.signing.profiles['client-server'].usages).toEqual(['digital signature', 'server auth', 'client auth']);
		expect(JSON.parse(cfsslCsr(specById(ecdsa, 'admin')))).toEqual({CN: 'admin', key: {algo: 'ecdsa', size: 256}, names: [{O: 'system:masters'}]});
		expect(JSON.parse(cfsslCsr(specById(plan, 'ca'))).ca).toEqual({expiry: '87600h'});
	});
});
