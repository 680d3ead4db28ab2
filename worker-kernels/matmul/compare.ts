/**
 * @module worker-kernels/matmul/compare
 * The validator's comparator for matmul results: the same number of rows, each row's sum of squares within a
 * relative tolerance.
 */
import type { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import type { Comparison } from '../kernel.ts';

/**
 * Relative tolerance on each row's Σ C². The f32 variants round each partial sum (relative error u = 6e-8 per add,
 * growing about as u·√k, so ≈ 3e-6 at k = 2048) and GPUs may fuse multiply-adds; the squares add no cancellation.
 * 1e-4 leaves a wide margin for that while any wrong entry of C (one product missed moves a row by ~1e-3 or more)
 * is far outside it.
 */
export const MATMUL_TOLERANCE = 1e-4;

export function compareMatmul(input: MatmulInput, a: MatmulOutput, b: MatmulOutput): Comparison {
  if (a.rowSquares.length !== input.m || b.rowSquares.length !== input.m) return 'mismatch';
  const agree = a.rowSquares.every((x, i) => {
    const y = b.rowSquares[i]!;
    return Math.abs(x - y) <= MATMUL_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
  });
  return agree ? 'match' : 'mismatch';
}
