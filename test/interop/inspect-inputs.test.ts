// More inputs, through the real CLI: `-` reads standard input; Kubernetes Secrets and ConfigMaps as kubectl prints
// them (YAML or JSON, several documents, a List) are read like a folder of files, key by key.
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml, stringify as stringifyYaml} from 'yaml';
import {hasTool, kubepki, run, tempDir} from '../helpers/tools.js';

const ready = hasTool('openssl') && hasTool('kubectl');
const root = tempDir('kubepki-inputs-');
const pki = (name: string) => path.join(root, 'pki', name);

type Json = {items: Array<{path: string; kind: string; source: string; fingerprintSha256?: string; signedBy?: string | null; error?: string}>; findings: Array<{path: string; rule: string; severity: string}>};

function inspectJson(args: string[], input?: string): {status: number | null; json: Json; stdout: string} {
	const result = kubepki(['inspect', '--json', ...args], {cwd: root, ...(input === undefined ? {} : {input})});
	expect(result.stderr).toBe('');
	return {status: result.status, json: JSON.parse(result.stdout) as Json, stdout: result.stdout};
}

const fingerprint = (file: string) => run('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256']).split('=')[1]!.trim();
/** kubectl's own rendering of an object (client-side only: no cluster is contacted). */
const kubectl = (...args: string[]) => run('kubectl', [...args, '--dry-run=client'], {cwd: root});

describe.skipIf(!ready)('Secrets, ConfigMaps and standard input', () => {
	let secretYaml: string;
	let configMapYaml: string;
	beforeAll(() => {
		const result = kubepki(['generate', '--out', pki(''), '--algorithm', 'ecdsa-p256', '--quiet']);
		if (result.status !== 0) throw new Error(result.stderr);
		secretYaml = kubectl('create', 'secret', 'tls', 'apiserver-tls', `--cert=${pki('kubernetes.pem')}`, `--key=${pki('kubernetes-key.pem')}`, '-o', 'yaml');
		configMapYaml = kubectl('create', 'configmap', 'root-ca', `--from-file=ca.crt=${pki('ca.pem')}`, '-o', 'yaml');
	});

	it('kubectl create secret tls … -o yaml | kubepki inspect -: tls.crt is the certificate openssl sees, tls.key its key; no key material printed', () => {
		const {status, json, stdout} = inspectJson(['-'], secretYaml);
		expect(status).toBe(0);
		const cert = json.items.find(item => item.path === '-#secret/apiserver-tls/tls.crt')!;
		expect(cert.kind).toBe('certificate');
		expect(cert.fingerprintSha256).toBe(fingerprint(pki('kubernetes.pem')));
		expect(json.items.find(item => item.path === '-#secret/apiserver-tls/tls.key')?.kind).toBe('private-key');
		const keyBody = readFileSync(pki('kubernetes-key.pem'), 'utf8').split('\n')[1]!;
		const keyBase64 = (parseYaml(secretYaml) as {data: Record<string, string>}).data['tls.key']!;
		expect(stdout).not.toContain(keyBody);
		expect(stdout).not.toContain(keyBase64);
		// The text report names the key as part of the certificate's row, as a key file next to its certificate.
		const text = kubepki(['inspect', '-'], {cwd: root, input: secretYaml});
		expect(text.status).toBe(0);
		expect(text.stdout).toContain('-#secret/apiserver-tls/tls.crt  certificate (pem)');
	});

	it('several YAML documents (a Secret and a ConfigMap with ca.crt) in a file: the chain between them is checked', () => {
		const file = path.join(root, 'objects.yaml');
		writeFileSync(file, `${secretYaml}---\n${configMapYaml}`);
		const {status, json} = inspectJson([file]);
		expect(status).toBe(0);
		const ca = json.items.find(item => item.path === `${file}#configmap/root-ca/ca.crt`)!;
		expect(ca.fingerprintSha256).toBe(fingerprint(pki('ca.pem')));
		expect(json.items.find(item => item.path === `${file}#secret/apiserver-tls/tls.crt`)!.signedBy).toBe(`${file}#configmap/root-ca/ca.crt`);
	});

	it('a JSON List of objects (kubectl -o json), read from standard input', () => {
		const secret = JSON.parse(kubectl('create', 'secret', 'tls', 'admin-tls', `--cert=${pki('admin.pem')}`, `--key=${pki('admin-key.pem')}`, '-o', 'json')) as unknown;
		const configMap = JSON.parse(kubectl('create', 'configmap', 'root-ca', `--from-file=ca.crt=${pki('ca.pem')}`, '-o', 'json')) as unknown;
		const list = JSON.stringify({apiVersion: 'v1', kind: 'List', items: [secret, configMap]}, null, 2);
		const {status, json} = inspectJson(['-'], list);
		expect(status).toBe(0);
		expect(json.items.find(item => item.path === '-#secret/admin-tls/tls.crt')!.fingerprintSha256).toBe(fingerprint(pki('admin.pem')));
		expect(json.items.find(item => item.path === '-#secret/admin-tls/tls.crt')!.signedBy).toBe('-#configmap/root-ca/ca.crt');
	});

	it('a Secret whose tls.key is not the certificate\'s key: key-mismatch, exit 1', () => {
		const secret = parseYaml(secretYaml) as {data: Record<string, string>};
		secret.data['tls.key'] = readFileSync(pki('admin-key.pem')).toString('base64');
		const {status, json} = inspectJson(['-'], stringifyYaml(secret));
		expect(status).toBe(1);
		expect(json.findings.map(finding => finding.rule)).toContain('key-mismatch');
	});

	it('a Secret without certificates (a password): one row saying so; broken base64 in data: an error', () => {
		const generic = kubectl('create', 'secret', 'generic', 'db', '--from-literal=password=hunter2', '-o', 'yaml');
		const plain = inspectJson(['-'], generic);
		expect(plain.status).toBe(0);
		expect(plain.json.items).toEqual([expect.objectContaining({path: '-', kind: 'unreadable', error: 'a Secret or ConfigMap with no certificate or key'})]);
		expect(plain.stdout).not.toContain('hunter2');
		const broken = parseYaml(secretYaml) as {data: Record<string, string>};
		broken.data['tls.crt'] = '%%% not base64 %%%';
		const bad = inspectJson(['-'], stringifyYaml(broken));
		expect(bad.status).toBe(1);
		expect(bad.json.findings.find(finding => finding.rule === 'unreadable')?.path).toBe('-#secret/apiserver-tls/tls.crt');
	});

	it('- together with files: both read, one report', () => {
		const {json} = inspectJson(['-', pki('ca.pem')], secretYaml);
		expect(json.items.find(item => item.path === '-#secret/apiserver-tls/tls.crt')!.signedBy).toBe(pki('ca.pem'));
	});
});
