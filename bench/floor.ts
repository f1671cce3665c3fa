// The second half of `npm run bench`: kubepki against the physical floor, in one loop, interleaved.
// - generate with RSA against Node's start plus the same number of webcrypto keys made as kubepki makes them
//   (dist/bench/keygen-floor.js): what is left above 1.0x is kubepki's own work;
// - the wizard's first frame against a one-line Ink app bundled the same way (dist/bench/bare-ink.js) and the
//   same app unbundled, each timed in a pseudo-terminal from start to the frame (bench/pty-first-frame.py).
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {keyConcurrency} from '../source/core/pki/keys.js';
import {keyCount, writeClusterFile} from './cluster-yaml.js';

const here = import.meta.dirname;
const cli = path.resolve(here, '../cli.js');
const repo = path.resolve(here, '../..');
const pty = path.join(repo, 'bench', 'pty-first-frame.py');

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function seconds(command: string, args: string[], cwd: string): number {
	const started = process.hrtime.bigint();
	const result = spawnSync(command, args, {cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'});
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.slice(-300)}`);
	return Number(process.hrtime.bigint() - started) / 1e9;
}

function firstFrameMs(pattern: string, command: string[], cwd: string): number {
	const result = spawnSync('python3', [pty, pattern, ...command], {cwd, encoding: 'utf8'});
	if (result.status !== 0) throw new Error(`first frame of ${command.join(' ')}: ${result.stderr.slice(-300)}`);
	return Number(result.stdout.trim());
}

/**
 * How far the ratio of two medians moves with the runs drawn: the 5th and 95th percentiles of the ratio over
 * resamplings of each side's runs (a bootstrap; a fixed seed, so one set of runs always gives one interval). RSA
 * prime search makes nine keys take anywhere from 0.7 to 1.6 s of CPU, so this is often wider than the goal's 10%.
 */
export function ratioInterval(ours: readonly number[], floor: readonly number[], rounds = 2000): readonly [number, number] {
	let seed = 0x9e37_79b9;
	const random = () => {
		seed = (seed * 1_103_515_245 + 12_345) >>> 0;
		return seed / 2 ** 32;
	};

	const resample = (values: readonly number[]) => Array.from(values, () => values[Math.floor(random() * values.length)]!);
	const ratios = Array.from({length: rounds}, () => median(resample(ours)) / median(resample(floor))).sort((a, b) => a - b);
	return [ratios[Math.floor(rounds * 0.05)]!, ratios[Math.floor(rounds * 0.95)]!];
}

export type FloorRow = {
	readonly what: string;
	readonly kubepki: string;
	readonly floor: string;
	readonly ratio: number;
	readonly goal: number;
	/** The ratio's 90% interval over the runs (ratioInterval), for the RSA rows. */
	readonly interval?: readonly [number, number];
	readonly runs?: number;
};

/**
 * Runs of each RSA floor case: BENCH_FLOOR_RUNS (default 15 at 2 workers) and BENCH_FLOOR_BIG_RUNS (default 5 at 100
 * workers, about 20 s a pair). Fewer leave the ratio's noise (the prime search) larger than the gap it measures.
 */
function floorRuns(workers: number): number {
	return workers > 2 ? Number(process.env.BENCH_FLOOR_BIG_RUNS ?? 5) : Number(process.env.BENCH_FLOOR_RUNS ?? 15);
}

export function floorBench(runs: number, only?: string): FloorRow[] {
	const work = mkdtempSync(path.join(tmpdir(), 'kubepki-bench-floor-'));
	const rows: FloorRow[] = [];
	try {
		const want = (name: string) => !only || name.includes(only);
		for (const workers of [2, 100]) {
			const name = `generate rsa-2048 ${workers} workers vs keygen floor`;
			if (!want(name)) continue;
			const config = writeClusterFile(work, workers);
			// Counted from the file generate reads below.
			const keys = keyCount(config);
			const ours: number[] = [];
			const floor: number[] = [];
			const n = floorRuns(workers);
			// Interleaved, and which of the two goes first alternates: a busy moment or a warm cache favours neither.
			const generateOnce = (i: number) => {
				const out = path.join(work, `out-${workers}-${i}`);
				ours.push(seconds(process.execPath, [cli, 'generate', '--quiet', '--config', config, '--algorithm', 'rsa-2048', '--out', out], work));
				rmSync(out, {recursive: true, force: true});
			};

			const floorOnce = () => floor.push(seconds(process.execPath, [path.join(here, 'keygen-floor.js'), 'rsa-2048', String(keys)], work));
			for (let i = 0; i < n; i++) {
				if (i % 2 === 0) {
					generateOnce(i);
					floorOnce();
				} else {
					floorOnce();
					generateOnce(i);
				}
			}

			rows.push({
				what: name,
				kubepki: `${median(ours).toFixed(2)} s`,
				floor: `${median(floor).toFixed(2)} s (${keys} keys, ${keyConcurrency} at a time)`,
				ratio: median(ours) / median(floor),
				goal: 1.1,
				interval: ratioInterval(ours, floor),
				runs: n,
			});
		}

		const frameName = 'wizard first frame vs bundled bare Ink';
		if (want(frameName)) {
			const ours: Record<'rsa-2048' | 'ecdsa-p256', number[]> = {'rsa-2048': [], 'ecdsa-p256': []};
			const bare: number[] = [];
			const unbundled: number[] = [];
			const node: number[] = [];
			for (let i = 0; i < runs; i++) {
				for (const algorithm of ['rsa-2048', 'ecdsa-p256'] as const) {
					ours[algorithm].push(firstFrameMs('step 1 of 10', [process.execPath, cli, '--algorithm', algorithm, '--out', path.join(work, `wizard-${i}`)], work));
				}

				bare.push(firstFrameMs('bare ink first frame', [process.execPath, path.join(here, 'bare-ink.js')], work));
				unbundled.push(firstFrameMs('bare ink first frame', [process.execPath, path.join(repo, 'bench', 'bare-ink-unbundled.mjs')], repo));
				node.push(seconds(process.execPath, ['-e', '0'], work) * 1000);
			}

			const floor = median(bare);
			for (const algorithm of ['rsa-2048', 'ecdsa-p256'] as const) {
				rows.push({
					what: `wizard first frame (${algorithm}) vs bundled bare Ink`,
					kubepki: `${median(ours[algorithm]).toFixed(0)} ms`,
					floor: `${floor.toFixed(0)} ms (unbundled ${median(unbundled).toFixed(0)} ms, node -e 0 ${median(node).toFixed(0)} ms)`,
					ratio: median(ours[algorithm]) / floor,
					goal: 1.5,
				});
			}
		}
	} finally {
		rmSync(work, {recursive: true, force: true});
	}

	return rows;
}
