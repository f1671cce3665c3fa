// The shipped CLI is a bundle (scripts/build.mjs): the stack of an internal error names chunk lines. This maps
// each frame back to its source/ file and line from the chunk's source map, read only then: enabling Node's own
// source maps at start would read and parse every loaded chunk's map on every run (megabytes, before the
// wizard's first frame), for a stack that is almost never printed.
import {readFileSync} from 'node:fs';
import {SourceMap, type SourceMapPayload} from 'node:module';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

/** The stack with every frame in a bundled file that has a source map shown at its source file and line. */
export function mappedStack(stack: string): string {
	const maps = new Map<string, SourceMap | undefined>();
	const mapOf = (file: string): SourceMap | undefined => {
		if (!maps.has(file)) {
			let map: SourceMap | undefined;
			try {
				map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
			} catch {
				map = undefined;
			}

			maps.set(file, map);
		}

		return maps.get(file);
	};

	return stack.replaceAll(/(file:\/\/[^\s()]+?\.js):(\d+):(\d+)/g, (frame, url: string, line: string, column: string) => {
		let file: string;
		try {
			file = fileURLToPath(url);
		} catch {
			return frame;
		}

		const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1) as {originalSource?: string; originalLine?: number; originalColumn?: number} | undefined;
		if (!entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return frame;
		const source = entry.originalSource.startsWith('file:') ? entry.originalSource : pathToFileURL(path.resolve(path.dirname(file), entry.originalSource)).href;
		return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
	});
}
