#!/usr/bin/env node
// The shipped build: cli.tsx bundled by esbuild into dist/cli.js with code splitting, so that a headless
// command loads only its own chunks (no React, no Ink) and the wizard loads them once. tsc stays the type
// check (npm run typecheck); the tests run this bundle, the artifact people install. bench/ is bundled too.
import {rm} from 'node:fs/promises';
import path from 'node:path';
import {build} from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

const common = {
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	sourcemap: true,
	logLevel: 'warning',
	// Ink imports its devtools only when DEV=true; they are not a dependency.
	external: ['react-devtools-core'],
	// Some dependencies are CommonJS and require Node's built-ins: give the ESM bundle a require.
	banner: {js: "import {createRequire as kubepkiCreateRequire} from 'node:module'; const require = kubepkiCreateRequire(import.meta.url);"},
	// Ink and React read NODE_ENV; the shipped CLI is a production build.
	define: {'process.env.NODE_ENV': '"production"'},
	absWorkingDir: root,
};

await rm(dist, {recursive: true, force: true});
await build({...common, entryPoints: ['cli.tsx'], outdir: dist, splitting: true, chunkNames: 'chunks/[name]-[hash]'});
// Each bench entry on its own (no shared chunks): they find the CLI relative to their own file.
await build({...common, entryPoints: ['bench/bench.ts', 'bench/inspect.ts', 'bench/keygen-floor.ts'], outdir: path.join(dist, 'bench')});
// The bare Ink app of the first-frame floor, split as the CLI is (Ink's devtools stay a chunk never loaded).
await build({...common, entryPoints: ['bench/bare-ink.tsx'], outdir: path.join(dist, 'bench'), splitting: true, chunkNames: 'ink-chunks/[name]-[hash]'});
