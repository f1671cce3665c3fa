// Commands fitted to a pane without changing what the shell reads: table-driven, each case a command a
// stage really shows (or its shape), at a width that forces a break.
import {spawnSync} from 'node:child_process';
import {describe, expect, test} from 'vitest';
import {shellLines, shellWords} from '../../source/ui/widgets/shell-lines.js';

const texts = (commands: string[], width: number) => shellLines(commands, width).map(l => l.text);

describe('shellWords', () => {
	test.each([
		['openssl x509 -set_serial 0x4$(openssl rand -hex 15) -out a.pem', ['openssl', 'x509', '-set_serial', '0x4$(openssl rand -hex 15)', '-out', 'a.pem']],
		[`echo 'a b' "c $(d e) f" \${X:-y z}`, ['echo', "'a b'", '"c $(d e) f"', '${X:-y z}']],
		['kubepki generate --out pki   # the same files', ['kubepki', 'generate', '--out', 'pki', '# the same files']],
		['a\\ b c', ['a\\ b', 'c']],
	])('%s', (line, words) => {
		expect(shellWords(line)).toEqual(words);
	});
});

describe('shellLines', () => {
	test('a long command breaks between words, each broken line ending in " \\\\" and the next indented', () => {
		const lines = texts(['kubectl config set-context default --cluster=kubernetes-the-hard-way --user=admin --kubeconfig=admin.kubeconfig'], 50);
		expect(lines).toEqual(['kubectl config set-context default \\', '  --cluster=kubernetes-the-hard-way --user=admin \\', '  --kubeconfig=admin.kubeconfig']);
	});

	test('$(…) and URLs stay whole; a word wider than the pane keeps its own line', () => {
		const lines = texts(['openssl x509 -req -in ca.csr -signkey ca-key.pem -set_serial 0x4$(openssl rand -hex 15) -out ca.pem'], 40);
		expect(lines).toContain('  -set_serial 0x4$(openssl rand -hex 15) \\');
		const url = 'https://10.128.15.221:2379,https://10.128.15.222:2379';
		const etcd = texts([`kube-apiserver --etcd-servers=${url} --v=2`], 30);
		expect(etcd).toContain(`  --etcd-servers=${url} \\`);
	});

	test('a flag goes to the next line with its value', () => {
		expect(texts(['openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out kubernetes-key.pem'], 70)).toEqual([
			'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \\',
			'  -out kubernetes-key.pem',
		]);
	});

	test('a comment wraps as comments; a trailing comment moves above its command', () => {
		expect(texts(['# With 2 members, losing any one stops writes: that is less available than one'], 40)).toEqual([
			'# With 2 members, losing any one stops',
			'# writes: that is less available than',
			'# one',
		]);
		expect(texts(['kubepki generate --out /a/long/output/folder   # the same files, no questions'], 44)).toEqual([
			'# the same files, no questions',
			'kubepki generate --out /a/long/output/folder',
		]);
	});

	test('a here-document\'s lines are data: kept as they are, however wide, until its delimiter', () => {
		const doc = ["cat > ca-config.json <<'EOF'", '{', '  "signing": { "default": { "expiry": "8760h" }, "profiles": { "client": {} } }', '}', 'EOF', 'echo done and a command long enough to break'];
		const lines = texts(doc, 30);
		expect(lines.slice(0, 5)).toEqual(doc.slice(0, 5));
		expect(lines.slice(5)).toEqual(['echo done and a command long \\', '  enough to break']);
	});

	test('an existing continuation stays one: its " \\\\" is kept at the end of its last piece', () => {
		const lines = texts(['cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=client \\', '  admin-csr.json | cfssljson -bare admin'], 50);
		expect(lines.at(-2)).toMatch(/ \\$/);
		const result = spawnSync('bash', ['-n'], {input: lines.join('\n') + '\n'});
		expect(result.status).toBe(0);
	});
});
