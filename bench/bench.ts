// `npm run bench`: kubepki generate against the same PKI made by cfssl and by openssl, in one run.
// The cfssl and openssl sides run the scripts `kubepki script` prints (the guide's commands, generated from
// the same plan), so all three make the same certificates, kubeconfigs and encryption config.
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {writeClusterFile} from './cluster-yaml.js';
import {floorBench} from './floor.js';
import {lintScaleBench} from './lint-scale.js';
import {renewBench} from './renew.js';
import {makeCertificates, timeViewer} from './inspect.js';

const cli = path.resolve(import.meta.dirname, '../cli.js');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const bigRuns = Number(process.env.BENCH_BIG_RUNS ?? 3);
const workdir = mkdtempSync(path.join(tmpdir(), 'kubepki-bench-'));

type Tool = 'kubepki' | 'cfssl' | 'openssl';
type Case = {name: string; config: string; algorithm: 'rsa-2048' | 'ecdsa-p256'; runs: number};

const clusterFile = (workers: number) => writeClusterFile(workdir, workers);

/** Workers of the Ansible scale case (BENCH_ANSIBLE_WORKERS, default 500). */
function ansibleWorkers(): number {
	return Number(process.env.BENCH_ANSIBLE_WORKERS ?? 500);
}

function has(tool: string): boolean {
	return spawnSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'}).status === 0;
}

function scriptFor(flavor: 'cfssl' | 'openssl', c: Case): string {
	const text = execFileSync(process.execPath, [cli, 'script', '--flavor', flavor, '--config', c.config, '--algorithm', c.algorithm], {encoding: 'utf8'});
	const file = path.join(workdir, `${flavor}-${path.basename(c.config, '.yaml')}-${c.algorithm}.sh`);
	writeFileSync(file, text);
	return file;
}

/** Wall time of one run in a fresh folder, in seconds; throws when the run fails. */
function timeOnce(tool: Tool, c: Case, script?: string): number {
	const out = mkdtempSync(path.join(workdir, `${tool}-`));
	const [command, args] =
		tool === 'kubepki'
			? [process.execPath, [cli, 'generate', '--quiet', '--config', c.config, '--algorithm', c.algorithm, '--out', path.join(out, 'pki')]]
			: ['bash', [script!]];
	const started = process.hrtime.bigint();
	const result = spawnSync(command, args as string[], {cwd: out, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe']});
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	rmSync(out, {recursive: true, force: true});
	if (result.status !== 0) throw new Error(`${tool} failed on ${c.name} ${c.algorithm}: ${result.stderr.slice(-400)}`);
	return seconds;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// Run before any case removes the folder: the Ansible figures below need a cluster file too.
const huge = clusterFile(ansibleWorkers());
const small = clusterFile(2);
const big = clusterFile(50);
// BENCH_CASES="2 workers rsa" runs only the cases whose "name algorithm" contains it (one figure, quickly).
const only = process.env.BENCH_CASES;
const cases: Case[] = [
	{name: '2 workers', config: small, algorithm: 'rsa-2048' as const, runs},
	{name: '2 workers', config: small, algorithm: 'ecdsa-p256' as const, runs},
	{name: '50 workers', config: big, algorithm: 'rsa-2048' as const, runs: bigRuns},
	{name: '50 workers', config: big, algorithm: 'ecdsa-p256' as const, runs: bigRuns},
].filter(c => !only || `${c.name} ${c.algorithm}`.includes(only));
const tools: Tool[] = ['kubepki', 'cfssl', 'openssl'];
const available = (tool: Tool) =>
	tool === 'kubepki' || (has('kubectl') && (tool === 'cfssl' ? has('cfssl') && has('cfssljson') : has('openssl')));

console.log(`kubepki bench: median wall time of ${runs} runs (${bigRuns} for 50 workers), runs interleaved, ${process.platform} ${process.arch}, node ${process.version}`);
console.log('same outputs on every side: certificates, kubeconfigs and encryption config, from one plan\n');
const header = ['case', 'algorithm', ...tools.map(t => `${t} s`), 'kubepki/cfssl', 'kubepki/openssl'];
const rows: string[][] = [];
try {
	for (const c of cases) {
		const scripts = {cfssl: available('cfssl') ? scriptFor('cfssl', c) : undefined, openssl: available('openssl') ? scriptFor('openssl', c) : undefined};
		const times = new Map<Tool, number[]>(tools.map(t => [t, []]));
		// Interleave the tools run by run so a busy moment of the machine hits all of them alike.
		for (let i = 0; i < c.runs; i++) {
			for (const tool of tools) {
				if (tool !== 'kubepki' && !scripts[tool]) continue;
				times.get(tool)!.push(timeOnce(tool, c, tool === 'kubepki' ? undefined : scripts[tool]));
			}
		}

		const m = new Map(tools.map(t => [t, times.get(t)!.length > 0 ? median(times.get(t)!) : Number.NaN]));
		const ratio = (other: Tool) => (Number.isNaN(m.get(other)!) ? 'n/a' : `${(m.get('kubepki')! / m.get(other)!).toFixed(2)}x`);
		rows.push([c.name, c.algorithm, ...tools.map(t => (Number.isNaN(m.get(t)!) ? 'missing' : m.get(t)!.toFixed(2))), ratio('cfssl'), ratio('openssl')]);
		console.log(`  done: ${c.name} ${c.algorithm}`);
	}
	if (rows.length > 0) printTable();
	// The Ansible scale case: generate for a big cluster, the size of what it writes for Ansible, and how long
	// ansible-playbook takes to read it (--list-hosts, --list-tasks). BENCH_CASES="ansible" runs only this.
	const ansibleCase = `ansible ${ansibleWorkers()} workers ecdsa-p256`;
	if (!only || ansibleCase.includes(only)) benchAnsible(huge);
} finally {
	rmSync(workdir, {recursive: true, force: true});
}

function seconds(command: string, args: string[], cwd?: string): number {
	const started = process.hrtime.bigint();
	const result = spawnSync(command, args, {cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28});
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.slice(-400)}`);
	return Number(process.hrtime.bigint() - started) / 1e9;
}

function benchAnsible(config: string): void {
	const out = path.join(workdir, 'ansible-pki');
	const gen = seconds(process.execPath, [cli, 'generate', '--quiet', '--config', config, '--algorithm', 'ecdsa-p256', '--out', out]);
	const folder = path.join(out, 'nodes', 'ansible');
	const size = (name: string) => `${(statSync(path.join(folder, name)).size / 1024).toFixed(0)} KiB`;
	console.log(`\nAnsible, ${ansibleWorkers()} workers and 2 masters (ECDSA P-256), one run each:`);
	console.log(`  kubepki generate            ${gen.toFixed(2)} s`);
	console.log(`  inventory.yml / site.yml    ${size('inventory.yml')} / ${size('site.yml')}`);
	if (!has('ansible-playbook')) {
		console.log('  ansible-playbook            missing (apt-get install ansible-core)');
		return;
	}

	const ansible = ['-i', path.join(folder, 'inventory.yml'), path.join(folder, 'site.yml')];
	console.log(`  ansible-playbook --list-hosts  ${seconds('ansible-playbook', ['--list-hosts', ...ansible]).toFixed(2)} s`);
	console.log(`  ansible-playbook --list-tasks  ${seconds('ansible-playbook', ['--list-tasks', ...ansible]).toFixed(2)} s`);
}

function printTable(): void {
const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
console.log('\n' + line(header));
for (const row of rows) console.log(line(row));
console.log('\nratio < 1: kubepki is faster (0.50x = half the time).');
}

// Against the floor: the keys alone for RSA, a bare Ink app for the wizard's first frame (bench/floor.ts).
const floorRows = floorBench(runs, only);
if (floorRows.length > 0) {
	const floorHeader = ['against the floor', 'kubepki', 'floor', 'ratio', 'goal'];
	const floorCells = floorRows.map(r => [r.what, r.kubepki, r.floor, `${r.ratio.toFixed(2)}x`, `<= ${r.goal}x ${r.ratio <= r.goal ? 'met' : 'not met'}`]);
	const floorWidths = floorHeader.map((h, i) => Math.max(h.length, ...floorCells.map(r => r[i]!.length)));
	const floorLine = (cells: string[]) => cells.map((cell, i) => cell.padEnd(floorWidths[i]!)).join('  ').trimEnd();
	console.log('\n' + floorLine(floorHeader));
	for (const row of floorCells) console.log(floorLine(row));
}

// lint on a kubepki folder of a 10,000-worker cluster (bench/lint-scale.ts): the cluster is validated once per
// folder. BENCH_CASES=lint runs only this; BENCH_LINT_WORKERS sets the size.
if (!only || only.includes('lint')) {
	const scale = await lintScaleBench();
	console.log(`\nlint, one folder of ${scale.workers.toLocaleString('en')} workers (${scale.files.toLocaleString('en')} files): ${scale.seconds.toFixed(1)} s, max RSS ${Math.round(scale.maxRssMb)} MB, ${scale.findings} findings`);
}

// renew --all on a 100-worker cluster against generate of the same cluster (bench/renew.ts). BENCH_CASES=renew
// runs only this.
const renewRows = renewBench(cli, bigRuns, only);
if (renewRows.length > 0) {
	console.log(`\nrenew --all against generate of the same cluster, median of ${bigRuns} runs:`);
	for (const row of renewRows) {
		console.log(`  ${row.name} ${row.algorithm}: generate ${row.generate.toFixed(2)} s, renew ${row.renew.toFixed(2)} s (${row.files} files changed), renew/generate ${(row.renew / row.generate).toFixed(2)}x`);
	}
}

// The viewer's first frame on 1,000 certificates (bench/inspect.ts): the "reading N files…" row, then the list.
// BENCH_CASES=viewer runs only this (once: it is one pty run per figure).
if (!only || only.includes('viewer')) {
	const folder = mkdtempSync(path.join(tmpdir(), 'kubepki-bench-viewer-'));
	try {
		await makeCertificates(path.join(folder, 'certs'), 1000);
		const viewer = timeViewer(path.join(folder, 'certs'));
		console.log(`\nviewer on 1,000 certificates (pty 100x30, one run): first frame ${viewer.firstFrameMs.toFixed(0)} ms, the list ${viewer.listMs.toFixed(0)} ms (goal: first frame < 1 s)`);
	} finally {
		rmSync(folder, {recursive: true, force: true});
	}
}
