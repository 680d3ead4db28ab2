/**
 * The cheapest ways known to answer a matmul unit without computing C, each run and shown refused against the
 * honest output (protocol/matmul.ts gives the argument): the Gram-matrix identity that made the old digest (each
 * row's Σ C²) cheap, an estimate of the new digest from it, and computing a part of C and scaling it up.
 */
import { describe, expect, test } from 'vitest';
import { MatmulInput } from '../../protocol/matmul.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { compareMatmul } from './compare.ts';
import { estimateMatmulFlops } from './flops.ts';
import { generateMatrices } from './matrices.ts';
import { runMatmul } from './reference.ts';

const quiet = { progress() {}, checkpoint() {} };

/** Each row's Σ_j C[i][j]² as a_i·(B·Bᵀ)·a_iᵀ, never forming C: 2k²n + 2mk² operations. */
function gramRowSquares(input: MatmulInput): { rowSquares: number[]; flops: number } {
  const { m, k, n } = input;
  const { a, b } = generateMatrices(input);
  const gram = new Float64Array(k * k);
  for (let p = 0; p < k; p++)
    for (let q = 0; q < k; q++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += b[p * n + j]! * b[q * n + j]!;
      gram[p * k + q] = s;
    }
  const rowSquares = Array.from({ length: m }, (_, i) => {
    let s = 0;
    for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) s += a[i * k + p]! * gram[p * k + q]! * a[i * k + q]!;
    return s;
  });
  return { rowSquares, flops: 2 * k * k * n + 2 * m * k * k };
}

/** Each row's Σ_j |C[i][j]| from only the columns `columns` keeps and the terms p < `terms`, scaled up. */
function partialRowAbsSums(input: MatmulInput, columns: (j: number) => boolean, terms = input.k): number[] {
  const { m, k, n } = input;
  const { a, b } = generateMatrices(input);
  const kept = Array.from({ length: n }, (_, j) => j).filter(columns);
  return Array.from({ length: m }, (_, i) => {
    let s = 0;
    for (const j of kept) {
      let c = 0;
      for (let p = 0; p < terms; p++) c += a[i * k + p]! * b[p * n + j]!;
      s += Math.abs(c);
    }
    return (s * (n / kept.length)) / Math.sqrt(terms / k);
  });
}

describe('matmul shortcuts', () => {
  // The shape issue 22 found the old digest cheapest at, with m and n cut to keep the test quick.
  const unit = () => MatmulInput.parse({ seed: testRandom().u32(), m: 512, k: 16, n: 512 });

  test('behavior: the Gram identity gives the old digest 16 times cheaper, and no accepted new one', () => {
    const input = unit();
    const honest = runMatmul(input, quiet);
    const { rowSquares, flops } = gramRowSquares(input);
    expect(estimateMatmulFlops(input) / flops).toBeGreaterThan(15);
    // What the old digest was: the identity gives it, to rounding, without C.
    const { a, b } = generateMatrices(input);
    const row0 = Array.from({ length: input.n }, (_, j) => {
      let c = 0;
      for (let p = 0; p < input.k; p++) c += a[p]! * b[p * input.n + j]!;
      return c * c;
    }).reduce((x, y) => x + y, 0);
    expect(Math.abs(rowSquares[0]! - row0) / row0).toBeLessThan(1e-12);
    // The best guess of Σ|C| from Σ C² for Gaussian-like entries: √(2/π)·√(n·Σ C²).
    const guess = rowSquares.map((s) => Math.sqrt((2 / Math.PI) * input.n * s));
    expect(compareMatmul(input, { rowAbsSums: guess }, honest)).toBe('mismatch');
    // Not one row slips through: each misses by about 1/√n, far past the tolerance.
    const near = guess.filter((x, i) => Math.abs(x - honest.rowAbsSums[i]!) <= 1e-4 * honest.rowAbsSums[i]!);
    expect(near.length).toBeLessThan(input.m / 50);
  });

  test('behavior: half the columns, or half the inner products, scaled up, are refused', () => {
    const input = unit();
    const honest = runMatmul(input, quiet);
    const halfColumns = partialRowAbsSums(input, (j) => j % 2 === 0);
    expect(compareMatmul(input, { rowAbsSums: halfColumns }, honest)).toBe('mismatch');
    const allButOne = partialRowAbsSums(input, (j) => j !== 7);
    expect(compareMatmul(input, { rowAbsSums: allButOne }, honest)).toBe('mismatch');
    const halfTerms = partialRowAbsSums(input, () => true, input.k / 2);
    expect(compareMatmul(input, { rowAbsSums: halfTerms }, honest)).toBe('mismatch');
  });
});
