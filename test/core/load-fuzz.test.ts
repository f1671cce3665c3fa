import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {lint} from '../../source/core/lint/index.js';
import {loadPaths} from '../../source/core/pki/load.js';
import {hasTool, kubepki, run, tempDir} from '../helpers/tools.js';

// A seeded PRNG (mulberry32): the same 600 inputs on every run, so a crash is reproducible.
function prng(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const pem = (label: string, der: Uint8Array) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;

const openssl = hasTool('openssl');
const seedDir = tempDir('kubepki-fuzz-seed-');
const fuzzDir = tempDir('kubepki-fuzz-');
const count = 600;

describe.skipIf(!openssl)('fuzz: 600 mutated, truncated and random inputs', () => {
	beforeAll(() => {
		const o = (...args: string[]) => run('openssl', args, {cwd: seedDir});
		o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', '/CN=seed/O=system:masters', '-addext', 'subjectAltName=DNS:a,IP:10.0.0.1');
		o('req', '-new', '-key', 'key.pem', '-out', 'req.csr', '-subj', '/CN=seed');
		const derOf = (file: string) => Buffer.from(readFileSync(path.join(seedDir, file), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
		const seeds = [
			{label: 'CERTIFICATE', der: derOf('cert.pem')},
			{label: 'PRIVATE KEY', der: derOf('key.pem')},
			{label: 'CERTIFICATE REQUEST', der: derOf('req.csr')},
		];
		const certPem = readFileSync(path.join(seedDir, 'cert.pem'), 'utf8');
		const kubeconfig = (data: string) =>
			`apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://10.0.0.1:6443, certificate-authority-data: ${data}}\ncontexts:\n- name: d\n  context: {cluster: c, user: u}\ncurrent-context: d\nusers:\n- name: u\n  user: {client-certificate-data: ${data}}\n`;
		const random = prng(0x6b756265);
		const int = (max: number) => Math.floor(random() * max);
		const randomBytes = (length: number) => Uint8Array.from({length}, () => int(256));
		const mutate = (der: Uint8Array) => {
			const copy = Uint8Array.from(der);
			const flips = 1 + int(12);
			for (let i = 0; i < flips; i++) copy[int(copy.length)] = int(256);
			return copy;
		};

		// Eight shapes, in turn; each takes a seed and the PRNG.
		const shapes: Array<(seed: {label: string; der: Uint8Array}) => string | Uint8Array> = [
			seed => seed.der.subarray(0, int(seed.der.length)),
			seed => mutate(seed.der),
			seed => pem(seed.label, mutate(seed.der)),
			seed => pem(seed.label, seed.der.subarray(0, int(seed.der.length))),
			() => randomBytes(int(4096)),
			seed => {
				// Lengths are where parsers overflow: point one at the end of the world.
				const copy = Uint8Array.from(seed.der);
				const at = int(Math.min(40, copy.length - 4));
				copy[at + 1] = 0x84;
				copy.set([0xff, 0xff, 0xff, 0xf0], at + 2);
				return copy;
			},
			() => kubeconfig(Buffer.from(mutate(Buffer.from(certPem))).toString('base64')),
			() => {
				const text = certPem + kubeconfig('x');
				const cut = int(text.length);
				return text.slice(0, cut) + String.fromCharCode(int(65_536)) + text.slice(cut + 1 + int(20));
			},
		];
		for (let i = 0; i < count; i++) {
			const shape = shapes[i % shapes.length]!;
			const seed = seeds[int(seeds.length)]!;
			writeFileSync(path.join(fuzzDir, `input-${String(i).padStart(3, '0')}.bin`), shape(seed));
		}
	});

	it('loads and lints every input without throwing, one item or more per file, one-line reasons', async () => {
		const files = readdirSync(fuzzDir).map(name => path.join(fuzzDir, name));
		expect(files).toHaveLength(count);
		const loaded = await loadPaths([fuzzDir]);
		const reported = new Set(loaded.items.map(item => item.path));
		expect(files.filter(file => !reported.has(file))).toEqual([]);
		for (const item of loaded.items.filter(i => i.kind === 'unreadable')) {
			expect(item.error).toMatch(/^[^\n]+$/);
			// "cannot read: …" is the loader's last-resort catch: reaching it means a parser threw something other than a reason.
			expect(item.error, item.path).not.toMatch(/^cannot read: /);
		}

		expect(() => lint(loaded)).not.toThrow();
		// The fuzz must reach the parsers, not only bounce off the PEM scanner: some inputs still parse.
		const kinds = new Set(loaded.items.map(item => item.kind));
		expect(kinds).toContain('unreadable');
		expect(kinds).toContain('kubeconfig');
	});

	it('the real CLI reports every file in inspect --json and exits 0 or 1, never crashing', () => {
		const result = kubepki(['inspect', '--json', fuzzDir]);
		expect(result.stderr).toBe('');
		expect([0, 1]).toContain(result.status);
		const {items} = JSON.parse(result.stdout) as {items: Array<{path: string; kind: string; error?: string}>};
		expect(new Set(items.map(item => item.path)).size).toBe(count);
	});
});
