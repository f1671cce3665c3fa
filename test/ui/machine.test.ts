// The wizard's behaviour on the reducer alone: keys in, state out, no rendering.
import {describe, expect, test} from 'vitest';
import {exampleClusterYaml, exampleTopology, formatProblem, parseClusterFile} from '../../source/core/topology.js';
import {char, named, splitBurst} from '../../source/ui/keys/keys.js';
import {currentStage, editProblems, initialState, itemsOf, startAt, wizardReducer, type WizardEvent, type WizardState} from '../../source/ui/wizard/machine.js';
import {stages} from '../../source/ui/wizard/stages/index.js';

const start = () => initialState(exampleTopology(), {viewerAvailable: true, outDir: 'pki'});
const key = (state: WizardState, ...keys: Array<ReturnType<typeof char>>) => keys.reduce((s, k) => wizardReducer(s, {type: 'key', key: k}), state);
const send = (state: WizardState, ...events: WizardEvent[]) => events.reduce(wizardReducer, state);
const enter = named('enter');

/** Focus the item with this id (by arrows, as a person would). */
function focusOn(state: WizardState, id: string): WizardState {
	let s = state;
	for (let guard = 0; guard < 30 && itemsOf(s)[s.focus]?.id !== id; guard++) {
		const target = itemsOf(s).findIndex(i => i.id === id);
		s = key(s, named(target < s.focus ? 'up' : 'down'));
	}

	expect(itemsOf(s)[s.focus]?.id).toBe(id);
	return s;
}

/** Erase the field being edited and type `value` into it, as keys. */
function retype(state: WizardState, value: string): WizardState {
	const erased = key(state, ...Array.from(state.editing?.value ?? '', () => named('backspace')));
	expect(erased.editing?.value).toBe('');
	return key(erased, char(value));
}

function edit(state: WizardState, id: string, value: string): WizardState {
	const editing = key(focusOn(state, id), enter);
	expect(editing.editing?.id).toBe(id);
	return key(retype(editing, value), enter);
}

describe('walking the wizard', () => {
	test('enter alone goes through every stage in the order of the stage list', () => {
		let state = start();
		const seen = [currentStage(state).id];
		for (let i = 1; i < stages.length; i++) {
			state = key(state, enter);
			seen.push(currentStage(state).id);
		}

		expect(seen).toEqual(['tools', 'cluster', 'ca', 'kubelets', 'components', 'sans', 'kubeconfigs', 'encryption', 'etcd', 'review']);
		expect(state.done).toEqual(seen.slice(0, -1));
	});

	test('esc goes back one stage and keeps what was done', () => {
		const atCa = key(start(), enter, enter);
		expect(currentStage(atCa).id).toBe('ca');
		const back = key(atCa, named('esc'));
		expect(currentStage(back).id).toBe('cluster');
		expect(back.done).toContain('cluster');
		expect(currentStage(key(start(), named('esc'))).id).toBe('tools');
	});

	test('a preview made for an older cluster is ignored', () => {
		const state = start();
		const stale = send(state, {type: 'preview-done', revision: state.revision - 1, preview: {plan: undefined as never, certs: [], issued: []}});
		expect(stale.preview).toBeUndefined();
	});
});

describe('the cluster stage', () => {
	const atCluster = () => startAt(start(), 'cluster');

	test('a bad worker shows the same message a cluster file gets, and blocks continuing', () => {
		const state = edit(atCluster(), 'cluster.workers', 'node1:10.128.15.223, node2:10.0.0.300');
		// The same worker list as a --config file, checked by the file's own parser.
		const file = parseClusterFile(exampleClusterYaml.replace(/workers:[\s\S]*$/, 'workers:\n  - {name: node1, ip: 10.128.15.223}\n  - {name: node2, ip: 10.0.0.300}\n'));
		expect(file.ok).toBe(false);
		const expected = file.ok ? [] : file.problems.map(formatProblem);
		const workers = itemsOf(state).find(i => i.id === 'cluster.workers');
		expect(workers?.kind === 'field' && workers.problems).toEqual(expected);
		expect(expected[0]).toContain('worker 2 (node2): ip');
		const blocked = key(focusOn(state, 'next'), enter);
		expect(currentStage(blocked).id).toBe('cluster');
		expect(blocked.notice).toMatch(/fix the field/);
		expect(blocked.topology).toBeUndefined();
	});

	test('a fixed field makes a new topology revision, which drops the old preview', () => {
		const bad = edit(atCluster(), 'cluster.workers', 'node1:10.0.0.1000');
		const fixed = edit(bad, 'cluster.workers', 'node1:10.128.15.223, node3:10.128.15.230');
		expect(fixed.problems).toEqual([]);
		expect(fixed.topology?.workers.map(w => w.name)).toEqual(['node1', 'node3']);
		expect(fixed.revision).toBeGreaterThan(bad.revision);
	});

	test('q typed while editing a field is text, not quit; esc leaves the field unsaved', () => {
		const editing = key(focusOn(atCluster(), 'cluster.cluster'), enter);
		const typed = key(editing, char('q'));
		expect(typed.overlay).toBeUndefined();
		expect(typed.exit).toBeUndefined();
		expect(typed.editing?.value).toBe('kubernetes-the-hard-wayq');
		const cancelled = key(retype(typed, 'other'), named('esc'));
		expect(cancelled.editing).toBeUndefined();
		expect(cancelled.draft.cluster).toBe('kubernetes-the-hard-way');
		expect(currentStage(cancelled).id).toBe('cluster');
	});

	test('the value being typed is checked before it is saved, and only its own field is reported', () => {
		const editing = key(focusOn(atCluster(), 'cluster.serviceCIDR'), enter);
		expect(editProblems(editing)).toEqual([]);
		const typed = retype(editing, '10.32.0.0/31');
		expect(editProblems(typed)).toHaveLength(1);
		expect(editProblems(typed)[0]).toMatch(/^serviceCIDR: .*\(got "10\.32\.0\.0\/31"\)$/);
		// Nothing is saved while typing: the cluster is still the valid one.
		expect(typed.topology?.serviceCIDR).toBe('10.32.0.0/24');
	});

	test('arrows change the key algorithm', () => {
		const state = key(focusOn(atCluster(), 'cluster.algorithm'), named('right'));
		expect(state.draft.algorithm).toBe('rsa-4096');
		expect(state.topology?.algorithm).toBe('rsa-4096');
	});
});

describe('validity in the cluster stage', () => {
	const atCluster = () => startAt(start(), 'cluster');
	const fieldItem = (state: WizardState, id: string) => {
		const item = itemsOf(state).find(i => i.id === id);
		if (item?.kind !== 'field') throw new Error(`no field ${id}`);
		return item;
	};

	/** What a --config file with this validity mapping gets, as the one-line messages the CLI prints. */
	const fileProblems = (validity: string) => {
		const file = parseClusterFile(`${exampleClusterYaml}validity: ${validity}\n`);
		return file.ok ? [] : file.problems.map(formatProblem);
	};

	test('two rows show the lifetimes of the cluster, in the cluster file\'s form', () => {
		const state = atCluster();
		const {validity} = exampleTopology();
		expect(fieldItem(state, 'cluster.caValidity').value).toBe(`${validity.ca}h`);
		expect(fieldItem(state, 'cluster.leafValidity').value).toBe(`${validity.leaf}h`);
	});

	test('a new leaf lifetime, in days or hours, changes the topology and every leaf of the plan', () => {
		const before = atCluster();
		const days = edit(before, 'cluster.leafValidity', '30d');
		expect(days.problems).toEqual([]);
		expect(days.topology?.validity.leaf).toBe(30 * 24);
		expect(days.revision).toBeGreaterThan(before.revision);
		const hours = edit(days, 'cluster.caValidity', '17520h');
		expect(hours.topology?.validity).toEqual({ca: 17_520, leaf: 720});
		// Digits alone are hours, as an unquoted number is in the YAML file.
		expect(edit(hours, 'cluster.leafValidity', '100').topology?.validity.leaf).toBe(100);
		expect(fileProblems('{ca: 17520h, leaf: 100}')).toEqual([]);
	});

	test('a bad lifetime gets the cluster file\'s own message under its row, and blocks continuing', () => {
		const state = edit(atCluster(), 'cluster.caValidity', 'ten years');
		const expected = fileProblems('{ca: ten years}');
		expect(expected).toHaveLength(1);
		expect(expected[0]).toMatch(/^validity\.ca: .*\(got "ten years"\)$/);
		expect(fieldItem(state, 'cluster.caValidity').problems).toEqual(expected);
		expect(fieldItem(state, 'cluster.leafValidity').problems).toEqual([]);
		expect(state.topology).toBeUndefined();
		const blocked = key(focusOn(state, 'next'), enter);
		expect(currentStage(blocked).id).toBe('cluster');
		expect(edit(atCluster(), 'cluster.leafValidity', '0h').problems.map(formatProblem)).toEqual(fileProblems('{leaf: 0h}'));
	});

	test('a leaf may not outlive the CA: refused with the cluster file\'s message, also while the CA is typed', () => {
		const {validity} = exampleTopology();
		const longLeaf = edit(atCluster(), 'cluster.leafValidity', `${validity.ca + 24}h`);
		const expected = fileProblems(`{ca: ${validity.ca}h, leaf: ${validity.ca + 24}h}`);
		expect(expected[0]).toMatch(/^validity\.leaf: .*outlive/);
		expect(fieldItem(longLeaf, 'cluster.leafValidity').problems).toEqual(expected);
		expect(longLeaf.topology).toBeUndefined();

		// Typing a CA shorter than the leaf: the message shows under the CA being typed, before it is saved.
		const typing = retype(key(focusOn(atCluster(), 'cluster.caValidity'), enter), '100d');
		expect(editProblems(typing)).toEqual(fileProblems(`{ca: 100d, leaf: ${validity.leaf}h}`));
		expect(editProblems(typing)).toHaveLength(1);
		expect(typing.topology?.validity).toEqual(validity);
	});
});

describe('the API server SANs stage', () => {
	const atSans = () => startAt(start(), 'sans');

	test('adds a DNS name, refuses a bad one and one already computed, removes with d', () => {
		const added = edit(atSans(), 'san.add', 'api.example.com');
		expect(added.extraSans).toEqual(['api.example.com']);
		expect(added.topology?.extraSANs).toEqual(['api.example.com']);

		const bad = edit(added, 'san.add', 'Not_A_Name!');
		expect(bad.editing?.id).toBe('san.add');
		expect(bad.editProblem).toBe('extra SAN 2: is neither an IP address nor a lower-case DNS name (got "Not_A_Name!")');

		const again = send(key(bad, named('esc')));
		const duplicate = edit(again, 'san.add', '10.32.0.1');
		expect(duplicate.editProblem).toMatch(/extra SAN 2: is already in the list: first address of serviceCIDR/);

		const removed = key(focusOn(key(duplicate, named('esc')), 'san:api.example.com'), char('d'));
		expect(removed.extraSans).toEqual([]);
	});
});

describe('leaving', () => {
	test('q asks first while nothing is written; n stays, y quits with 0', () => {
		const asked = key(start(), char('q'));
		expect(asked.overlay).toBe('confirm-quit');
		expect(key(asked, char('n')).overlay).toBeUndefined();
		expect(key(asked, char('y')).exit).toEqual({code: 0});
	});

	test('Ctrl-C ends at once with 130, even inside a field or a question', () => {
		expect(key(start(), named('ctrl-c')).exit).toEqual({code: 130});
		const editing = key(focusOn(startAt(start(), 'cluster'), 'cluster.masters'), enter);
		expect(key(editing, named('ctrl-c')).exit).toEqual({code: 130});
		expect(key(key(start(), char('q')), named('ctrl-c')).exit).toEqual({code: 130});
	});

	test('the viewer keeps every key but Ctrl-C until it closes itself', () => {
		const viewing: WizardState = {...start(), overlay: 'viewer'};
		expect(key(viewing, named('esc')).overlay).toBe('viewer');
		expect(key(viewing, char('q')).exit).toBeUndefined();
		expect(send(viewing, {type: 'overlay-closed'}).overlay).toBeUndefined();
	});
});

describe('splitBurst', () => {
	test('splits enters, tabs and backspaces out of text that arrived together; leaves a lone key alone', () => {
		expect(splitBurst(char('\r\r'))).toEqual([named('enter'), named('enter')]);
		expect(splitBurst(char('node3:10.0.0.9\r'))).toEqual([char('node3:10.0.0.9'), named('enter')]);
		expect(splitBurst(char('ab\u007Fc\t'))).toEqual([char('ab'), named('backspace'), char('c'), named('tab')]);
		expect(splitBurst(char('abc'))).toEqual([char('abc')]);
		expect(splitBurst(named('enter'))).toEqual([named('enter')]);
	});

	test('counts the Esc presses in the bytes Ink read; an escape sequence stays the one key Ink made of it', () => {
		// Ink reports "\x1b\x1b" as a single escape: only the raw bytes tell it was two.
		expect(splitBurst(named('esc'), '\u001B\u001B')).toEqual([named('esc'), named('esc')]);
		expect(splitBurst(named('esc'), '\u001B')).toEqual([named('esc')]);
		expect(splitBurst(named('esc'))).toEqual([named('esc')]);
		expect(splitBurst(named('up'), '\u001B\u001B[A')).toEqual([named('up')]);
		expect(splitBurst(char('q'), '\u001Bq')).toEqual([char('q')]);
	});
});

describe('typing into a field', () => {
	const open = () => key(focusOn(startAt(start(), 'cluster'), 'cluster.clusterDomain'), enter);

	test('the field opens with the cursor after the value; text goes in at the cursor', () => {
		const editing = open();
		expect(editing.editing).toEqual({id: 'cluster.clusterDomain', value: 'cluster.local', cursor: 'cluster.local'.length});
		const typed = key(editing, named('home'), char('my'), named('right'), named('delete'), char('-'), named('end'), char('x'));
		expect(typed.editing?.value).toBe('my-luster.localx');
		expect(typed.editing?.cursor).toBe('my-luster.localx'.length);
		expect(key(typed, named('left'), named('left'), named('backspace')).editing).toMatchObject({value: 'my-luster.loclx', cursor: 13});
	});

	test('keys that are commands elsewhere are text in a field; enter saves, esc cancels', () => {
		const typed = key(open(), char('q'), char('c'), char('?'), char('v'), char('d'));
		expect(typed.overlay).toBeUndefined();
		expect(typed.showCommand).toBe(false);
		expect(typed.editing?.value).toBe('cluster.localqc?vd');
		expect(key(typed, named('esc')).draft.clusterDomain).toBe('cluster.local');
		const saved = key(retype(open(), 'example.internal'), enter);
		expect(saved.editing).toBeUndefined();
		expect(saved.draft.clusterDomain).toBe('example.internal');
		expect(saved.topology?.clusterDomain).toBe('example.internal');
	});

	test('enter and the text behind it in one burst: the text lands in the field that enter opened', () => {
		const state = focusOn(startAt(start(), 'cluster'), 'cluster.cluster');
		const after = key(state, ...splitBurst(char('\rqc')));
		expect(after.editing?.value).toBe('kubernetes-the-hard-wayqc');
		expect(after.overlay).toBeUndefined();
		expect(after.showCommand).toBe(false);
	});
});

describe('pgup/pgdn', () => {
	const pgdn = named('page-down');
	const pgup = named('page-up');

	test('scroll the pane with the focus when it has more to show', () => {
		const after = key(send(start(), {type: 'layout', body: 30, explain: 12}), pgdn);
		expect(after.scroll.body).toBeGreaterThan(0);
		expect(after.scroll.explain).toBe(0);
	});

	test('scroll the other pane when the focused one has nothing more (a short stage, a long explanation)', () => {
		const down = key(send(start(), {type: 'layout', body: 0, explain: 12}), pgdn);
		expect(down.region).toBe('body');
		expect(down.scroll.explain).toBeGreaterThan(0);
		expect(key(down, pgup).scroll.explain).toBe(0);
	});

	test('do nothing when neither pane can scroll', () => {
		const state = send(start(), {type: 'layout', body: 0, explain: 0});
		expect(key(state, pgdn)).toBe(state);
	});
});

describe('a stage with a blocking error', () => {
	test('ca.pem without ca-key.pem: the CA stage neither continues nor is marked done', async () => {
		const {sidebarLines} = await import('../../source/ui/wizard/Sidebar.js');
		const atCa = startAt(start(), 'ca');
		const failed = send(atCa, {type: 'preview-failed', revision: atCa.revision, error: 'pki/ca.pem exists but pki/ca-key.pem does not'});
		const pressed = key(focusOn(failed, 'next'), enter);
		expect(currentStage(pressed).id).toBe('ca');
		expect(pressed.done).not.toContain('ca');
		expect(pressed.notice).toContain('ca-key.pem');
		expect(sidebarLines(pressed, 20, false).find(l => l.text.endsWith(' CA'))?.text).toBe('▸ CA');
		// A stage passed before it became blocked loses its ✓ (the cluster edited into problems).
		const passed = key(start(), enter, enter);
		const broken = edit(key(passed, named('esc')), 'cluster.workers', 'node1:10.0.0.300');
		expect(sidebarLines(broken, 20, false).map(l => l.text)).toContain('▸ Cluster');
		const later = key(broken, named('esc'));
		expect(sidebarLines(later, 20, false).map(l => l.text)).toContain('✗ Cluster');
	});
});

describe('tab in a field', () => {
	test('saves the field and opens the next one, so what is typed next goes there', () => {
		const editing = key(focusOn(startAt(start(), 'cluster'), 'cluster.masters'), enter);
		const tabbed = key(retype(editing, 'master1:10.128.15.221'), named('tab'));
		expect(tabbed.draft.masters).toBe('master1:10.128.15.221');
		expect(tabbed.editing?.id).toBe('cluster.workers');
		// Past the key algorithm (a choice, not a field) to the next field; shift-tab goes back the same way.
		const onValidity = key(tabbed, named('tab'));
		expect(onValidity.editing?.id).toBe('cluster.caValidity');
		expect(key(onValidity, named('shift-tab')).editing?.id).toBe('cluster.workers');
	});
});

describe('keys that mean one thing', () => {
	const atSans = () => startAt({...start(), extraSans: ['api.example.com']}, 'sans');

	test('↑↓ move between rows even after the cards were paged down; home and end go to the first and last row', () => {
		let state = send(atSans(), {type: 'layout', body: 60, explain: 0, page: {body: 8, explain: 8}});
		for (let i = 0; i < 9; i++) state = key(state, named('page-down'));
		expect(state.scroll.body).toBeGreaterThan(0);
		const up = key(state, named('up'));
		expect(itemsOf(up)[up.focus]?.id).toBe('san.add');
		// The scroll stays where it was: ↑ moved the cursor, it did not scroll.
		expect(up.scroll.body).toBe(state.scroll.body);
		expect(itemsOf(key(up, named('home')))[0]?.id).toBe('san:api.example.com');
		expect(key(up, named('home')).focus).toBe(0);
		expect(itemsOf(up)[key(up, named('end')).focus]?.id).toBe('next');
		// Enter acts on the row the cursor is on: the add field opens, the stage stays.
		const opened = key(up, enter);
		expect(opened.editing?.id).toBe('san.add');
		expect(currentStage(opened).id).toBe('sans');
	});

	test('pgdn scrolls a page of the pane\'s own height; ctrl-d half of it; ctrl-u back', () => {
		const state = send(atSans(), {type: 'layout', body: 60, explain: 0, page: {body: 9, explain: 9}});
		expect(key(state, named('page-down')).scroll.body).toBe(8);
		expect(key(state, named('ctrl-d')).scroll.body).toBe(4);
		expect(key(state, named('ctrl-d'), named('ctrl-u')).scroll.body).toBe(0);
	});

	test('text typed outside a field goes nowhere and says how to edit', () => {
		const state = startAt(start(), 'cluster');
		const typed = key(focusOn(state, 'cluster.workers'), char('x'));
		expect(typed.notice).toMatch(/press enter to edit Workers/);
		expect(typed.draft).toEqual(state.draft);
		expect(currentStage(typed).id).toBe('cluster');
		const elsewhere = key(startAt(start(), 'ca'), char('z'));
		expect(elsewhere.notice).toMatch(/goes nowhere/);
		expect(currentStage(elsewhere).id).toBe('ca');
	});

	test('readline keys in a field: ctrl-a/e, ctrl-u/k, ctrl-w, alt-b/f', () => {
		const open = key(focusOn(startAt(start(), 'cluster'), 'cluster.workers'), enter);
		const typed = retype(open, 'node1:10.0.0.1, node2:10.0.0.2');
		expect(key(typed, named('ctrl-w')).editing?.value).toBe('node1:10.0.0.1, ');
		expect(key(typed, named('ctrl-a')).editing?.cursor).toBe(0);
		expect(key(typed, named('ctrl-a'), named('ctrl-e')).editing?.cursor).toBe(typed.editing!.value.length);
		expect(key(typed, named('alt-b'), named('alt-b')).editing?.cursor).toBe('node1:10.0.0.1, node2:10.0.'.length);
		expect(key(typed, named('ctrl-a'), named('alt-f')).editing?.cursor).toBe('node1'.length);
		expect(key(typed, named('alt-b'), named('ctrl-k')).editing?.value).toBe('node1:10.0.0.1, node2:10.0.0.');
		expect(key(typed, named('alt-b'), named('ctrl-u')).editing).toMatchObject({value: '2', cursor: 0});
		// Nothing of it is text: no letter lands in the value.
		expect(key(typed, named('ctrl-a'), named('ctrl-e')).editing?.value).toBe('node1:10.0.0.1, node2:10.0.0.2');
	});
});

describe('saving on request', () => {
	test('w in the command view saves the stage\'s commands under by-hand/ and says where', () => {
		const viewing = key(startAt(start(), 'ca'), char('c'), char('c'));
		expect(viewing.showCommand).toBe('openssl');
		const asked = key(viewing, char('w'));
		expect(asked.saving?.relative).toBe('by-hand/ca-openssl.sh');
		expect(asked.saving?.content).toContain(currentStage(asked).commands(asked).join('\n'));
		expect(asked.saving?.content.startsWith('#!/usr/bin/env bash\n')).toBe(true);
		const saved = send(asked, {type: 'saved', token: asked.saving!.token, path: '/tmp/x/pki/by-hand/ca-openssl.sh'});
		expect(saved.notice).toBe('saved the commands to pki/by-hand/ca-openssl.sh');
		expect(saved.saving).toBeUndefined();
		// Outside the command view w is just a letter that goes nowhere.
		expect(key(startAt(start(), 'ca'), char('w')).saving).toBeUndefined();
	});

	test('e on the Cluster stage saves the cluster as edited, as a file --config reads back to the same cluster', () => {
		const edited = edit(startAt(start(), 'cluster'), 'cluster.workers', 'node1:10.128.15.223, node7:10.128.15.230');
		const asked = key(edited, char('e'));
		expect(asked.saving?.relative).toBe('cluster.yaml');
		const parsed = parseClusterFile(asked.saving!.content);
		expect(parsed.ok && parsed.topology).toEqual(edited.topology);
		const broken = key(edit(edited, 'cluster.masters', 'm1:10.0.0.999'), char('e'));
		expect(broken.saving).toBeUndefined();
		expect(broken.notice).toMatch(/fix the fields/);
	});
});

describe('readline keys in a burst', () => {
	test('ctrl-u and the text typed right behind it in one chunk: the field is erased, then gets the text', () => {
		expect(splitBurst(char('\u0015node1:10.0.0.1\t'))).toEqual([named('ctrl-u'), char('node1:10.0.0.1'), named('tab')]);
		const open = key(focusOn(startAt(start(), 'cluster'), 'cluster.workers'), enter);
		const typed = key(open, ...splitBurst(char('\u0015node1:10.0.0.1')));
		expect(typed.editing?.value).toBe('node1:10.0.0.1');
	});
});
