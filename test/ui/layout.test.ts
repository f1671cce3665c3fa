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
		expect(layout.sidebarWidth + 2 + layout.mainWidth + (layout.wide ? 3 + layout.explainWidth : 0)).toBe(columns);
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
