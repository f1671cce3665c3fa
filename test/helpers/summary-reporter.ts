import type {Reporter, TestCase, TestModule} from 'vitest/node';

/** A test that never ran because a hook of its suite (beforeAll, say) failed counts as failed, not skipped. */
function suiteFailed(test: TestCase): boolean {
	for (let parent = test.parent; ; parent = parent.parent) {
		if (parent.errors().length > 0) return true;
		if (parent.type === 'module') return false;
	}
}

/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after vitest's own summary, so
 * that any reader of the log (CI included) gets the counts without parsing vitest's colours.
 */
export default class SummaryReporter implements Reporter {
	private line = '';

	onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
		let passed = 0;
		let failed = 0;
		let skipped = 0;
		for (const module of testModules) {
			for (const test of module.children.allTests()) {
				const state = test.result().state;
				if (state === 'passed') passed++;
				else if (state === 'failed' || suiteFailed(test)) failed++;
				else skipped++;
			}

			if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
		}

		this.line = `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
	}

	// The default reporter prints its summary in onFinished; printing here too keeps this line last.
	onFinished(): void {
		if (this.line) process.stdout.write(`\n${this.line}\n`);
	}
}
