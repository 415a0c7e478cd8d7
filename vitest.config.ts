import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Key generation (DSA, RSA) is CPU-bound: give slow suites room without hiding hangs.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
