import { defineConfig } from 'vitest/config';

// One run over every package. Test files that use PostgreSQL create their own database per run.
export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // The summary line (`N passed, N failed`) is what CI reads to count the tests run.
    reporters: ['default', './tools/vitest/summary-reporter.ts'],
  },
});
