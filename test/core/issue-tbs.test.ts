// kubepki puts each certificate together itself (source/core/pki/issue.ts) instead of through @peculiar/x509's
// X509CertificateGenerator.create. These tests hold it to the library: for the same serial, dates, names, key and
// extensions (built here from x509's own classes, the key identifiers computed by x509 from the keys), the
// generator's TBSCertificate must be the very bytes kubepki signed; RSA PKCS#1 v1.5 signatures are deterministic,
// so there the whole certificate must be the same, PEM text included.
import {X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {buildPlan, type CertSpec} from '../../source/core/plan.js';
import {children, readTlv, whole} from '../../source/core/pki/der.js';
import {issue, issueAll, type Issued} from '../../source/core/pki/issue.js';
import {generateKeyPair, type KeyPair} from '../../source/core/pki/keys.js';
import {x509} from '../../source/core/pki/x509.js';
import {exampleTopology} from '../../source/core/topology.js';
import {ipv6Topology} from '../helpers/ipv6-cluster.js';

const backdateMs = 5 * 60 * 1000;

function tbsOf(pem: string): Buffer {
	const der = new X509Certificate(pem).raw;
	return Buffer.from(whole(children(readTlv(der, 0))[0]!));
}

/** What X509CertificateGenerator.create makes of the same certificate, from the spec and what kubepki issued. */
async function generatorCertificate(item: Issued, signer: Issued | undefined, now: Date): Promise<string> {
	const ours = new X509Certificate(item.certPem);
	const spec: CertSpec = item.spec;
	const signing: KeyPair = signer ? signer.keys : item.keys;
	const isSelf = !signer;
	const KeyUsage = x509.KeyUsageFlags;
	let usage = KeyUsage.digitalSignature;
	if (item.keys.algorithm !== 'ecdsa-p256') usage |= KeyUsage.keyEncipherment;
	if (spec.isCA || isSelf) usage = KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature;
	const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(spec.isCA || isSelf, undefined, true), new x509.KeyUsagesExtension(usage, true)];
	if (!isSelf) {
		if (spec.extKeyUsages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(spec.extKeyUsages.map(u => x509.ExtendedKeyUsage[u])));
		if (spec.sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(spec.sans.map(san => ({type: san.type, value: san.value}))));
	}

	extensions.push(await x509.SubjectKeyIdentifierExtension.create(item.keys.publicKey, false, globalThis.crypto));
	if (!isSelf) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey, false, globalThis.crypto));
	const issuerName = isSelf ? [...spec.organizations.map(o => ({O: [o]})), {CN: [spec.commonName]}] : new x509.X509Certificate(signer.certPem).subjectName.toJSON();
	const signerNotAfter = signer ? new x509.X509Certificate(signer.certPem).notAfter : undefined;
	let notAfter = new Date(now.getTime() + spec.validityHours * 3600 * 1000);
	if (signerNotAfter && notAfter > signerNotAfter) notAfter = signerNotAfter;
	const certificate = await x509.X509CertificateGenerator.create(
		{
			serialNumber: ours.serialNumber,
			subject: [...spec.organizations.map(o => ({O: [o]})), {CN: [spec.commonName]}],
			issuer: issuerName,
			publicKey: item.keys.publicKey,
			signingKey: signing.privateKey,
			notBefore: new Date(now.getTime() - backdateMs),
			notAfter,
			signingAlgorithm: signing.algorithm === 'ecdsa-p256' ? {name: 'ECDSA', hash: 'SHA-256'} : {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'},
			extensions,
		},
		globalThis.crypto,
	);
	return certificate.toString('pem') + '\n';
}

const ipv6 = ipv6Topology;

describe.each([
	['rsa-2048', 'the hard way', buildPlan({...exampleTopology(), algorithm: 'rsa-2048'})],
	['ecdsa-p256', 'the hard way', buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'})],
	['ecdsa-p256', 'kubeadm (three CAs)', buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'}, {layout: 'kubeadm'})],
	['ecdsa-p256', 'an IPv6 cluster', buildPlan(ipv6)],
] as const)('issuing with %s, %s, against X509CertificateGenerator', (algorithm, _layout, plan) => {
	const now = new Date('2026-03-04T05:06:07.891Z');
	const ready = issueAll(plan.certs, {now});

	it('signs the TBSCertificate the generator builds, for the CA and every leaf of a plan', async () => {
		const all = await ready;
		expect(all.filter(item => item.spec.signer === 'self').length).toBeGreaterThan(0);
		if (_layout === 'an IPv6 cluster') expect(all.some(item => item.spec.sans.some(san => san.value.includes(':')))).toBe(true);
		for (const item of all) {
			const signer = item.spec.signer === 'self' ? undefined : all.find(other => other.spec.id === item.spec.signer);
			const theirs = await generatorCertificate(item, signer, now);
			expect(tbsOf(item.certPem).toString('hex'), item.spec.id).toBe(tbsOf(theirs).toString('hex'));
			// The signature verifies with the signer's key (openssl checks the same in the interop tests).
			const signerCert = new X509Certificate((signer ?? item).certPem);
			expect(new X509Certificate(item.certPem).verify(signerCert.publicKey), item.spec.id).toBe(true);
			if (algorithm === 'rsa-2048') expect(item.certPem, item.spec.id).toBe(theirs);
		}
	});

	it('encodes times after 2049 as GeneralizedTime and names that are not PrintableString as UTF8String, as the generator does', async () => {
		const late = new Date('2045-06-07T08:09:10.500Z');
		const [caSpec, leafSpec] = plan.certs;
		const caItem = await issue({...caSpec!, commonName: 'Kubernetes_CA ü'}, await generateKeyPair(algorithm), undefined, late);
		const leafItem = await issue({...leafSpec!, commonName: 'nœud_1', organizations: ['a+b, c']}, await generateKeyPair(algorithm), caItem, late);
		expect(new X509Certificate(caItem.certPem).validTo).toMatch(/2055/);
		for (const [item, signer] of [
			[caItem, undefined],
			[leafItem, caItem],
		] as const) {
			const theirs = await generatorCertificate(item, signer, late);
			expect(tbsOf(item.certPem).toString('hex'), item.spec.id).toBe(tbsOf(theirs).toString('hex'));
		}

		// GeneralizedTime (0x18) for the notAfter in 2055, UTCTime (0x17) for the notBefore in 2045.
		const validity = children(children(readTlv(tbsOf(caItem.certPem), 0))[4]!);
		expect(validity.map(time => time.tag)).toEqual([0x17, 0x18]);
	});
});
