// `node dist/bench/inspect.js [COUNT]`: how long inspect and lint take on COUNT certificates (default
// 1,000: one CA and kubelet certificates signed by it, one file each). It also times @peculiar/x509's
// parser on the same bytes, the measurement behind reading DER ourselves (source/core/pki/parse-der.ts).
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {lint} from '../source/core/lint/index.js';
import {buildPlan, specById, type CertSpec} from '../source/core/plan.js';
import {issue} from '../source/core/pki/issue.js';
import {generateKeyPair} from '../source/core/pki/keys.js';
import {loadPaths} from '../source/core/pki/load.js';
import {exampleTopology} from '../source/core/topology.js';

/** Write `count` certificate files (a CA and kubelets it signed) to dir; returns their paths. ECDSA keeps setup quick. */
export async function makeCertificates(dir: string, count: number): Promise<string[]> {
	mkdirSync(dir, {recursive: true});
	const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
	const caSpec = specById(plan, 'ca');
	const kubelet = specById(plan, 'kubelet:node1');
	const caKeys = await generateKeyPair('ecdsa-p256');
	const leafKeys = await generateKeyPair('ecdsa-p256');
	const ca = await issue(caSpec, caKeys, undefined);
	const files = [path.join(dir, 'ca.pem')];
	writeFileSync(files[0]!, ca.certPem);
	for (let i = 1; i < count; i++) {
		const name = `node${i}`;
		const spec: CertSpec = {...kubelet, id: `kubelet:${name}`, file: name, commonName: `system:node:${name}`, sans: [{type: 'dns', value: name, why: ''}, {type: 'ip', value: `10.1.${i >> 8}.${i & 255}`, why: ''}]};
		const leaf = await issue(spec, leafKeys, {certPem: ca.certPem, keys: caKeys});
		const file = path.join(dir, `${name}.pem`);
		writeFileSync(file, leaf.certPem);
		files.push(file);
	}

	return files;
}

/** Load and lint the folder in this process; milliseconds. */
export async function timeInProcess(dir: string): Promise<{ms: number; certificates: number; findings: number}> {
	const started = performance.now();
	const loaded = await loadPaths([dir]);
	const findings = lint(loaded);
	return {ms: performance.now() - started, certificates: loaded.items.filter(i => i.kind === 'certificate').length, findings: findings.length};
}

/** `kubepki inspect --json DIR` as a user runs it (node start-up included); milliseconds. */
export function timeCli(dir: string): number {
	// Built, this file is dist/bench/inspect.js; under vitest it runs from bench/ and the CLI is in dist/.
	const built = path.resolve(import.meta.dirname, '../cli.js');
	const cli = existsSync(built) ? built : path.resolve(import.meta.dirname, '../dist/cli.js');
	const started = performance.now();
	const result = spawnSync(process.execPath, [cli, 'inspect', '--json', dir], {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024});
	const ms = performance.now() - started;
	if (result.status !== 0) throw new Error(`inspect exited ${result.status}: ${result.stderr.slice(0, 400)}`);
	return ms;
}

/** The same fields read through @peculiar/x509, as certInfo did before it used our own DER reader. */
async function timeX509(files: readonly string[]): Promise<number> {
	const [{x509}, {pemBody}] = await Promise.all([import('../source/core/pki/x509.js'), import('../source/core/pki/cert-info.js')]);
	const ders = files.map(file => new Uint8Array(pemBody(readFileSync(file, 'utf8'))));
	const started = performance.now();
	for (const der of ders) {
		const cert = new x509.X509Certificate(der);
		void [cert.subject, cert.issuer, cert.serialNumber, cert.notBefore, cert.notAfter, cert.subjectName.getField('O')];
		void [
			cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items,
			cert.getExtension(x509.KeyUsagesExtension)?.usages,
			cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages,
			cert.getExtension(x509.BasicConstraintsExtension)?.ca,
		];
	}

	return performance.now() - started;
}

/**
 * The viewer on the folder, in a pseudo-terminal (bench/pty-first-frame.py, 100x30): milliseconds from start to
 * its first frame (the "reading N files…" row) and to the list itself (the header line). One run each.
 */
export function timeViewer(dir: string): {firstFrameMs: number; listMs: number} {
	const built = path.resolve(import.meta.dirname, '../cli.js');
	const cli = existsSync(built) ? built : path.resolve(import.meta.dirname, '../dist/cli.js');
	const pty = path.resolve(import.meta.dirname, existsSync(built) ? '../../bench/pty-first-frame.py' : 'pty-first-frame.py');
	const frame = (pattern: string) => {
		const result = spawnSync('python3', [pty, pattern, process.execPath, cli, 'inspect', dir], {encoding: 'utf8'});
		if (result.status !== 0) throw new Error(`viewer first frame (${pattern}): ${result.stderr.slice(-300)}`);
		return Number(result.stdout.trim());
	};

	return {firstFrameMs: frame('reading'), listMs: frame('kubepki inspect \u00b7')};
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
	const count = Number(process.argv[2] ?? 1000);
	const dir = mkdtempSync(path.join(tmpdir(), 'kubepki-bench-inspect-'));
	try {
		const files = await makeCertificates(path.join(dir, 'certs'), count);
		// `node dist/bench/inspect.js 1000 --viewer`: only the viewer's first frame and list, one run each.
		if (process.argv.includes('--viewer')) {
			const viewer = timeViewer(path.join(dir, 'certs'));
			console.log(`viewer on ${files.length} certificates (pty 100x30, one run each): first frame ("reading N files…") ${viewer.firstFrameMs.toFixed(0)} ms, the list ${viewer.listMs.toFixed(0)} ms after start`);
			return;
		}

		const inProcess = [];
		for (let run = 0; run < 5; run++) inProcess.push(await timeInProcess(path.join(dir, 'certs')));
		const cli = [0, 1, 2].map(() => timeCli(path.join(dir, 'certs')));
		const x509 = await timeX509(files);
		const first = inProcess[0]!;
		console.log(`${first.certificates} certificates, ${first.findings} findings`);
		console.log(`load + lint in process: median ${median(inProcess.map(r => r.ms)).toFixed(0)} ms (runs: ${inProcess.map(r => r.ms.toFixed(0)).join(', ')})`);
		console.log(`kubepki inspect --json (node start-up included): median ${median(cli).toFixed(0)} ms (runs: ${cli.map(ms => ms.toFixed(0)).join(', ')})`);
		console.log(`for comparison, @peculiar/x509 reading the same fields: ${x509.toFixed(0)} ms (parsing only, module already loaded)`);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

// Only when run itself: bundled into dist/bench/bench.js (which imports the helpers above), import.meta.url is
// bench.js, the script being run, and main must not run there.
if (process.argv[1] && import.meta.url.endsWith('/inspect.js') && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
