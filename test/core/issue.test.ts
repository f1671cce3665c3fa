import {createHash, createPrivateKey, X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {buildPlan} from '../../source/core/plan.js';
import {certInfo} from '../../source/core/pki/cert-info.js';
import {issue, issueAll} from '../../source/core/pki/issue.js';
import {generateKeyPair, importPrivateKeyPem} from '../../source/core/pki/keys.js';
import {algorithms, exampleTopology} from '../../source/core/topology.js';

describe.each(algorithms.filter(a => a !== 'rsa-4096'))('issuing with %s', algorithm => {
	const plan = buildPlan({...exampleTopology(), algorithm});
	const ready = issueAll(plan.certs, {now: new Date('2026-01-01T00:00:00Z')});

	it('makes a CA that is critical CA:TRUE with keyCertSign and cRLSign, self-signed', async () => {
		const [ca] = await ready;
		const cert = new X509Certificate(ca!.certPem);
		const info = certInfo(ca!.certPem);
		expect(cert.ca).toBe(true);
		expect(cert.verify(cert.publicKey)).toBe(true);
		expect(info.keyUsage).toEqual(expect.arrayContaining(['keyCertSign', 'cRLSign']));
		expect(info.subjectKeyId).toMatch(/^[\da-f]{40}$/);
		expect(info.signatureAlgorithm).toBe(algorithm === 'ecdsa-p256' ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption');
		expect(new Date(info.notAfter).getTime() - new Date(info.notBefore).getTime()).toBe((87_600 * 3600 + 300) * 1000);
	});

	it('signs each leaf with the CA: AKI = CA SKI, CA:FALSE, the planned usages and SANs, a key that matches', async () => {
		const all = await ready;
		const ca = all[0]!;
		const caCert = new X509Certificate(ca.certPem);
		const caInfo = certInfo(ca.certPem);
		for (const item of all.slice(1)) {
			const cert = new X509Certificate(item.certPem);
			const info = certInfo(item.certPem);
			expect(cert.checkIssued(caCert), item.spec.id).toBe(true);
			expect(cert.verify(caCert.publicKey), item.spec.id).toBe(true);
			expect(cert.checkPrivateKey(createPrivateKey(item.keyPem)), item.spec.id).toBe(true);
			expect(cert.ca).toBe(false);
			expect(info.authorityKeyId).toBe(caInfo.subjectKeyId);
			expect(info.commonName).toBe(item.spec.commonName);
			expect(info.organizations).toEqual(item.spec.organizations);
			expect(info.extKeyUsage.sort()).toEqual([...item.spec.extKeyUsages].sort());
			expect(info.keyUsage).toEqual(algorithm === 'ecdsa-p256' ? ['digitalSignature'] : ['digitalSignature', 'keyEncipherment']);
			for (const san of item.spec.sans) {
				if (san.type === 'ip') expect(cert.checkIP(san.value), san.value).toBe(san.value);
				else expect(cert.checkHost(san.value), san.value).toBe(san.value);
			}
		}
	});

	it('gives every certificate the key identifier openssl computes: SHA-1 of its public key bits (RFC 5280 method 1)', async () => {
		for (const item of await ready) {
			const publicKey = new X509Certificate(item.certPem).publicKey;
			// The subjectPublicKey BIT STRING's contents: the EC point (the last 65 bytes of a P-256 SPKI), or the PKCS#1 key.
			const bits = algorithm === 'ecdsa-p256' ? publicKey.export({type: 'spki', format: 'der'}).subarray(-65) : publicKey.export({type: 'pkcs1', format: 'der'});
			expect(certInfo(item.certPem).subjectKeyId, item.spec.id).toBe(createHash('sha1').update(bits).digest('hex'));
		}
	});

	it('uses random positive serials of at least 64 bits, all different', async () => {
		const serials = (await ready).map(item => certInfo(item.certPem).serial);
		expect(new Set(serials).size).toBe(serials.length);
		for (const serial of serials) {
			expect(serial.length).toBeGreaterThanOrEqual(16);
			expect(Number.parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
		}
	});

	it('writes keys as PKCS#1 or SEC1 PEM that read back into a key that signs', async () => {
		const item = (await ready)[1]!;
		expect(item.keyPem).toMatch(algorithm === 'ecdsa-p256' ? /^-----BEGIN EC PRIVATE KEY-----/ : /^-----BEGIN RSA PRIVATE KEY-----/);
		const back = await importPrivateKeyPem(item.keyPem);
		expect(back.algorithm).toBe(algorithm);
		const data = new TextEncoder().encode('kubepki');
		const params = algorithm === 'ecdsa-p256' ? {name: 'ECDSA', hash: 'SHA-256'} : {name: 'RSASSA-PKCS1-v1_5'};
		const signature = await crypto.subtle.sign(params, back.privateKey, data);
		expect(await crypto.subtle.verify(params, item.keys.publicKey, signature, data)).toBe(true);
	});
});

describe('validity', () => {
	it('never lets a leaf outlive the CA that signs it', async () => {
		const topology = {...exampleTopology(), algorithm: 'ecdsa-p256' as const, validity: {ca: 100, leaf: 100}};
		const [ca, spec] = buildPlan(topology).certs;
		const caIssued = await issue(ca!, await generateKeyPair('ecdsa-p256'), undefined, new Date('2026-01-01T00:00:00Z'));
		// Issued an hour later than the CA, with the same lifetime: it must be cut to the CA's end.
		const leaf = await issue(spec!, await generateKeyPair('ecdsa-p256'), caIssued, new Date('2026-01-01T01:00:00Z'));
		expect(certInfo(leaf.certPem).notAfter).toBe(certInfo(caIssued.certPem).notAfter);
	});
});

describe('keeping the screen alive', () => {
	it('generates RSA keys off the event loop: the loop keeps turning until the first key arrives', async () => {
		// Counted in turns of the event loop, not in milliseconds: a provider that makes keys on the main thread
		// (as @peculiar/webcrypto did) hands them over before the loop turns once; Node's webcrypto makes them on the
		// thread pool while the loop spins (an RSA-2048 key takes thousands of turns).
		let turns = 0;
		let done = false;
		const spin = () => {
			if (done) return;
			turns++;
			setImmediate(spin);
		};

		setImmediate(spin);
		await Promise.race(Array.from({length: 4}, async () => generateKeyPair('rsa-2048')));
		done = true;
		expect(turns).toBeGreaterThan(10);
	});
});
