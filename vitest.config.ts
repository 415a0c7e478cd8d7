import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Key generation (DSA, RSA) is CPU-bound: give slow suites room without hiding hangs.
    testTimeout: 60_000,
    hookTimeout: 120_000,
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
