/**
 * @module worker-kernels/matmul/conformance
 * matmul's part of the conformance spec (conformance/case.ts): random shapes, each row's relative difference.
 */
import { MatmulInput, type MatmulOutput } from '../../protocol/matmul.ts';
import type { ConformanceCase } from '../conformance/case.ts';
import { relativeDifference } from '../tolerance.ts';

const f32 = {
  most: 2e-5,
  why:
    'f32 sums over k ≤ 256: an entry is within k·u = 1.5e-5 of exact relative to Σ|a·b| at worst (√k·u ≈ 1e-6 ' +
    'typically), the row Σ|C| adds no cancellation; fused multiply-adds only round less. Measured about 1e-7.',
};

export const matmulCase: ConformanceCase<MatmulInput, MatmulOutput> = {
  randomInput: (random) =>
    MatmulInput.parse({
      seed: random.u32(),
      // Uneven shapes, so rows, columns and the inner dimension are not mixed up unnoticed; 64 and 128 fill the
      // GPU's 64×64 tiles, the others end inside one.
      m: random.pick([16, 48, 64, 128]),
      k: random.pick([16, 80, 256]),
      n: random.pick([32, 64, 112]),
    }),
  trials: 4,
  deviation: (_input, actual, expected) => ({
    row: Math.max(...actual.rowAbsSums.map((x, i) => relativeDifference(x, expected.rowAbsSums[i]!))),
  }),
  bounds: { 'wasm (relaxed SIMD)': { row: f32 }, wasm: { row: f32 }, webgpu: { row: f32 } },
};
