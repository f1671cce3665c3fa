import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {lint, rules, type Finding} from '../../source/core/lint/index.js';
import {loadPaths} from '../../source/core/pki/load.js';
import {hasTool, run, tempDir} from '../helpers/tools.js';

const script = path.resolve(import.meta.dirname, '../../fixtures/guide-mistakes/make.sh');
const ready = hasTool('openssl') && hasTool('kubectl');

// Each mistake fixtures/guide-mistakes/make.sh makes, and the rule that must name it.
const expected: Array<[file: string, rule: string]> = [
	['worker-0.pem', 'kubelet-identity'],
	['admin.pem', 'group-in-ou'],
	['kube-proxy.pem', 'component-identity'],
	['kubernetes.pem', 'apiserver-sans'],
	['kube-scheduler.pem', 'eku-mismatch'],
	['my-bank.crt', 'weak-key'],
	['my-bank.key', 'weak-key'],
	['kube-controller-manager.pem', 'weak-signature'],
	['old.pem', 'expired'],
	['future.pem', 'not-yet-valid'],
	['month.pem', 'expires-soon'],
	['stale.pem', 'unknown-authority'],
	['signkey/ca.pem', 'issuer-not-ca'],
	['service-account-key.pem', 'key-mismatch'],
	['admin-key.pem', 'key-permissions'],
	['worker-0.kubeconfig', 'kubeconfig-context'],
	['stale.kubeconfig', 'kubeconfig-ca-mismatch'],
	['remote.kubeconfig', 'kubeconfig-server-san'],
	['insecure.kubeconfig', 'kubeconfig-auth'],
	['pasted.pem', 'unreadable'],
	['ca.pem', 'ca-name-clash'],
	['remade/ca.pem', 'ca-name-clash'],
	['kubepki/nodes/m1/ca.pem', 'copy-differs'],
	['kubepki/nodes/m1/ca.pem', 'manifest-mismatch'],
	['kubepki/encryption-config.yaml', 'open-secret'],
	['shared', 'open-secret'],
	// The same mistakes seen again through the kubeconfigs that embed those certificates.
	['worker-0.kubeconfig', 'kubelet-identity'],
	['remote.kubeconfig', 'weak-signature'],
	['stale.kubeconfig', 'unknown-authority'],
];

describe.skipIf(!ready)('lint on the guides\' mistakes (made by openssl and kubectl)', () => {
	const dir = tempDir('kubepki-mistakes-');
	let findings: Finding[];

	beforeAll(async () => {
		run('sh', [script, dir]);
		findings = lint(await loadPaths([dir]));
	});

	const pairs = () => new Set(findings.map(f => `${path.relative(dir, f.path)} ${f.rule}`));

	it.each(expected)('%s: %s', (file, rule) => {
		expect(pairs()).toContain(`${file} ${rule}`);
	});

	it('finds nothing else: no rule fires on the files that are right (ca.pem, kubernetes-key.pem, …)', () => {
		expect([...pairs()].sort()).toEqual(expected.map(([file, rule]) => `${file} ${rule}`).sort());
	});

	it('covers every rule with a fixture', () => {
		const fired = new Set(findings.map(f => f.rule));
		expect(rules.map(rule => rule.id).filter(id => !fired.has(id))).toEqual([]);
	});

	it('names each missing API server SAN once, and only the missing ones', () => {
		const messages = findings.filter(f => f.rule === 'apiserver-sans').map(f => /missing SAN (\S+)/.exec(f.message)?.[1]);
		expect(messages.sort()).toEqual(['DNS:kubernetes', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local']);
	});

	it('says what to do in every message, with severity error except the 30-day certificate and kubeconfig-auth', () => {
		for (const finding of findings) {
			expect(finding.message, finding.rule).toMatch(/Reissue|reissue|chmod|Use |Add |add |Make |Rebuild|Check/);
			// kubeconfig-auth: insecure-skip-tls-verify is a warning, a token user an info.
			const auth = /insecure-skip-tls-verify/.test(finding.message) ? 'warning' : 'info';
			expect(finding.severity, finding.rule).toBe(finding.rule === 'expires-soon' ? 'warning' : finding.rule === 'kubeconfig-auth' ? auth : 'error');
		}
	});

	it('reports the kubelet typo with the right name to use', () => {
		const kubelet = findings.find(f => f.rule === 'kubelet-identity' && f.path.endsWith('worker-0.pem'));
		expect(kubelet?.message).toContain('system:node:worker-0');
	});

	it('dates are judged against the clock it is given: in 2041 future.pem is expired, not early', async () => {
		const later = lint(await loadPaths([path.join(dir, 'future.pem')]), {now: new Date('2041-06-01T00:00:00Z')});
		expect(later.map(f => f.rule)).toContain('expired');
		expect(later.map(f => f.rule)).not.toContain('not-yet-valid');
	});

	it('alone, a leaf whose CA is not in the set gets an info note, not an error', async () => {
		const alone = lint(await loadPaths([path.join(dir, 'worker-0.pem')]));
		expect(alone.filter(f => f.rule === 'unknown-authority').map(f => f.severity)).toEqual(['info']);
	});
});

describe.skipIf(!ready)('more mistakes, one folder each (openssl and kubectl)', () => {
	const base = tempDir('kubepki-lint-cases-');
	let n = 0;

	/** A folder with a CA, then `steps` run in it; returns the lint findings as "file rule" pairs and the findings. */
	async function lintCase(steps: (sh: (command: string) => void) => void): Promise<{pairs: string[]; findings: Finding[]}> {
		const dir = path.join(base, `case-${n++}`);
		run('mkdir', ['-p', dir]);
		const sh = (command: string) => run('sh', ['-c', command], {cwd: dir});
		sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 365 -subj /CN=ca 2>/dev/null');
		steps(sh);
		const findings = lint(await loadPaths([dir]));
		return {pairs: findings.map(f => `${path.relative(dir, f.path)} ${f.rule}`), findings};
	}

	const leaf = (name: string, subject: string, ext: string) =>
		`openssl req -newkey rsa:2048 -nodes -keyout ${name}-key.pem -out ${name}.csr -subj '${subject}' 2>/dev/null && printf '${ext}' > ${name}.ext && openssl x509 -req -in ${name}.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 -extfile ${name}.ext -out ${name}.pem 2>/dev/null && rm ${name}.csr ${name}.ext ca.srl`;

	it('apiserver-sans points out KTHW 1.18.6\'s kubernetes.svc.cluster.local (".default." missing)', async () => {
		const {findings} = await lintCase(sh =>
			sh(leaf('kubernetes', '/CN=kubernetes', 'extendedKeyUsage=serverAuth,clientAuth\\nsubjectAltName=IP:10.32.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.svc.cluster.local\\n')),
		);
		expect(findings.map(f => f.rule)).toEqual(['apiserver-sans']);
		expect(findings[0]?.message).toMatch(/missing SAN DNS:kubernetes\.default\.svc\.cluster\.local .*kubernetes\.svc\.cluster\.local, which lacks "\.default\."/);
	});

	it('eku-mismatch: an API server certificate with clientAuth only lacks serverAuth', async () => {
		const {pairs, findings} = await lintCase(sh =>
			sh(leaf('kubernetes', '/CN=kubernetes', 'extendedKeyUsage=clientAuth\\nsubjectAltName=IP:10.32.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\\n')),
		);
		expect(pairs).toEqual(['kubernetes.pem eku-mismatch']);
		expect(findings[0]?.message).toContain('without serverAuth');
	});

	it('kubelet-identity: a serving kubelet certificate without an IP SAN, and O missing system:nodes', async () => {
		const {findings} = await lintCase(sh => sh(leaf('worker-1', '/CN=system:node:worker-1', 'extendedKeyUsage=serverAuth,clientAuth\\nsubjectAltName=DNS:worker-1\\n')));
		expect(findings.map(f => f.rule)).toEqual(['kubelet-identity', 'kubelet-identity']);
		expect(findings.map(f => f.message).join('\n')).toMatch(/O lacks system:nodes[\s\S]*no IP SAN/);
	});

	it('is silent on kubeadm\'s self-signed kubelet.crt (serving only, DNS SAN only: the API server never verifies it)', async () => {
		const {pairs} = await lintCase(sh =>
			sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout kubelet.key -out kubelet.crt -days 365 -subj /CN=node-a@1700000000 -addext subjectAltName=DNS:node-a -addext extendedKeyUsage=serverAuth 2>/dev/null'),
		);
		expect(pairs).toEqual([]);
	});

	it('key-mismatch: a PEM file holding a certificate and the wrong key; silent when the key is right', async () => {
		const {pairs} = await lintCase(sh => {
			sh(leaf('admin', '/CN=admin/O=system:masters', 'extendedKeyUsage=clientAuth\\n'));
			sh('cat admin.pem admin-key.pem > right.pem && openssl genrsa 2048 2>/dev/null > other.key && cat admin.pem other.key > wrong.pem && rm other.key && chmod 600 right.pem wrong.pem');
		});
		expect(pairs).toEqual(['wrong.pem key-mismatch']);
	});

	it('key-permissions: a kubeconfig holding a client key, left readable by everyone', async () => {
		const {pairs, findings} = await lintCase(sh => {
			sh(leaf('admin', '/CN=admin/O=system:masters', 'extendedKeyUsage=clientAuth\\n'));
			sh('kubectl config set-cluster k --certificate-authority=ca.pem --embed-certs=true --server=https://127.0.0.1:6443 --kubeconfig=admin.kubeconfig >/dev/null');
			sh('kubectl config set-credentials admin --client-certificate=admin.pem --client-key=admin-key.pem --embed-certs=true --kubeconfig=admin.kubeconfig >/dev/null');
			sh('kubectl config set-context default --cluster=k --user=admin --kubeconfig=admin.kubeconfig >/dev/null && kubectl config use-context default --kubeconfig=admin.kubeconfig >/dev/null');
			sh('chmod 644 admin.kubeconfig');
		});
		expect(pairs).toEqual(['admin.kubeconfig key-permissions']);
		expect(findings[0]?.message).toMatch(/^holds a private key and is readable by every user on the machine \(mode 0644\)/);
	});

	it('kubeconfig-ca-mismatch also through file paths (kubectl without --embed-certs)', async () => {
		const {pairs, findings} = await lintCase(sh => {
			sh(leaf('admin', '/CN=admin/O=system:masters', 'extendedKeyUsage=clientAuth\\n'));
			// Another CA, in a folder of its own, is the one the kubeconfig names.
			sh('mkdir other && openssl req -x509 -newkey rsa:2048 -nodes -keyout other/ca-key.pem -out other/ca.pem -days 365 -subj /CN=other 2>/dev/null');
			sh('kubectl config set-cluster k --certificate-authority=other/ca.pem --server=https://127.0.0.1:6443 --kubeconfig=admin.kubeconfig >/dev/null');
			sh('kubectl config set-credentials admin --client-certificate=admin.pem --client-key=admin-key.pem --kubeconfig=admin.kubeconfig >/dev/null');
			sh('kubectl config set-context default --cluster=k --user=admin --kubeconfig=admin.kubeconfig >/dev/null && kubectl config use-context default --kubeconfig=admin.kubeconfig >/dev/null');
		});
		expect(pairs).toEqual(['admin.kubeconfig kubeconfig-ca-mismatch']);
		expect(findings[0]?.message).toMatch(/CN=other, .*other\/ca\.pem\) did not sign the certificate of users\[admin\]/);
	});

	it('kubeconfig-context: a context naming a missing user, and a current-context that does not exist', async () => {
		const {findings} = await lintCase(sh => {
			sh('kubectl config set-cluster k --server=https://127.0.0.1:6443 --kubeconfig=a.kubeconfig >/dev/null');
			sh('kubectl config set-context default --cluster=k --user=nobody --kubeconfig=a.kubeconfig >/dev/null');
			sh('kubectl config set current-context elsewhere --kubeconfig=a.kubeconfig >/dev/null');
		});
		expect(findings.map(f => [f.rule, f.severity])).toEqual([
			['kubeconfig-context', 'error'],
			['kubeconfig-context', 'error'],
		]);
		expect(findings.map(f => f.message).join('\n')).toMatch(/a user this file does not define[\s\S]*current-context is "elsewhere"/);
	});
});
