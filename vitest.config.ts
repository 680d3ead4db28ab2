import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,server,worker-kernels,web,scripts,bench}/**/*.test.ts', 'e2e/support/**/*.test.ts'],
    testTimeout: 30_000,
    // Two files at a time, where vitest's default on two cores (cores − 1) runs one: most files wait on Postgres,
    // child processes and the clock (the suite used 65% of the two cores one file at a time).
    maxWorkers: 2,
    // Prints the seed of a failing test's random inputs (TERRAFLOP_TEST_SEED reproduces them).
    setupFiles: ['worker-kernels/testing/vitest-setup.ts'],
  },
});
