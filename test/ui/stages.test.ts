// The stage list against the plan: every certificate of a plan is shown by exactly one stage — declared by
// its `produces`, and drawn as a card in its body. A certificate added to plan.ts and to no stage (or to two)
// fails here.
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {buildPlan} from '../../source/core/plan.js';
import {createPreviewSession} from '../../source/core/preview.js';
import {exampleTopology, validateTopology, type Topology} from '../../source/core/topology.js';
import {initialState, startAt, wizardReducer} from '../../source/ui/wizard/machine.js';
import {stages} from '../../source/ui/wizard/stages/index.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'kubepki-stages-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

function topology(raw: object): Topology {
	const result = validateTopology({...exampleTopology(), ...raw});
	if (!result.ok) throw new Error(JSON.stringify(result.problems));
	return result.topology;
}

const topologies: Record<string, Topology> = {
	'the example cluster': exampleTopology(),
	'one master, one worker': topology({masters: ['m1:10.0.0.1'], workers: ['w1:10.0.0.2']}),
	'three masters, five workers, an extra SAN': topology({
		masters: ['m1:10.0.0.1', 'm2:10.0.0.2', 'm3:10.0.0.3'],
		workers: ['w1:10.0.1.1', 'w2:10.0.1.2', 'w3:10.0.1.3', 'w4:10.0.1.4', 'w5:10.0.1.5'],
		extraSANs: ['api.example.com'],
	}),
};

/** Which stages claim each certificate id of the plan. */
function claims(plan: ReturnType<typeof buildPlan>): Map<string, string[]> {
	const by = new Map(plan.certs.map(c => [c.id, [] as string[]]));
	for (const stage of stages) for (const id of stage.produces(plan)) by.set(id, [...(by.get(id) ?? []), stage.id]);
	return by;
}

describe('every certificate of the plan is shown by exactly one stage', () => {
	for (const [name, topo] of Object.entries(topologies)) {
		test(`declared: ${name}`, () => {
			const plan = buildPlan(topo);
			const wrong = [...claims(plan)].filter(([, by]) => by.length !== 1).map(([id, by]) => `${id}: ${by.length === 0 ? 'no stage' : by.join(' and ')}`);
			expect(wrong).toEqual([]);
			expect(claims(plan).size).toBe(plan.certs.length);
		});
	}

	test('drawn: each stage\'s body has a card for each certificate it declares, and for no other', async () => {
		const topo = topology({algorithm: 'ecdsa-p256'});
		const session = createPreviewSession({outDir: path.join(scratch, 'pki'), source: 'test'});
		const preview = await session.preview(topo, () => {});
		const base = initialState(topo, {outDir: 'pki'});
		const ready = wizardReducer(base, {type: 'preview-done', revision: base.revision, preview});
		const cardHead = /^┌ (.+?) · ([^ ]+)\.pem · /;
		const drawn = new Map<string, string[]>();
		for (const stage of stages) {
			const state = startAt(ready, stage.id);
			const heads = stage
				.body(state, 100)
				.map(line => cardHead.exec(line.text))
				.filter(match => match !== null);
			const files = heads.map(match => match[2]!);
			const declared = stage.produces(preview.plan).map(id => preview.plan.certs.find(c => c.id === id)!.file);
			expect(files, stage.id).toEqual(declared);
			for (const file of files) drawn.set(file, [...(drawn.get(file) ?? []), stage.id]);
		}

		expect([...drawn.keys()].sort()).toEqual(preview.plan.certs.map(c => c.file).sort());
		expect([...drawn.values()].filter(by => by.length !== 1)).toEqual([]);
	});
});
