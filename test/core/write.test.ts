import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {commitFolder as writeAll, lockFolder, resolveInside, stagingDirName, writeFileAtomic} from '../../source/core/write.js';
import {cliPath, tempDir} from '../helpers/tools.js';

describe('writing files', () => {
	const dir = tempDir();

	it('creates folders 0700 and files with the requested mode from the start', async () => {
		const out = path.join(dir, 'a', 'b');
		await writeAll(out, [
			{path: 'x-key.pem', content: 'secret', mode: 0o600, kind: 'private-key'},
			{path: 'sub/x.pem', content: 'public', mode: 0o644, kind: 'certificate'},
		]);
		expect(statSync(out).mode & 0o777).toBe(0o700);
		expect(statSync(path.join(out, 'sub')).mode & 0o777).toBe(0o700);
		expect(statSync(path.join(out, 'x-key.pem')).mode & 0o777).toBe(0o600);
		expect(statSync(path.join(out, 'sub/x.pem')).mode & 0o777).toBe(0o644);
		expect(readFileSync(path.join(out, 'x-key.pem'), 'utf8')).toBe('secret');
	});

	it('replaces a file whole and tightens its mode, leaving no temp file', async () => {
		const file = path.join(dir, 'replace.pem');
		writeFileSync(file, 'old', {mode: 0o666});
		await writeFileAtomic(file, 'new', 0o600);
		expect(readFileSync(file, 'utf8')).toBe('new');
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(readdirSync(dir).filter(f => f.includes('kubepki-tmp'))).toEqual([]);
	});

	it('writes many files at once, every new folder 0700 however deep, and returns the paths in order', async () => {
		const out = path.join(dir, 'many');
		const files = Array.from({length: 40}, (_, i) => ({path: `h${i % 3}/pki/etcd/f${i}.pem`, content: `c${i}`, mode: 0o644 as const, kind: 'certificate'}));
		const written = await writeAll(out, files);
		expect(written).toEqual(files.map(f => path.join(out, f.path)));
		for (const f of files) expect(readFileSync(path.join(out, f.path), 'utf8')).toBe(f.content.toString());
		for (const sub of ['h0', 'h0/pki', 'h0/pki/etcd', 'h2/pki']) expect(statSync(path.join(out, sub)).mode & 0o777, sub).toBe(0o700);
	});

	it('when one file cannot be put in place: rejects, writes no manifest, and leaves no temp file', async () => {
		const out = path.join(dir, 'fails');
		// A folder where a file should go: its rename fails.
		mkdirSync(path.join(out, 'b.pem', 'inside'), {recursive: true});
		const files = [
			...Array.from({length: 12}, (_, i) => ({path: `a${i}.pem`, content: 'x', mode: 0o644 as const, kind: 'certificate'})),
			{path: 'b.pem', content: 'x', mode: 0o644 as const, kind: 'certificate'},
			{path: 'kubepki-manifest.json', content: '{}', mode: 0o644 as const, kind: 'manifest'},
		];
		await expect(writeAll(out, files)).rejects.toThrow();
		const left = readdirSync(out, {recursive: true, encoding: 'utf8'});
		expect(left).not.toContain('kubepki-manifest.json');
		expect(left.filter(name => name.includes('kubepki-tmp'))).toEqual([]);
	});

	it('removes temp files a killed run left behind before writing again', async () => {
		const out = path.join(dir, 'stale');
		mkdirSync(out);
		writeFileSync(path.join(out, '.kubepki-tmp-ca-key.pem-deadbeef'), 'half a key');
		await writeAll(out, [{path: 'ca.pem', content: 'x', mode: 0o644, kind: 'certificate'}]);
		expect(readdirSync(out)).toEqual(['ca.pem']);
	});

	it('files staged before the commit go live only with it: the commit\'s bytes win, a staged file it does not list never goes live', async () => {
		const out = path.join(dir, 'staged');
		await writeAll(out, [{path: 'old.pem', content: 'old', mode: 0o644, kind: 'certificate'}]);
		const folder = await lockFolder(out);
		try {
			folder.stage([
				{path: 'nodes/n1/a.pem', content: 'a', mode: 0o644, kind: 'certificate'},
				{path: 'b-key.pem', content: 'staged b', mode: 0o600, kind: 'private-key'},
				{path: 'dropped.pem', content: 'never listed', mode: 0o644, kind: 'certificate'},
			]);
			// Staged, not live: once the staged files are there, the folder is still the old set until the commit.
			const staged = ['nodes/n1/a.pem', 'b-key.pem', 'dropped.pem'].map(rel => path.join(out, stagingDirName, 'files', rel));
			while (!staged.every(file => existsSync(file))) await new Promise(resolve => setTimeout(resolve, 5));
			expect(readdirSync(out).filter(name => !name.startsWith('.kubepki'))).toEqual(['old.pem']);
			await folder.commit([
				{path: 'nodes/n1/a.pem', content: 'a', mode: 0o644, kind: 'certificate'},
				{path: 'b-key.pem', content: 'committed b', mode: 0o600, kind: 'private-key'},
				{path: 'old.pem', content: 'new', mode: 0o644, kind: 'certificate'},
			]);
		} finally {
			await folder.release();
		}

		expect(readFileSync(path.join(out, 'nodes/n1/a.pem'), 'utf8')).toBe('a');
		expect(statSync(path.join(out, 'nodes/n1')).mode & 0o777).toBe(0o700);
		expect(readFileSync(path.join(out, 'b-key.pem'), 'utf8')).toBe('committed b');
		expect(statSync(path.join(out, 'b-key.pem')).mode & 0o777).toBe(0o600);
		expect(readFileSync(path.join(out, 'old.pem'), 'utf8')).toBe('new');
		expect(existsSync(path.join(out, 'dropped.pem'))).toBe(false);
		expect(existsSync(path.join(out, stagingDirName))).toBe(false);
	});

	it('files staged and never committed leave the folder as it was once released', async () => {
		const out = path.join(dir, 'staged-only');
		await writeAll(out, [{path: 'old.pem', content: 'old', mode: 0o644, kind: 'certificate'}]);
		const folder = await lockFolder(out);
		folder.stage([{path: 'new.pem', content: 'new', mode: 0o644, kind: 'certificate'}]);
		await folder.release();
		expect(readdirSync(out)).toEqual(['old.pem']);
	});

	it('refuses a path that would leave the output folder', () => {
		expect(() => resolveInside(dir, '../evil')).toThrow(/escapes/);
		expect(() => resolveInside(dir, '/etc/passwd')).toThrow(/escapes/);
		expect(resolveInside(dir, 'nodes/node1/ca.pem')).toBe(path.join(dir, 'nodes/node1/ca.pem'));
	});
});

describe('Ctrl-C during generate', () => {
	it('dies by SIGINT (the shell sees 130) and leaves no half-written or temp file', async () => {
		const out = path.join(tempDir(), 'pki');
		const child = spawn(process.execPath, [cliPath, 'generate', '--algorithm', 'rsa-4096', '--out', out], {stdio: 'ignore'});
		// The lock is taken before the keys are made: once it is there, the run is under way.
		while (!existsSync(path.join(out, '.kubepki-lock'))) await new Promise(resolve => setTimeout(resolve, 5));
		// Frozen, it gets the interrupt while RSA-4096 keys are owed, on a machine of any speed; it handles the
		// interrupt as soon as it runs again.
		child.kill('SIGSTOP');
		const exited = new Promise<[number | null, NodeJS.Signals | null]>(resolve => {
			child.on('exit', (code, signal) => resolve([code, signal]));
		});
		child.kill('SIGINT');
		child.kill('SIGCONT');
		const [code, signal] = await exited;
		// Killed by the signal itself after cleaning up (the shell's $? is 130). How soon is for npm run bench.
		expect({code, signal}).toEqual({code: null, signal: 'SIGINT'});
		const left = existsSync(out) ? readdirSync(out, {recursive: true}).map(String) : [];
		expect(left.filter(f => f.includes('kubepki-tmp'))).toEqual([]);
		expect(left).toEqual([]);
	});
});
