// Which versions the Tools stage and doctor call old: the probes' own table, against the versions found on
// Debian 12 (cfssl 1.2.0, etcd 3.4.23) and the current ones.
import {describe, expect, test} from 'vitest';
import {isOlder, toolProbes} from '../../source/core/tools.js';

const probe = (name: string) => toolProbes.find(p => p.name === name)!;

describe('old tool versions', () => {
	test.each([
		['cfssl', '1.2.0', true],
		['cfssl', '1.6.5', false],
		['etcd', '3.4.23', true],
		['etcd', '3.5.17', false],
		['etcd', '3.6.0', false],
	])('%s %s old: %s', (name, version, old) => {
		expect(isOlder(version, probe(name).current!.below)).toBe(old);
	});

	test('every tool says what a person does with it, never "the interop tests"', () => {
		for (const p of toolProbes) expect(p.neededFor, p.name).not.toMatch(/interop/);
	});
});
