// Vitest's worker reads the runner's answers to its own messages (onTaskUpdate) only when its event loop reaches
// the poll phase, and gives up on an answer after a fixed 60 s. A file of tests that call tools synchronously
// (spawnSync: openssl, kubectl, kubepki) can keep the loop out of that phase for longer than that on a loaded
// machine: every test passes and the run still fails with "Timeout calling onTaskUpdate". Two turns of the loop
// before each test take it through the poll phase (the first setImmediate runs in this turn's check phase, the
// second in the next turn's, after its poll), so no stretch without one is longer than a single test.
import {beforeEach} from 'vitest';

const turn = async () => new Promise<void>(resolve => setImmediate(resolve));

beforeEach(async () => {
	await turn();
	await turn();
});
