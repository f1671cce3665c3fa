import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		reporters: ['default', './test/helpers/summary-reporter.ts'],
		setupFiles: ['./test/helpers/yield-to-runner.ts'],
		testTimeout: 60_000,
		hookTimeout: 120_000,
		pool: 'forks',
		// Two cores: RSA key generation in parallel files fights for the same CPUs.
		poolOptions: {forks: {maxForks: 2, minForks: 1}},
	},
});
