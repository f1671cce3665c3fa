// No module of source/ reaches itself through value imports. A cycle breaks on the first top-level use of
// an import (the "Cannot access 'clusterFields' before initialization" the wizard once had): types go in a
// module of their own that both sides import. `import type`, `export type` and imports whose every name is
// marked `type` vanish from the JavaScript, so they are no edge; `await import()` runs later, so neither is it.
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import {describe, expect, test} from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(): string[] {
	const files = (readdirSync(path.join(root, 'source'), {recursive: true}) as string[]).filter(f => /\.tsx?$/.test(f)).map(f => path.join(root, 'source', f));
	return [path.join(root, 'cli.tsx'), ...files];
}

/** The specifiers a file imports at value level. */
export function valueImports(file: string, text: string): string[] {
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
	const out: string[] = [];
	for (const node of source.statements) {
		if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
			const clause = node.importClause;
			if (clause?.isTypeOnly) continue;
			const named = clause?.namedBindings;
			const onlyTypes = clause && !clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every(e => e.isTypeOnly);
			if (!onlyTypes) out.push(node.moduleSpecifier.text);
		} else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
			if (node.isTypeOnly) continue;
			const clause = node.exportClause;
			if (clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every(e => e.isTypeOnly)) continue;
			out.push(node.moduleSpecifier.text);
		}
	}

	return out;
}

/** Relative specifiers resolved to files of the tree (`./x.js` is `./x.ts` or `./x.tsx`). */
function resolve(from: string, specifier: string, known: Set<string>): string | undefined {
	if (!specifier.startsWith('.')) return undefined;
	const base = path.resolve(path.dirname(from), specifier).replace(/\.js$/, '');
	return [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find(candidate => known.has(candidate));
}

function graph(): Map<string, string[]> {
	const files = sourceFiles();
	const known = new Set(files);
	return new Map(files.map(file => [file, valueImports(file, readFileSync(file, 'utf8')).flatMap(s => resolve(file, s, known) ?? [])]));
}

/** Every cycle found by a depth-first walk, each as the files around it. */
function cycles(edges: Map<string, string[]>): string[][] {
	const found: string[][] = [];
	const state = new Map<string, 'open' | 'closed'>();
	const stack: string[] = [];
	const visit = (file: string) => {
		state.set(file, 'open');
		stack.push(file);
		for (const next of edges.get(file) ?? []) {
			if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
			else if (!state.has(next)) visit(next);
		}

		stack.pop();
		state.set(file, 'closed');
	};

	for (const file of edges.keys()) if (!state.has(file)) visit(file);
	return found;
}

describe('imports of source/', () => {
	test('no module reaches itself through value imports', () => {
		const edges = graph();
		const found = cycles(edges).map(cycle => cycle.map(f => path.relative(root, f)).join(' -> '));
		expect(found).toEqual([]);
	});

	test('the walk sees the wizard and tells type imports from value imports', () => {
		const edges = graph();
		const machine = path.join(root, 'source/ui/wizard/machine.ts');
		// The reducer imports the stage list as a value: the walk follows it.
		expect(edges.get(machine)).toContain(path.join(root, 'source/ui/wizard/stages/index.ts'));
		expect(valueImports('a.ts', "import type {A} from './a.js';\nimport {type B} from './b.js';\nexport type {C} from './c.js';\nimport {d, type E} from './d.js';\nexport {f} from './f.js';")).toEqual(['./d.js', './f.js']);
		// And it would report a cycle.
		expect(cycles(new Map([['x', ['y']], ['y', ['x']]]))).toEqual([['x', 'y', 'x']]);
	});

	// Issue 19: the wizard draws its first frame before x509 loads (about 100 ms of module evaluation at load) and
	// without the viewer or the folder screen. What it imports before mounting must not reach them by value.
	test('what the wizard loads before its first frame reaches neither x509, nor the viewer, nor the folder screen', () => {
		const edges = graph();
		const reached = (starts: string[]) => {
			const seen = new Set<string>();
			const walk = (file: string) => {
				if (seen.has(file)) return;
				seen.add(file);
				for (const next of edges.get(file) ?? []) walk(next);
			};

			for (const start of starts) walk(path.join(root, start));
			return seen;
		};

		// The modules runScreen imports before mountWizard (source/commands/wizard.ts), and their value imports.
		const beforeFrame = reached(['source/commands/wizard.ts', 'source/commands/load-topology.ts', 'source/core/manifest.ts', 'source/ui/wizard/mount.tsx', 'source/core/write.ts', 'source/core/printable.ts', 'source/core/encryption.ts']);
		const late = ['source/core/pki/x509.ts', 'source/ui/viewer/index.tsx', 'source/ui/folder/Opening.tsx', 'source/core/folder-glance.ts'].map(file => path.join(root, file));
		expect(late.filter(file => beforeFrame.has(file)).map(file => path.relative(root, file))).toEqual([]);
		// The walk does reach what the screen needs (the reading frame on a folder too), and would see x509 from the module that signs.
		expect(beforeFrame.has(path.join(root, 'source/ui/wizard/Wizard.tsx'))).toBe(true);
		expect(beforeFrame.has(path.join(root, 'source/ui/folder/Reading.tsx'))).toBe(true);
		expect(reached(['source/core/pki/x509.ts']).has(late[0]!)).toBe(true);
	});
});
