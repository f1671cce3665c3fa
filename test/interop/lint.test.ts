import {chmodSync, cpSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {lint, rules} from '../../source/core/lint/index.js';
import {loadPaths} from '../../source/core/pki/load.js';
import {hasTool, kubepki, run, runStatus, tempDir} from '../helpers/tools.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = tempDir('kubepki-lint-cli-');

type Findings = {findings: Array<{path: string; rule: string; severity: string; message: string}>};

describe('kubepki lint on a fresh kubepki generate finds nothing', () => {
	const clusters = [
		{name: 'the built-in example cluster', args: [] as string[]},
		{name: 'fixtures/cluster-3m.yaml', args: ['--config', path.join(root, 'fixtures/cluster-3m.yaml')]},
		{name: 'the kubeadm layout', args: ['--layout', 'kubeadm']},
		{name: 'ECDSA keys', args: ['--algorithm', 'ecdsa-p256']},
	];

	it.each(clusters)('$name: {"findings": []} and exit 0, text and --json', ({name, args}) => {
		const out = path.join(dir, name.replace(/\W+/g, '-'));
		expect(kubepki(['generate', '--quiet', '--out', out, ...args]).status).toBe(0);
		const json = kubepki(['lint', '--json', out]);
		expect(json.stderr).toBe('');
		expect(JSON.parse(json.stdout)).toEqual({findings: []});
		expect(json.status).toBe(0);
		const text = kubepki(['lint', out]);
		expect(text.status).toBe(0);
		expect(text.stdout).toMatch(/findings: 0 error\(s\), 0 warning\(s\), 0 info/);
	});
});

describe.each(['cfssl', 'openssl'] as const)('kubepki lint on the PKI the %s script builds (kubepki script)', flavor => {
	const tools = flavor === 'cfssl' ? ['cfssl', 'cfssljson', 'kubectl'] : ['openssl', 'kubectl'];
	it.skipIf(!tools.every(tool => hasTool(tool)))('finds nothing: certificates made by another tool are judged by the same rules', () => {
		const out = path.join(dir, `script-${flavor}`);
		run('mkdir', ['-p', out]);
		const script = kubepki(['script', '--flavor', flavor]);
		expect(script.status).toBe(0);
		writeFileSync(path.join(out, 'make.sh'), script.stdout);
		run('bash', ['make.sh'], {cwd: out});
		const result = kubepki(['lint', '--json', out]);
		expect(JSON.parse(result.stdout)).toEqual({findings: []});
		expect(result.status).toBe(0);
		// And it did read them: the nine certificates of the plan are there.
		const {items} = JSON.parse(kubepki(['inspect', '--json', out]).stdout) as {items: Array<{kind: string; source: string}>};
		expect(items.filter(item => item.kind === 'certificate' && item.source === 'pem')).toHaveLength(9);
	});
});

describe('lint rules against a generated PKI that is then changed', () => {
	const out = path.join(dir, 'changed');

	beforeAll(() => {
		expect(kubepki(['generate', '--quiet', '--out', out, '--config', path.join(root, 'fixtures/cluster-3m.yaml')]).status).toBe(0);
	});

	it('expires-soon, then expired, as the clock moves past the leaves\' end', async () => {
		const loaded = await loadPaths([out]);
		const leaf = loaded.items.find(item => item.path === path.join(out, 'admin.pem'))!;
		const end = Date.parse(leaf.cert!.notAfter);
		const soon = lint(loaded, {now: new Date(end - 10 * 86_400_000)}).filter(f => f.path === leaf.path);
		const after = lint(loaded, {now: new Date(end + 86_400_000)}).filter(f => f.path === leaf.path);
		expect(soon.map(f => f.rule)).toEqual(['expires-soon']);
		expect(after.map(f => f.rule)).toEqual(['expired']);
	});

	it('key-permissions when a key becomes group-readable; silent again at 0600', () => {
		const key = path.join(out, 'kube-proxy-key.pem');
		chmodSync(key, 0o640);
		const loose = JSON.parse(kubepki(['lint', '--json', out]).stdout) as Findings;
		chmodSync(key, 0o600);
		expect(loose.findings).toEqual([expect.objectContaining({path: key, rule: 'key-permissions', severity: 'error'})]);
		expect(loose.findings[0]?.message).toMatch(/its group.*0640/);
		expect(JSON.parse(kubepki(['lint', '--json', out]).stdout)).toEqual({findings: []});
	});

	it.skipIf(!hasTool('openssl'))('with the manifest, kubelet-identity knows each node\'s IP: a wk-1.pem without 192.168.50.21 is named', () => {
		const copy = path.join(dir, 'wrong-kubelet-ip');
		cpSync(out, copy, {recursive: true});
		writeFileSync(path.join(copy, 'san.ext'), 'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:wk-1,IP:192.168.50.99\n');
		run('openssl', ['req', '-new', '-key', 'wk-1-key.pem', '-subj', '/CN=system:node:wk-1/O=system:nodes', '-out', 'k.csr'], {cwd: copy});
		run('openssl', ['x509', '-req', '-in', 'k.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '365', '-extfile', 'san.ext', '-out', 'wk-1.pem'], {cwd: copy});
		const files = ['wk-1.pem', 'wk-1-key.pem', 'ca.pem', 'kubepki-manifest.json'].map(name => path.join(copy, name));
		const {findings} = JSON.parse(kubepki(['lint', '--json', ...files]).stdout) as Findings;
		// Re-signed by hand after kubepki wrote the folder: its manifest no longer agrees either.
		expect(findings.map(f => `${path.basename(f.path)} ${f.rule}`)).toEqual(['wk-1.pem kubelet-identity', 'wk-1.pem manifest-mismatch']);
		expect(findings[0]?.message).toContain('lacks its IP 192.168.50.21');
	});

	it.skipIf(!hasTool('openssl'))('with the manifest, apiserver-sans names a missing master IP that no convention could know', () => {
		const copy = path.join(dir, 'missing-master');
		cpSync(out, copy, {recursive: true});
		// The conventional names are all there; one master's IP is not.
		const ext = path.join(copy, 'san.ext');
		writeFileSync(ext, 'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:172.20.0.1,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.k8s.example.internal\n');
		run('openssl', ['req', '-new', '-key', 'kubernetes-key.pem', '-subj', '/CN=kubernetes/O=Kubernetes', '-out', 'k.csr'], {cwd: copy});
		run('openssl', ['x509', '-req', '-in', 'k.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '365', '-extfile', 'san.ext', '-out', 'kubernetes.pem'], {cwd: copy});
		const result = kubepki(['lint', '--json', path.join(copy, 'kubernetes.pem'), path.join(copy, 'kubepki-manifest.json'), path.join(copy, 'ca.pem')]);
		const missing = (JSON.parse(result.stdout) as Findings).findings.filter(f => f.rule === 'apiserver-sans').map(f => /missing SAN (\S+)/.exec(f.message)?.[1]);
		expect(result.status).toBe(1);
		expect(missing).toContain('IP:192.168.50.11');
		expect(missing).toContain('DNS:api-lb');
		expect(missing).toContain('DNS:api.example.com');
		// Named alone, the certificate is still judged with its folder's manifest, found above it; a relative
		// path and a "./" path reach the same manifest.
		const sansOf = (r: {stdout: string}) => (JSON.parse(r.stdout) as Findings).findings.filter(f => f.rule === 'apiserver-sans').map(f => f.message).sort();
		const named = kubepki(['lint', '--json', path.join(copy, 'kubernetes.pem'), path.join(copy, 'ca.pem')]);
		expect(sansOf(named)).toEqual(sansOf(result));
		const relative = kubepki(['lint', '--json', './missing-master/kubernetes.pem', 'missing-master/ca.pem'], {cwd: dir});
		expect(sansOf(relative)).toEqual(sansOf(result));
		// Two folders down (nodes/<host>/) the manifest is still found.
		cpSync(path.join(copy, 'kubernetes.pem'), path.join(copy, 'nodes', 'master1', 'kubernetes.pem'));
		const nested = kubepki(['lint', '--json', path.join(copy, 'nodes', 'master1', 'kubernetes.pem')]);
		expect(sansOf(nested)).toEqual(sansOf(result));
		// The same certificate in a folder with no manifest: only what every cluster needs is checked.
		const bare = path.join(dir, 'no-manifest');
		mkdirSync(bare);
		for (const name of ['kubernetes.pem', 'ca.pem']) cpSync(path.join(copy, name), path.join(bare, name));
		const alone = kubepki(['lint', '--json', path.join(bare, 'kubernetes.pem'), path.join(bare, 'ca.pem')]);
		expect((JSON.parse(alone.stdout) as Findings).findings).toEqual([]);
	});
});

describe.skipIf(!(hasTool('openssl') && hasTool('kubectl')))('kubepki lint on the guides\' mistakes', () => {
	const mistakes = path.join(dir, 'mistakes');

	beforeAll(() => {
		run('sh', [path.join(root, 'fixtures/guide-mistakes/make.sh'), mistakes]);
	});

	it('exits 1 and prints {"findings": [{path, rule, severity, message}]} naming every rule id', () => {
		const result = kubepki(['lint', '--json', mistakes]);
		expect(result.status).toBe(1);
		const {findings} = JSON.parse(result.stdout) as Findings;
		// item, when present: the part of the file it is about (source, and block in a bundle), as inspect --json names items.
		for (const finding of findings) {
			expect(Object.keys(finding).filter(key => key !== 'item').sort()).toEqual(['message', 'path', 'rule', 'severity']);
			if ('item' in finding) expect(typeof (finding as {item: {source: unknown}}).item.source).toBe('string');
		}

		expect(findings.filter(finding => 'item' in finding).length).toBeGreaterThan(findings.length / 2);
		// Every rule of the table fires on the fixture (the table grows; the fixture grows with it).
		expect(new Set(findings.map(f => f.rule))).toEqual(
			new Set(['kubelet-identity', 'group-in-ou', 'component-identity', 'apiserver-sans', 'eku-mismatch', 'weak-key', 'weak-signature', 'expired', 'expires-soon', 'not-yet-valid', 'unknown-authority', 'issuer-not-ca', 'key-mismatch', 'key-permissions', 'kubeconfig-context', 'kubeconfig-ca-mismatch', 'kubeconfig-server-san', 'kubeconfig-auth', 'unreadable', 'ca-name-clash', 'copy-differs', 'manifest-mismatch', 'open-secret']),
		);
		expect(new Set(findings.map(f => f.rule))).toEqual(new Set(rules.map(rule => rule.id)));
	});

	it('exits 0 when only warnings remain (month.pem alone: expires-soon)', () => {
		const result = kubepki(['lint', path.join(mistakes, 'month.pem'), path.join(mistakes, 'ca.pem')]);
		expect(result.stdout).toMatch(/! warning expires-soon/);
		expect(result.status).toBe(0);
	});

	it('kubectl agrees that worker-0.kubeconfig\'s context points at nothing', () => {
		const result = kubepki(['lint', path.join(mistakes, 'worker-0.kubeconfig')]);
		expect(result.stdout).toMatch(/kubeconfig-context/);
		const view = runStatus('kubectl', ['config', 'view', '--minify', '--kubeconfig', path.join(mistakes, 'worker-0.kubeconfig')]);
		expect(view.status).not.toBe(0);
		expect(view.stderr).toContain('cannot locate cluster kubernetes-the-hard-way');
	});

	it('refuses a path that does not exist, and no paths outside a folder with ./pki, with exit 2 and one line', () => {
		const missing = kubepki(['lint', path.join(dir, 'nope')]);
		expect(missing.status).toBe(2);
		expect(missing.stderr.trim().split('\n')).toHaveLength(1);
		expect(missing.stderr).toContain('no such file or folder');
		const none = kubepki(['lint'], {cwd: dir});
		expect(none.status).toBe(2);
		expect(none.stderr).toMatch(/give one or more files or folders/);
	});
});
