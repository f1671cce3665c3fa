// Kubeconfigs as people have them, through the real CLI: written by real kubectl without --embed-certs (file
// references, relative to the kubeconfig), three contexts, a token user, an insecure cluster, a missing file.
// kubectl's own `config view --flatten` (which reads the same references) is the reference for what they hold.
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml, stringify as stringifyYaml} from 'yaml';
import {hasTool, kubepki, run, tempDir} from '../helpers/tools.js';

const haveKubectl = hasTool('kubectl');
const root = tempDir('kubepki-kubeconfig-');
const pki = path.join(root, 'pki');
const other = path.join(root, 'other');

type Json = {
	items: Array<{path: string; kind: string; source: string; referenced?: string; fingerprintSha256?: string; publicKey?: unknown; clusters?: unknown[]; users?: unknown[]; contexts?: unknown[]; error?: string}>;
	findings: Array<{path: string; rule: string; severity: string; message: string; item?: {source: string}}>;
};

function inspectJson(args: string[], cwd = root): {status: number | null; json: Json} {
	const result = kubepki(['inspect', '--json', ...args], {cwd});
	expect(result.stderr).toBe('');
	return {status: result.status, json: JSON.parse(result.stdout) as Json};
}

/** kubectl config, on its own kubeconfig file (never the user's). */
function kubectlConfig(kubeconfig: string, ...args: string[]): string {
	return run('kubectl', ['config', '--kubeconfig', kubeconfig, ...args], {cwd: path.dirname(kubeconfig)});
}

beforeAll(() => {
	for (const out of [pki, other]) {
		const result = kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--quiet']);
		if (result.status !== 0) throw new Error(result.stderr);
	}
});

describe.skipIf(!haveKubectl)('a kubeconfig kubectl wrote with file references and three contexts', () => {
	const dir = path.join(root, 'home', '.kube');
	const config = path.join(dir, 'config');
	beforeAll(() => {
		mkdirSync(dir, {recursive: true});
		// Relative to the kubeconfig's folder, as kubectl resolves them: ../../pki/… from home/.kube/.
		const ref = (file: string) => path.relative(dir, path.join(pki, file));
		kubectlConfig(config, 'set-cluster', 'hard-way', '--server=https://127.0.0.1:6443', `--certificate-authority=${ref('ca.pem')}`);
		kubectlConfig(config, 'set-cluster', 'lab', '--server=https://10.0.0.9:6443', '--insecure-skip-tls-verify=true');
		kubectlConfig(config, 'set-credentials', 'admin', `--client-certificate=${ref('admin.pem')}`, `--client-key=${ref('admin-key.pem')}`);
		kubectlConfig(config, 'set-credentials', 'node1', `--client-certificate=${ref('node1.pem')}`, `--client-key=${ref('node1-key.pem')}`);
		kubectlConfig(config, 'set-credentials', 'robot', '--token=not-a-real-token');
		kubectlConfig(config, 'set-context', 'admin@hard-way', '--cluster=hard-way', '--user=admin');
		kubectlConfig(config, 'set-context', 'node1@hard-way', '--cluster=hard-way', '--user=node1');
		kubectlConfig(config, 'set-context', 'robot@lab', '--cluster=lab', '--user=robot');
		kubectlConfig(config, 'use-context', 'admin@hard-way');
	});

	// kubectl writes the paths absolute; a person's hand-written ~/.kube/config often has them relative.
	const relative = path.join(dir, 'relative');
	beforeAll(() => {
		const written = parseYaml(kubectlConfig(config, 'view', '--raw')) as {clusters: Array<{cluster: Record<string, unknown>}>; users: Array<{user: Record<string, unknown>}>};
		const rel = (value: unknown) => (typeof value === 'string' && path.isAbsolute(value) ? path.relative(dir, value) : value);
		for (const cluster of written.clusters) if (cluster.cluster['certificate-authority']) cluster.cluster['certificate-authority'] = rel(cluster.cluster['certificate-authority']);
		for (const user of written.users) for (const field of ['client-certificate', 'client-key']) if (user.user[field]) user.user[field] = rel(user.user[field]);
		writeFileSync(relative, stringifyYaml(written));
	});

	it.each(['config', 'relative'])('%s: reads every referenced file, relative to the kubeconfig: the same certificates kubectl config view --flatten embeds', name => {
		const file = name === 'config' ? config : relative;
		// From another folder: references are taken from the kubeconfig's folder, not from where inspect runs.
		const {json} = inspectJson([file], path.join(root, 'home'));
		const flat = parseYaml(kubectlConfig(file, 'view', '--raw', '--flatten')) as {
			clusters: Array<{name: string; cluster: Record<string, string>}>;
			users: Array<{name: string; user: Record<string, string>}>;
		};
		const fingerprint = (base64: string) => {
			const file = path.join(root, `flat-${Math.random().toString(36).slice(2)}.pem`);
			writeFileSync(file, Buffer.from(base64, 'base64'));
			return run('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256']).split('=')[1]!.trim();
		};

		const hardWay = flat.clusters.find(c => c.name === 'hard-way')!;
		const ca = json.items.find(item => item.source === 'kubeconfig:clusters[hard-way].certificate-authority')!;
		expect(ca.fingerprintSha256).toBe(fingerprint(hardWay.cluster['certificate-authority-data']!));
		expect(path.resolve(ca.referenced!)).toBe(path.join(pki, 'ca.pem'));
		for (const user of ['admin', 'node1']) {
			const cert = json.items.find(item => item.source === `kubeconfig:users[${user}].client-certificate`)!;
			expect(cert.fingerprintSha256, user).toBe(fingerprint(flat.users.find(u => u.name === user)!.user['client-certificate-data']!));
			expect(json.items.find(item => item.source === `kubeconfig:users[${user}].client-key`)?.kind, user).toBe('private-key');
		}

		// Every context, cluster and user, not only the current one.
		const outline = json.items.find(item => item.kind === 'kubeconfig')!;
		expect(outline.contexts).toHaveLength(3);
		const written = (parseYaml(kubectlConfig(file, 'view', '--raw')) as {clusters: Array<{name: string; cluster: Record<string, string>}>}).clusters.find(c => c.name === 'hard-way')!;
		expect(outline.clusters).toEqual([
			{name: 'hard-way', server: 'https://127.0.0.1:6443', certificateAuthority: written.cluster['certificate-authority']},
			{name: 'lab', server: 'https://10.0.0.9:6443', insecureSkipTlsVerify: true},
		]);
		// No private key material in the output, even though the key files were read.
		const keyBody = run('sed', ['-n', '2p', path.join(pki, 'admin-key.pem')]).trim();
		expect(JSON.stringify(json)).not.toContain(keyBody);
	});

	it('names insecure-skip-tls-verify as a warning and the token user as info; the referenced certificates check clean (exit 0)', () => {
		const {status, json} = inspectJson([config]);
		const auth = json.findings.filter(finding => finding.rule === 'kubeconfig-auth');
		expect(auth.map(finding => finding.severity).sort()).toEqual(['info', 'warning']);
		expect(auth.find(finding => finding.severity === 'warning')!.message).toMatch(/^clusters\[lab\] has insecure-skip-tls-verify: true: kubectl does not check the API server's certificate/);
		expect(auth.find(finding => finding.severity === 'info')!.message).toMatch(/^users\[robot\] logs in with a bearer token/);
		expect(json.findings.filter(finding => finding.severity === 'error')).toEqual([]);
		expect(status).toBe(0);
	});

	it('a referenced file that is missing is an error naming the field and the file; a referenced key that does not match, another', () => {
		const broken = path.join(dir, 'broken');
		const ref = (file: string) => path.relative(dir, path.join(pki, file));
		kubectlConfig(broken, 'set-cluster', 'hard-way', '--server=https://127.0.0.1:6443', `--certificate-authority=${ref('ca.pem')}`);
		kubectlConfig(broken, 'set-credentials', 'gone', '--client-certificate=no-such.pem', `--client-key=${ref('admin-key.pem')}`);
		kubectlConfig(broken, 'set-credentials', 'admin', `--client-certificate=${ref('admin.pem')}`, `--client-key=${ref('node1-key.pem')}`);
		kubectlConfig(broken, 'set-context', 'x', '--cluster=hard-way', '--user=admin');
		kubectlConfig(broken, 'set-context', 'y', '--cluster=hard-way', '--user=gone');
		kubectlConfig(broken, 'use-context', 'x');
		const {status, json} = inspectJson([broken]);
		expect(status).toBe(1);
		const missing = json.findings.find(finding => finding.rule === 'unreadable')!;
		expect(missing.item).toEqual({source: 'kubeconfig:users[gone].client-certificate'});
		expect(missing.message).toMatch(/^users\[gone\]\.client-certificate: no-such\.pem: no such file/);
		const mismatch = json.findings.find(finding => finding.rule === 'key-mismatch')!;
		expect(mismatch.item).toEqual({source: 'kubeconfig:users[admin].client-key'});
	});

	it('a referenced CA of another cluster: the CA did not sign the user certificate (kubeconfig-ca-mismatch)', () => {
		const mixed = path.join(dir, 'mixed');
		kubectlConfig(mixed, 'set-cluster', 'hard-way', '--server=https://127.0.0.1:6443', `--certificate-authority=${path.relative(dir, path.join(other, 'ca.pem'))}`);
		kubectlConfig(mixed, 'set-credentials', 'admin', `--client-certificate=${path.relative(dir, path.join(pki, 'admin.pem'))}`, `--client-key=${path.relative(dir, path.join(pki, 'admin-key.pem'))}`);
		kubectlConfig(mixed, 'set-context', 'x', '--cluster=hard-way', '--user=admin');
		kubectlConfig(mixed, 'use-context', 'x');
		const {status, json} = inspectJson([mixed]);
		expect(status).toBe(1);
		const finding = json.findings.find(f => f.rule === 'kubeconfig-ca-mismatch')!;
		expect(finding.message).toContain(path.join(other, 'ca.pem').slice(root.length + 1));
	});
});
