import { describe, expect, test } from 'vitest';
import { AppInput } from '../protocol/apps.ts';
import { compareOutputs, runReference } from './registry.ts';
import { testRandom } from './testing/vitest-random.ts';
import { runBestVariant, variantOrder } from './variants.ts';

const quiet = { progress() {}, checkpoint() {} };

const jobs = (random = testRandom()) => [
  AppInput.parse({ app: 'matmul', input: { seed: random.u32(), m: 32, k: 48, n: 64 } }),
  AppInput.parse({ app: 'collatz', input: { start: random.int(1, 1e12), count: 5000 } }),
  AppInput.parse({
    app: 'signal-search',
    input: {
      signal: { seed: random.u32(), sampleCount: 2048, noise: 1, tones: [{ frequency: 0.25, drift: 0, amplitude: 1 }] },
      fftSize: 128,
      driftRates: [0, 1e-6],
      threshold: 20,
      maxPeaks: 32,
    },
  }),
];

describe('variant selection', () => {
  test('default: in Node (no WebGPU) every app runs on WebAssembly, and agrees with the reference', async () => {
    for (const job of jobs()) {
      expect(await variantOrder(job)).toEqual(['wasm', 'reference']);
      const { result, variant } = await runBestVariant(job, quiet);
      expect(variant).toBe('wasm');
      expect(compareOutputs(job, result, runReference(job, quiet)), job.app).toBe('match');
    }
  });

  test('behavior: allow restricts the choice, and the result records the variant that ran', async () => {
    const [job] = jobs();
    const run = await runBestVariant(job!, quiet, { allow: ['reference'] });
    expect(run.variant).toBe('reference');
    expect(run.result).toEqual(runReference(job!, quiet));
  });

  test('error: with no variant allowed, a clear error names the app', async () => {
    const [job] = jobs();
    await expect(runBestVariant(job!, quiet, { allow: [] })).rejects.toThrow(/no variant of matmul/);
    await expect(runBestVariant(job!, quiet, { allow: ['webgpu'] })).rejects.toThrow(/no variant of matmul/);
  });
});
