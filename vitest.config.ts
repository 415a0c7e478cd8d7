import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Key generation (DSA, RSA) is CPU-bound: give slow suites room without hiding hangs.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      // Unit, property, handler, CLI and CDK tests: in parallel.
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } },
      // The end-to-end suites each run a whole local stack (a DynamoDB Local JVM among it) and measure it under
      // concurrency: one at a time, after the others, so that no suite starves another of this machine's cores.
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
    // The floor under the tests: the project's own library and handlers, measured on every `npm test`.
    coverage: {
      enabled: true,
      provider: 'v8',
      include: ['shared/**/*.ts', 'functions/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 90 },
    },
  },
});
