/**
 * @module worker-kernels/matmul/compare
 * The validator's comparator for matmul results: one digest per row of C, each row within a relative tolerance.
 */
import type { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import type { Comparison } from '../kernel.ts';
import { relativelyNear } from '../tolerance.ts';

/**
 * Relative tolerance on each row's Σ |C[i][j]|. The f32 variants round each partial sum of an entry (relative error
 * u = 6e-8 per add, growing about as u·√k, so ≈ 3e-6 at k = 2048) and GPUs may fuse multiply-adds; the absolute
 * values add no cancellation. Measured (worker-kernels/conformance): WASM and SwiftShader's WebGPU within 2e-7 of
 * the f64 reference. 1e-4 leaves a wide margin for that, while a row whose every entry was not computed
 * misses by far more (shortcuts.test.ts).
 */
export const MATMUL_TOLERANCE = 1e-4;

export function compareMatmul(input: MatmulInput, a: MatmulOutput, b: MatmulOutput): Comparison {
  if (a.rowAbsSums.length !== input.m || b.rowAbsSums.length !== input.m) return 'mismatch';
  const agree = a.rowAbsSums.every((x, i) => relativelyNear(x, b.rowAbsSums[i]!, MATMUL_TOLERANCE));
  return agree ? 'match' : 'mismatch';
}
