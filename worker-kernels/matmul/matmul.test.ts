import { beforeAll, describe, expect, test } from 'vitest';
import { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import { compareMatmul, MATMUL_TOLERANCE } from './compare.ts';
import { estimateMatmulFlops } from './flops.ts';
import { runMatmul } from './reference.ts';
import { loadMatmulWasm, type MatmulWasm } from './wasm.ts';

const quiet = { progress() {}, checkpoint() {} };
const randomSeed = () => (Math.random() * 2 ** 32) >>> 0;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** A fresh random unit; uneven shapes, so rows, columns and the inner dimension are not mixed up unnoticed. */
function randomUnit(): MatmulInput {
  return MatmulInput.parse({
    seed: randomSeed(),
    m: pick([16, 48, 96]),
    k: pick([16, 80, 256]),
    n: pick([32, 64, 112]),
  });
}

/** Largest relative difference between two digests. */
function maxRelativeError(a: MatmulOutput, b: MatmulOutput): number {
  return Math.max(...a.rowSquares.map((x, i) => Math.abs(x - b.rowSquares[i]!) / Math.max(x, b.rowSquares[i]!)));
}

describe('matmul reference', () => {
  test('default: equals a naive triple loop on a tiny unit', () => {
    const input = MatmulInput.parse({ seed: randomSeed(), m: 16, k: 16, n: 16 });
    const { rowSquares } = MatmulOutput.parse(runMatmul(input, quiet));
    // Recompute from the same seeded stream, independently of matrices.ts's layout code.
    const { a, b } = { a: [] as number[], b: [] as number[] };
    let state = input.seed >>> 0;
    const next = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.fround(2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1);
    };
    for (let i = 0; i < 256; i++) a.push(next());
    for (let i = 0; i < 256; i++) b.push(next());
    for (let i = 0; i < 16; i++) {
      let sum = 0;
      for (let j = 0; j < 16; j++) {
        let c = 0;
        for (let p = 0; p < 16; p++) c += a[i * 16 + p]! * b[p * 16 + j]!;
        sum += c * c;
      }
      expect(rowSquares[i]).toBeCloseTo(sum, 9);
    }
  });

  test('default: the FLOP estimate is 2·m·k·n plus the digest', () => {
    expect(estimateMatmulFlops({ seed: 0, m: 32, k: 64, n: 16 })).toBe(2 * 32 * 64 * 16 + 2 * 32 * 16);
  });

  test('error: the schema refuses dimensions that are not multiples of 16 or too large', () => {
    expect(() => MatmulInput.parse({ seed: 1, m: 20, k: 16, n: 16 })).toThrow(/multiple of 16/);
    expect(() => MatmulInput.parse({ seed: 1, m: 16, k: 4096, n: 16 })).toThrow();
    expect(() => MatmulInput.parse({ seed: -1, m: 16, k: 16, n: 16 })).toThrow();
  });
});

describe.each([
  { build: 'relaxed SIMD, fused multiply-add', relaxed: true },
  { build: 'plain SIMD', relaxed: false },
])('matmul wasm ($build) against the reference', ({ relaxed }) => {
  let wasm: MatmulWasm;
  beforeAll(async () => {
    wasm = await loadMatmulWasm(relaxed);
  });

  test('default: agrees within MATMUL_TOLERANCE on fresh random units', () => {
    for (let trial = 0; trial < 6; trial++) {
      const input = randomUnit();
      const expected = runMatmul(input, quiet);
      const actual = MatmulOutput.parse(wasm.run(input, quiet));
      // f32 accumulation over k ≤ 256 keeps the digest within ~1e-6; the bound is MATMUL_TOLERANCE (compare.ts).
      expect(maxRelativeError(actual, expected), JSON.stringify(input)).toBeLessThan(MATMUL_TOLERANCE);
      expect(compareMatmul(input, actual, expected)).toBe('match');
    }
  });

  test('behavior: one instance runs units of different shapes one after another', () => {
    const big = MatmulInput.parse({ seed: randomSeed(), m: 128, k: 512, n: 128 });
    const small = MatmulInput.parse({ seed: randomSeed(), m: 16, k: 16, n: 16 });
    expect(compareMatmul(big, wasm.run(big, quiet), runMatmul(big, quiet))).toBe('match');
    expect(compareMatmul(small, wasm.run(small, quiet), runMatmul(small, quiet))).toBe('match');
  });
});

describe('matmul comparator', () => {
  const input = randomUnit();
  const result = runMatmul(input, quiet);

  test('default: a result matches itself and a copy within tolerance', () => {
    expect(compareMatmul(input, result, result)).toBe('match');
    const jittered = { rowSquares: result.rowSquares.map((x) => x * (1 + MATMUL_TOLERANCE / 10)) };
    expect(compareMatmul(input, result, jittered)).toBe('match');
  });

  test('error: another seed, one changed row or a missing row is a mismatch', () => {
    const other = runMatmul({ ...input, seed: (input.seed + 1) >>> 0 }, quiet);
    expect(compareMatmul(input, result, other)).toBe('mismatch');
    const changed = { rowSquares: result.rowSquares.map((x, i) => (i === 3 ? x * 1.001 : x)) };
    expect(compareMatmul(input, result, changed)).toBe('mismatch');
    expect(compareMatmul(input, result, { rowSquares: result.rowSquares.slice(1) })).toBe('mismatch');
  });
});
