// The `c` view's commands, pasted as they are shown: every stage, both flavours, at 80 and 100 columns, go
// through `bash -n`; the CA and kubelet stages' openssl commands run for real and make certificates openssl
// verifies. What is checked is the text on screen (the pane's lines, scrolled through), not the commands the
// stage was built from.
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {exampleTopology} from '../../source/core/topology.js';
import {shellWords} from '../../source/ui/widgets/shell-lines.js';
import {explainLines, stageCommands} from '../../source/ui/wizard/explain-lines.js';
import {frameLayout} from '../../source/ui/wizard/layout.js';
import {initialState, startAt, type WizardState} from '../../source/ui/wizard/machine.js';
import {stages} from '../../source/ui/wizard/stages/index.js';
import {hasTool, tempDir} from '../helpers/tools.js';

const base = initialState({...exampleTopology(), algorithm: 'ecdsa-p256'}, {outDir: 'pki'});
const flavors = ['cfssl', 'openssl'] as const;
const widths = [80, 100] as const;

function at(stage: string, flavor: (typeof flavors)[number]): WizardState {
	return {...startAt(base, stage as WizardState['done'][number]), showCommand: flavor};
}

/** The pane's text as a person copies it from the screen at `columns`. */
function shown(state: WizardState, columns: number): {text: string; width: number; lines: string[]} {
	const {explainWidth} = frameLayout(columns, 24);
	const lines = explainLines(state, explainWidth).map(line => line.text);
	return {text: lines.join('\n') + '\n', width: explainWidth, lines};
}

/** Lines the shell reads as inside a here-document (their content is data, never wrapped). */
function heredocLines(lines: readonly string[]): Set<number> {
	const inside = new Set<number>();
	let end: string | undefined;
	lines.forEach((line, i) => {
		if (end !== undefined) {
			inside.add(i);
			if (line === end) end = undefined;
		} else {
			end = /<<-?\s*['"]?(\w+)/.exec(line)?.[1];
		}
	});
	return inside;
}

/** The commands of a text, each as its words: continued lines joined, comments left out. */
function commandWords(text: string): string[] {
	return text
		.replaceAll(/ \\\n\s+/g, ' ')
		.split('\n')
		.filter(line => line.trim() !== '' && !line.trimStart().startsWith('#'))
		.map(line => shellWords(line).filter(w => !w.startsWith('#')).join(' '));
}

describe('commands as shown in the c view', () => {
	for (const flavor of flavors) {
		for (const columns of widths) {
			test(`${flavor} at ${columns} columns: every stage pastes into bash -n, and no command is broken inside a word`, () => {
				for (const stage of stages) {
					const state = at(stage.id, flavor);
					const {text, width, lines} = shown(state, columns);
					const check = spawnSync('bash', ['-n'], {input: text, encoding: 'utf8'});
					expect(check.stderr, `${stage.id}:\n${text}`).toBe('');
					expect(check.status, stage.id).toBe(0);

					// A line wider than the pane is one word that cannot break, or a here-document's line.
					const inside = heredocLines(lines);
					lines.forEach((line, i) => {
						if (line.length <= width || inside.has(i)) return;
						const words = shellWords(line).filter(w => w !== '\\');
						expect(words.length, `${stage.id}: ${line}`).toBeLessThanOrEqual(line.trimStart().startsWith('#') ? Infinity : 1);
					});

					// Joined again at each " \" break, the lines are the stage's own commands, word for word.
					expect(commandWords(text), stage.id).toEqual(commandWords(stageCommands(state).join('\n')));
				}
			});
		}
	}

	test('a comment wraps as comments, a here-document keeps its indentation', () => {
		const {lines, width} = shown(at('ca', 'cfssl'), 80);
		const inside = heredocLines(lines);
		const jsonLines = lines.filter((_, i) => inside.has(i));
		expect(jsonLines).toContain('  "signing": {');
		expect(jsonLines.some(line => line.length > width)).toBe(true);
		const note = lines.slice(0, lines.indexOf(''));
		expect(note.length).toBeGreaterThan(1);
		for (const line of note) expect(line).toMatch(/^# /);
		expect(note.map(line => line.slice(2)).join(' ')).toContain('kubepki script --flavor cfssl');
	});
});

describe.runIf(hasTool('openssl'))('pasted for real', () => {
	test('the CA and kubelet stages\' openssl commands, as shown at 80 columns, make certificates openssl verifies', () => {
		const dir = tempDir();
		for (const stage of ['ca', 'kubelets']) {
			const {text} = shown(at(stage, 'openssl'), 80);
			const result = spawnSync('bash', ['-euo', 'pipefail'], {cwd: dir, input: text, encoding: 'utf8'});
			expect(result.status, `${stage}: ${result.stderr}`).toBe(0);
		}

		for (const file of ['ca.pem', 'ca-key.pem', 'node1.pem', 'node1-key.pem', 'node2.pem']) expect(existsSync(path.join(dir, file)), file).toBe(true);
		const verify = execFileSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'ca.pem', 'node1.pem'], {cwd: dir, encoding: 'utf8'});
		expect(verify.trim()).toBe('node1.pem: OK');
		const node1 = exampleTopology().workers[0]!;
		const ip = execFileSync('openssl', ['x509', '-in', 'node1.pem', '-noout', '-checkip', node1.ip, '-subject'], {cwd: dir, encoding: 'utf8'});
		expect(ip).toContain('does match certificate');
		expect(ip).toContain(`system:node:${node1.name}`);
	});
});
