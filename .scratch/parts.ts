import {x509} from '../source/core/pki/x509.js';
import {generateKeyPairHere, privateKeyToPem} from '../source/core/pki/keys.js';
import {KeyObject} from 'node:crypto';
const k = await generateKeyPairHere('ecdsa-p256');
const N = 300;
function time(label: string, f: () => unknown) { f(); const t = performance.now(); for (let i = 0; i < N; i++) f(); console.log(label.padEnd(30), ((performance.now() - t) / N).toFixed(3), 'ms'); }
async function atime(label: string, f: () => Promise<unknown>) { await f(); const t = performance.now(); for (let i = 0; i < N; i++) await f(); console.log(label.padEnd(30), ((performance.now() - t) / N).toFixed(3), 'ms'); }
time('BasicConstraints', () => new x509.BasicConstraintsExtension(false, undefined, true));
time('KeyUsages', () => new x509.KeyUsagesExtension(1, true));
time('EKU', () => new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]));
time('SAN 3', () => new x509.SubjectAlternativeNameExtension([{type: 'dns', value: 'node1'}, {type: 'ip', value: '10.0.0.1'}, {type: 'dns', value: 'kubernetes.default.svc.cluster.local'}]));
time('SKI', () => new x509.SubjectKeyIdentifierExtension('0123456789abcdef0123456789abcdef01234567'));
time('Name', () => new x509.Name([{O: ['system:nodes']}, {CN: ['system:node:node1']}]).toArrayBuffer());
time('privateKeyToPem', () => privateKeyToPem(k));
time('KeyObject.from', () => KeyObject.from(k.privateKey));
const ca = await x509.X509CertificateGenerator.createSelfSigned({serialNumber: '01', name: 'CN=ca', keys: k, signingAlgorithm: {name: 'ECDSA', hash: 'SHA-256'}, extensions: [new x509.BasicConstraintsExtension(true, undefined, true)]});
const raw = ca.rawData;
time('parse cert', () => new x509.X509Certificate(raw));
time('toString pem', () => ca.toString('pem'));
const exts = [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(1, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]), new x509.SubjectAlternativeNameExtension([{type: 'dns', value: 'node1'}, {type: 'ip', value: '10.0.0.1'}]), new x509.SubjectKeyIdentifierExtension('0123456789abcdef0123456789abcdef01234567'), new x509.AuthorityKeyIdentifierExtension('0123456789abcdef0123456789abcdef01234567', false)];
const spki = KeyObject.from(k.publicKey).export({type: 'spki', format: 'der'});
await atime('create (exts prebuilt)', () => x509.X509CertificateGenerator.create({serialNumber: '0102', subject: [{CN: ['a']}], issuer: ca.subjectName.toJSON(), publicKey: spki, signingKey: k.privateKey, signingAlgorithm: {name: 'ECDSA', hash: 'SHA-256'}, extensions: exts}));
