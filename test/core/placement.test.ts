// Every file name kubepki writes is spelled in one module, source/core/placement.ts: a name typed out anywhere
// else in source/ (code, prose or comment) is a second place that can drift. The names are what placement.ts
// knows: its constants, and what its functions give for the example cluster's plans in both layouts (every
// certificate, key, kubeconfig, .conf, pki/ file, unit and copy). Each is searched with `git grep -F` over the
// tree as it is on disk and a hit counts only at a name boundary (`front-proxy-ca.crt` is not `ca.crt`).
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import * as placement from '../../source/core/placement.js';
import {buildPlan, type Plan} from '../../source/core/plan.js';
import {exampleTopology} from '../../source/core/topology.js';
import {kubeconfigSpecs} from '../../source/core/kubeconfig.js';
import {kubeadmConfs} from '../../source/core/kubeadm.js';
import {scriptOutputs} from '../../source/core/script.js';
import {distribution} from '../../source/core/distribute.js';
import {kubeadmUnitFiles} from '../../source/core/kubeadm-units.js';
import {unitFiles} from '../../source/core/units.js';

const root = path.resolve(import.meta.dirname, '../..');
const module = 'source/core/placement.ts';

/** Every string a value of placement.ts holds (constants and the fields of its constant objects). */
function constants(): string[] {
	const out: string[] = [];
	const walk = (value: unknown) => {
		if (typeof value === 'string') out.push(value);
		else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner);
	};
	for (const value of Object.values(placement)) if (typeof value !== 'function') walk(value);
	return out;
}

/** The paths the plans' files get: certificates, keys, kubeconfigs, kubeadm's host files and .confs, units, bundles, the rotation's pairs. */
function planPaths(plan: Plan): string[] {
	const hosts = [...plan.topology.masters, ...plan.topology.workers].map(h => h.name);
	const paths = scriptOutputs(plan).map(o => o.path);
	// A CA's files while it is rotated: its next pair and its old certificate.
	const rotation = (own: {cert: string; key: string}) => {
		const files = placement.rotationPaths(own);
		return [files.old, files.next.cert, files.next.key];
	};
	for (const spec of plan.certs) {
		const ca = spec.signer === 'self';
		if (plan.layout === 'kubeadm') {
			for (const host of hosts) {
				const kubeadm = placement.kubeadmPaths(spec, host);
				if (kubeadm && ca) paths.push(...rotation(kubeadm));
				paths.push(...placement.kubeadmHostFiles(spec, host).map(f => f.path));
			}
		} else {
			const own = placement.hardwayPaths(spec);
			paths.push(own.cert, own.key, ...(ca ? rotation(own) : []));
		}
	}

	if (plan.layout === 'kubeadm') {
		paths.push(...kubeadmConfs(plan).map(c => c.path), ...kubeadmUnitFiles(plan).map(f => f.path), placement.caCertPath(plan));
	} else {
		paths.push(...kubeconfigSpecs(plan).map(k => k.file), ...unitFiles(plan).map(f => f.path), placement.caCertPath(plan));
		for (const bundle of distribution(plan)) for (const d of bundle.files) paths.push(d.source, placement.bundlePath(bundle.host, d.target));
	}

	return paths;
}

/** The names to look for: each path's file name, and its last two parts where the folder is part of the name (`etcd/ca.crt`). */
function knownNames(): string[] {
	const topology = exampleTopology();
	const paths = [...constants(), ...planPaths(buildPlan(topology)), ...planPaths(buildPlan(topology, {layout: 'kubeadm'}))];
	const names = new Set<string>();
	for (const p of paths) {
		const parts = p.split('/');
		const base = parts.at(-1)!;
		// A file name has an extension; folders (`nodes`) and install paths' folders are not names of files.
		if (!/^\w.*\.[a-z]+$/.test(base)) continue;
		names.add(base);
		if (parts.length >= 2 && !topology.masters.concat(topology.workers).some(h => h.name === parts.at(-2))) names.add(parts.slice(-2).join('/'));
	}

	return [...names].sort();
}

/** Where `name` is spelled in source/ outside placement.ts, at a name boundary: `file:line: text`. */
function spelled(name: string): string[] {
	let out = '';
	try {
		out = execFileSync('git', ['grep', '--untracked', '-n', '-F', name, '--', 'source', `:!${module}`], {cwd: root, encoding: 'utf8'});
	} catch (error) {
		if ((error as {status?: number}).status === 1) return [];
		throw error;
	}

	const escaped = name.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
	// Not part of a longer name: no name character before it, and after it neither a name character nor `.x`.
	const boundary = new RegExp(`(?<![\\w.-])${escaped}(?![\\w-]|\\.\\w)`);
	return out.split('\n').filter(line => line && boundary.test(line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1)));
}

describe('file names are spelled in placement.ts only', () => {
	const names = knownNames();

	test('placement.ts knows the names of both layouts (the search below has something to find)', () => {
		for (const name of ['ca.pem', 'ca-key.pem', 'admin.kubeconfig', 'encryption-config.yaml', 'sa.pub', 'sa.key', 'controller-manager.conf', 'etcd/ca.crt', 'copy.sh', 'kubepki-manifest.json', 'kube-apiserver.service', 'inventory.yml']) {
			expect(names).toContain(name);
		}
	});

	test('the boundary rule finds a name where it is spelled and not inside a longer one', () => {
		const boundary = (name: string, text: string) => new RegExp(`(?<![\\w.-])${name.replaceAll('.', '\\.')}(?![\\w-]|\\.\\w)`).test(text);
		expect(boundary('ca.pem', 'cp nodes/master1/ca.pem .')).toBe(true);
		expect(boundary('ca.pem', 'trusts ca.pem.')).toBe(true);
		expect(boundary('ca.crt', 'front-proxy-ca.crt')).toBe(false);
		expect(boundary('ca.crt', 'kube-root-ca.crt')).toBe(false);
		expect(boundary('ca.pem', 'ca.pem.bak')).toBe(false);
		// The search itself: placement.ts spells the CA's kubeadm name, so a search that did not exclude it would find it.
		expect(execFileSync('git', ['grep', '--untracked', '-c', '-F', 'ca.crt', '--', module], {cwd: root, encoding: 'utf8'})).not.toBe('');
	});

	test.each(names)('%s', name => {
		expect(spelled(name)).toEqual([]);
	});
});

// Paths are composed there too: a template that ends a name with one of the layouts' extensions (`${x}.pem`,
// `${host}.kubeconfig`) outside placement.ts is a second rule for a name. The readers of source/core/pki/read/
// are apart: they take apart the names of any folder, not the ones kubepki writes.
describe('file names are composed in placement.ts only', () => {
	test('no `${...}.pem`, `-key.pem`, `.kubeconfig`, `.conf`, `.crt`, `.key`, `.pub`, `.service` or `.env` template elsewhere in source/', () => {
		let out = '';
		try {
			out = execFileSync('git', ['grep', '--untracked', '-n', '-P', String.raw`\}(\.pem|-key\.pem|\.kubeconfig|\.conf|\.crt|\.key|\.pub|\.service|\.env)\b`, '--', 'source', `:!${module}`, ':!source/core/pki/read/'], {cwd: root, encoding: 'utf8'});
		} catch (error) {
			if ((error as {status?: number}).status !== 1) throw error;
		}

		expect(out.split('\n').filter(Boolean)).toEqual([]);
		// The pattern finds what it is for: placement.ts composes exactly so.
		expect(execFileSync('git', ['grep', '--untracked', '-c', '-P', String.raw`\}(\.pem|-key\.pem)\b`, '--', module], {cwd: root, encoding: 'utf8'})).not.toBe('');
	});
});
