// The lint figure of `npm run bench`: a kubepki folder of a cluster with many workers (default 10,000; set
// BENCH_LINT_WORKERS), its manifest holding that cluster, linted in this process. Before the cluster was
// validated once per folder, 1,000 workers took 27.5 s and 10,000 were stopped at 900 s and 921 MB.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {lint} from '../source/core/lint/index.js';
import {buildManifest} from '../source/core/manifest.js';
import {buildPlan, specById, type CertSpec} from '../source/core/plan.js';
import {issue} from '../source/core/pki/issue.js';
import {generateKeyPair} from '../source/core/pki/keys.js';
import {loadPaths} from '../source/core/pki/load.js';
import {exampleTopology, type Topology} from '../source/core/topology.js';

export type LintScale = {workers: number; files: number; seconds: number; maxRssMb: number; findings: number};

/** Make the folder (a CA, one kubelet certificate per worker, the manifest), then load and lint it once. */
export async function lintScaleBench(workers = Number(process.env.BENCH_LINT_WORKERS ?? 10_000)): Promise<LintScale> {
	const dir = mkdtempSync(path.join(tmpdir(), 'kubepki-lint-scale-'));
	try {
		const base = exampleTopology();
		const topology: Topology = {
			...base,
			algorithm: 'ecdsa-p256',
			workers: Array.from({length: workers}, (_, i) => {
				const ip = `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
				return {name: `node${i + 1}`, ip, ips: [ip]};
			}),
		};
		const plan = buildPlan({...base, algorithm: 'ecdsa-p256'});
		const caSpec = specById(plan, 'ca');
		const kubelet = specById(plan, 'kubelet:node1');
		const [caKeys, leafKeys] = await Promise.all([generateKeyPair('ecdsa-p256'), generateKeyPair('ecdsa-p256')]);
		const ca = await issue(caSpec, caKeys, undefined);
		const files = [{path: 'ca.pem', content: ca.certPem, mode: 0o644, kind: 'certificate', certId: 'ca'}];
		const roles = new Map<string, string>([['ca', caSpec.role]]);
		for (const worker of topology.workers) {
			const spec: CertSpec = {
				...kubelet,
				id: `kubelet:${worker.name}`,
				file: worker.name,
				commonName: `system:node:${worker.name}`,
				sans: [
					{type: 'dns', value: worker.name, why: ''},
					{type: 'ip', value: worker.ip, why: ''},
				],
			};
			const leaf = await issue(spec, leafKeys, {certPem: ca.certPem, keys: caKeys});
			files.push({path: `${worker.name}.pem`, content: leaf.certPem, mode: 0o644, kind: 'certificate', certId: spec.id});
			roles.set(spec.id, spec.role);
		}

		for (const file of files) writeFileSync(path.join(dir, file.path), file.content);
		writeFileSync(path.join(dir, 'kubepki-manifest.json'), buildManifest({layout: 'hardway', source: 'bench', cluster: topology, generatedAt: new Date(), files, roles}));
		const started = performance.now();
		const loaded = await loadPaths([dir]);
		const findings = lint(loaded);
		const seconds = (performance.now() - started) / 1000;
		// maxRSS covers the making too; the making holds far less than the load (one certificate at a time).
		return {workers, files: files.length + 1, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, findings: findings.length};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
