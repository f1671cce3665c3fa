import type {Reporter, TestModule} from 'vitest/node';

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
				else if (state === 'failed') failed++;
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
