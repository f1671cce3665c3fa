// The frame's arithmetic, without rendering: whatever the stage holds, the panes add up to the rows there
// are, and the focused row is always among the rows drawn.
import {describe, expect, test} from 'vitest';
import {exampleTopology} from '../../source/core/topology.js';
import {char, named} from '../../source/ui/keys/keys.js';
import {frameModel, type FrameModel} from '../../source/ui/wizard/frame-model.js';
import {frameLayout} from '../../source/ui/wizard/layout.js';
import {initialState, itemsOf, startAt, wizardReducer, type WizardState} from '../../source/ui/wizard/machine.js';

const start = () => initialState(exampleTopology(), {viewerAvailable: true, outDir: 'pki'});

function height(model: FrameModel): number {
	const stage = model.summary.length + model.itemsHeight + 1 + model.body.height;
	return model.layout.wide ? stage : stage + 1 + model.explain.height;
}

function drawnText(model: FrameModel): string {
	return model.items.flatMap(b => (b.kind === 'lines' ? b.lines.map(l => l.text) : [`› ${b.item.label}`])).join('\n');
}

const sizes = [
	[80, 24],
	[100, 30],
	[120, 40],
] as const;

describe('frame layout', () => {
	test.each(sizes)('%i×%i: the narrow layout below 120 columns, the wide one from 120', (columns, rows) => {
		const layout = frameLayout(columns, rows);
		expect(layout.wide).toBe(columns >= 120);
		expect((layout.sidebarWidth > 0 ? layout.sidebarWidth + 2 : 0) + layout.mainWidth + (layout.wide ? 3 + layout.explainWidth : 0)).toBe(columns);
		expect(layout.contentHeight + 3).toBe(rows - 1);
	});

	test.each(sizes)('%i×%i: a cluster full of problems still fits, with the field being fixed on screen', (columns, rows) => {
		let state = startAt(start(), 'cluster');
		const bad = Array.from({length: 6}, (_, i) => `../w${i}:10.0.0.${300 + i}`).join(', ');
		state = {...state, focus: itemsOf(state).findIndex(i => i.id === 'cluster.workers')};
		state = wizardReducer(state, {type: 'key', key: named('enter')});
		// The field's text replaced by the bad list, and saved: keys, as typed.
		state = {...state, editing: {...state.editing!, value: '', cursor: 0}};
		for (const key of [char(bad), named('enter')]) state = wizardReducer(state, {type: 'key', key});
		expect(state.problems.length).toBe(12);
		const model = frameModel(state, frameLayout(columns, rows));
		expect(height(model)).toBeLessThanOrEqual(model.layout.contentHeight);
		expect(drawnText(model)).toContain('› Workers');
		expect(model.explain.height).toBeGreaterThanOrEqual(columns >= 120 ? 10 : 1);
	});

	test('forty extra SANs: the add field keeps the focus on screen, the rest is counted', () => {
		const sans = Array.from({length: 40}, (_, i) => `api${i}.example.com`);
		let state: WizardState = startAt({...start(), extraSans: sans}, 'sans');
		state = {...state, focus: itemsOf(state).findIndex(i => i.id === 'san.add')};
		const model = frameModel(state, frameLayout(80, 24));
		expect(height(model)).toBeLessThanOrEqual(model.layout.contentHeight);
		const text = drawnText(model);
		expect(text).toContain('› Add a SAN');
		expect(text).toMatch(/↑ \d+ more rows above/);
	});
});

describe('80×24', () => {
	const layout = frameLayout(80, 24);

	test('no sidebar below 100 columns: the header says where the wizard is and what comes next', () => {
		expect(layout.sidebarWidth).toBe(0);
		expect(layout.mainWidth).toBe(80);
		expect(frameLayout(100, 30).sidebarWidth).toBeGreaterThan(0);
		const model = frameModel(startAt(start(), 'ca'), layout);
		expect(model.header).toMatch(/^kubepki · step 3 of 10: Certificate authority · next: Kubelets +out: pki$/);
		expect(model.header.length).toBe(80);
	});

	test.each(['tools', 'cluster', 'ca', 'kubelets', 'components', 'sans', 'kubeconfigs', 'encryption', 'etcd', 'review'] as const)('%s: the explanation shows at least 8 lines when focused', id => {
		const state = wizardReducer(startAt(start(), id), {type: 'key', key: named('tab')});
		expect(state.region).toBe('explain');
		const model = frameModel(state, layout);
		const text = model.explain.rows.filter(row => !/^[↑↓] \d+ /.test(row.text));
		expect(text.length, model.explain.rows.map(r => r.text).join('\n')).toBeGreaterThanOrEqual(8);
		expect(height(model)).toBeLessThanOrEqual(model.layout.contentHeight);
	});
});

describe('the key line', () => {
	test('never cuts a key: at every width it is whole entries, and ? help is always there', async () => {
		const {bindings} = await import('../../source/ui/keys/bindings.js');
		const labels = new Set([...bindings.map(b => b.help), '↑↓ scroll this pane', 'home/end top/bottom']);
		for (const id of ['cluster', 'sans', 'review'] as const) {
			for (let columns = 60; columns <= 130; columns += 7) {
				const help = frameModel(startAt(start(), id), frameLayout(columns, 30)).help;
				expect(help.length).toBeLessThanOrEqual(columns);
				expect(help).toContain('? help');
				for (const entry of help.split('  ')) expect(labels, `${columns}: ${help}`).toContain(entry);
			}
		}
	});
});
