import {describe, expect, it} from 'vitest';
import {validityState} from '../../source/core/inspect.js';

const now = new Date('2026-06-15T12:00:00Z');
const at = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();

describe('validityState: where a certificate stands today, in whole days', () => {
	it('counts the days left, rounded down', () => {
		expect(validityState(at(-1), at(364.9), now)).toBe('364 days left');
		expect(validityState(at(-1), at(1.5), now)).toBe('1 day left');
		expect(validityState(at(-1), at(0.2), now)).toBe('0 days left');
	});

	it('says how long ago an expired certificate ended', () => {
		expect(validityState(at(-400), at(-3.5), now)).toBe('expired 3 days ago');
		expect(validityState(at(-400), at(-1.1), now)).toBe('expired 1 day ago');
	});

	it('says when a certificate from the future starts', () => {
		expect(validityState(at(2.5), at(400), now)).toBe('not valid for another 2 days');
	});

	it('does not guess when a date cannot be read', () => {
		expect(validityState('garbage', at(1), now)).toBe('dates unreadable');
	});
});
