// loadPaths tells how far it is (the viewer's "reading N files… M read" row): first 0 of N, then each file, N of N last.
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {makeCertificates} from '../../bench/inspect.js';
import {loadPaths} from '../../source/core/pki/load.js';
import {tempDir} from '../helpers/tools.js';

describe('loadPaths progress', () => {
	it('reports 0 of N before any file is read, every file once, and N of N when all are', async () => {
		const dir = path.join(tempDir('kubepki-progress-'), 'certs');
		const files = await makeCertificates(dir, 40);
		const seen: Array<[number, number]> = [];
		const loaded = await loadPaths([dir], {onProgress: (read, total) => seen.push([read, total])});
		expect(loaded.items.filter(item => item.kind === 'certificate')).toHaveLength(files.length);
		expect(seen[0]).toEqual([0, files.length]);
		expect(seen.at(-1)).toEqual([files.length, files.length]);
		expect(seen.map(([read]) => read)).toEqual(Array.from({length: files.length + 1}, (_, i) => i));
	});
});
