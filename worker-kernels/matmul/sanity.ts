/**
 * @module worker-kernels/matmul/sanity
 * What one matmul result must satisfy before it is compared with any other: a digest per row of C, each a finite
 * Σ |C[i][j]| that the unit's entries allow (entries of A and B lie in [−1, 1), so |C[i][j]| < k and a row's sum
 * is below n·k).
 */
import type { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';

export function checkMatmul({ m, k, n }: MatmulInput, { rowAbsSums }: MatmulOutput): string | undefined {
  if (rowAbsSums.length !== m) return `rowAbsSums has ${rowAbsSums.length} rows, the unit's C has ${m}`;
  const bad = rowAbsSums.findIndex((x) => !Number.isFinite(x) || x < 0 || x >= n * k);
  if (bad >= 0) return `rowAbsSums[${bad}] = ${rowAbsSums[bad]} is outside [0, n·k) = [0, ${n * k})`;
  return undefined;
}
