// The renew figure of `npm run bench` (issue 13): renewing every leaf of a 100-worker cluster
// (`kubepki renew --all`, new keys, kubeconfigs and nodes/ copies rebuilt, one transaction with backups), as a
// ratio to `kubepki generate` of the same cluster into an empty folder. Each run generates a fresh folder
// (timed) and then renews it (timed), so the two alternate and a busy moment hits both alike.
// BENCH_CASES="renew" runs only this; BENCH_RENEW_WORKERS sets the size.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {writeClusterFile} from './cluster-yaml.js';

export type RenewRow = {readonly name: string; readonly algorithm: string; readonly generate: number; readonly renew: number; readonly files: number};

function timed(args: string[]): {seconds: number; stdout: string} {
	const started = process.hrtime.bigint();
	const result = spawnSync(process.execPath, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28});
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	if (result.status !== 0) throw new Error(`kubepki ${args.slice(1, 3).join(' ')} failed: ${result.stderr.slice(-400)}`);
	return {seconds, stdout: result.stdout};
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function renewBench(cli: string, runs: number, only?: string, workers = Number(process.env.BENCH_RENEW_WORKERS ?? 100)): RenewRow[] {
	const work = mkdtempSync(path.join(tmpdir(), 'kubepki-bench-renew-'));
	const rows: RenewRow[] = [];
	try {
		const config = writeClusterFile(work, workers, {cluster: 'bench-renew', name: 'cluster.yaml'});
		for (const algorithm of ['rsa-2048', 'ecdsa-p256']) {
			const name = `renew ${workers} workers`;
			if (only && !`${name} ${algorithm}`.includes(only)) continue;
			const generate: number[] = [];
			const renew: number[] = [];
			let files = 0;
			for (let i = 0; i < runs; i++) {
				const out = path.join(work, `pki-${algorithm}-${i}`);
				generate.push(timed([cli, 'generate', '--quiet', '--config', config, '--algorithm', algorithm, '--out', out]).seconds);
				const renewed = timed([cli, 'renew', '--all', '--out', out]);
				renew.push(renewed.seconds);
				files = Number(/(\d+) file\(s\) changed/.exec(renewed.stdout)?.[1] ?? 0);
				rmSync(out, {recursive: true, force: true});
			}

			rows.push({name, algorithm, generate: median(generate), renew: median(renew), files});
		}
	} finally {
		rmSync(work, {recursive: true, force: true});
	}

	return rows;
}
