import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,server,worker-kernels,web,scripts}/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
