import { describe, expect, test } from 'vitest';
import { MatmulInput, type MatmulOutput } from '../../protocol/matmul.ts';
import type { Random } from '../random.ts';
import { mulberry32 } from '../random.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { compareMatmul, MATMUL_TOLERANCE } from './compare.ts';
import { estimateMatmulFlops } from './flops.ts';
import { runMatmul } from './reference.ts';
import { checkMatmul } from './sanity.ts';

const quiet = { progress() {}, checkpoint() {} };

/** A random unit; uneven shapes, so rows, columns and the inner dimension are not mixed up unnoticed. */
function randomUnit(random: Random): MatmulInput {
  return MatmulInput.parse({
    seed: random.u32(),
    m: random.pick([16, 48, 96]),
    k: random.pick([16, 80, 256]),
    n: random.pick([32, 64, 112]),
  });
}

describe('matmul reference', () => {
  test('default: equals a naive triple loop on a tiny unit', () => {
    const input = MatmulInput.parse({ seed: testRandom().u32(), m: 16, k: 16, n: 16 });
    const { rowAbsSums } = runMatmul(input, quiet);
    // Recompute from the same seeded stream, independently of matrices.ts's layout code.
    const next = mulberry32(input.seed);
    const a = Array.from({ length: 256 }, () => Math.fround(2 * next() - 1));
    const b = Array.from({ length: 256 }, () => Math.fround(2 * next() - 1));
    for (let i = 0; i < 16; i++) {
      let sum = 0;
      for (let j = 0; j < 16; j++) {
        let c = 0;
        for (let p = 0; p < 16; p++) c += a[i * 16 + p]! * b[p * 16 + j]!;
        sum += Math.abs(c);
      }
      expect(rowAbsSums[i]).toBeCloseTo(sum, 9);
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

describe('matmul sanity check', () => {
  test('default: the reference output is sane', () => {
    const input = randomUnit(testRandom());
    expect(checkMatmul(input, runMatmul(input, quiet))).toBeUndefined();
  });

  test('error: a row too many or too few, a NaN, a negative or an impossible sum is insane', () => {
    const input = randomUnit(testRandom());
    const { rowAbsSums } = runMatmul(input, quiet);
    const insane = (rows: number[]) => checkMatmul(input, { rowAbsSums: rows });
    expect(insane(rowAbsSums.slice(1))).toMatch(/rows/);
    expect(insane([...rowAbsSums, 1])).toMatch(/rows/);
    expect(insane(rowAbsSums.map((x, i) => (i === 2 ? Number.NaN : x)))).toMatch(/rowAbsSums\[2\]/);
    expect(insane(rowAbsSums.map((x, i) => (i === 0 ? -x : x)))).toMatch(/outside/);
    expect(insane(rowAbsSums.map(() => input.n * input.k))).toMatch(/outside/);
  });
});

/** Refused: insane, or a mismatch whichever side it is on. */
function refused(input: MatmulInput, crafted: MatmulOutput, honest: MatmulOutput): boolean {
  if (checkMatmul(input, crafted) !== undefined) return true;
  return compareMatmul(input, crafted, honest) === 'mismatch' && compareMatmul(input, honest, crafted) === 'mismatch';
}

describe('matmul comparator', () => {
  test('default: a result matches itself and a copy within tolerance, from either side', () => {
    const input = randomUnit(testRandom());
    const result = runMatmul(input, quiet);
    expect(compareMatmul(input, result, result)).toBe('match');
    const jittered = { rowAbsSums: result.rowAbsSums.map((x) => x * (1 + MATMUL_TOLERANCE / 10)) };
    expect(compareMatmul(input, result, jittered)).toBe('match');
    expect(compareMatmul(input, jittered, result)).toBe('match');
  });

  test('property: on random units, crafted outputs are never judged equal to the reference output', () => {
    const random = testRandom();
    for (let trial = 0; trial < 12; trial++) {
      const input = randomUnit(random);
      const honest = runMatmul(input, quiet);
      const rows = honest.rowAbsSums;
      const row = random.int(0, input.m);
      const crafted: Record<string, number[]> = {
        'another unit': runMatmul({ ...input, seed: (input.seed + 1) >>> 0 }, quiet).rowAbsSums,
        'another shape': runMatmul({ ...input, k: input.k === 16 ? 32 : input.k - 16 }, quiet).rowAbsSums,
        'rows shifted by one': [...rows.slice(1), rows[0]!],
        'one row perturbed past the tolerance': rows.map((x, i) => (i === row ? x * (1 + 3 * MATMUL_TOLERANCE) : x)),
        'every row scaled past the tolerance': rows.map((x) => x * (1 - 3 * MATMUL_TOLERANCE)),
        truncated: rows.slice(0, -1),
        padded: [...rows, rows[0]!],
        zeros: rows.map(() => 0),
        'each row the mean': rows.map(() => rows.reduce((s, x) => s + x, 0) / rows.length),
      };
      for (const [what, rowAbsSums] of Object.entries(crafted)) {
        expect(refused(input, { rowAbsSums }, honest), `${what}: ${JSON.stringify(input)}`).toBe(true);
      }
    }
  });
});
