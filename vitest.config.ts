import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,server,worker-kernels,web,scripts,bench}/**/*.test.ts', 'e2e/support/**/*.test.ts'],
    testTimeout: 30_000,
    // Prints the seed of a failing test's random inputs (TERRAFLOP_TEST_SEED reproduces them).
    setupFiles: ['worker-kernels/testing/vitest-setup.ts'],
  },
});
