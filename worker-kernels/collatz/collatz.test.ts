import { beforeAll, describe, expect, test } from 'vitest';
import { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { KernelContext } from '../kernel.ts';
import { compareCollatz } from './compare.ts';
import { estimateCollatzFlops } from './flops.ts';
import { collatzSteps, runCollatz, type CollatzCheckpoint } from './reference.ts';
import { loadCollatzWasm, type CollatzWasm } from './wasm.ts';

const quiet: KernelContext<CollatzCheckpoint> = { progress() {}, checkpoint() {} };

/** Steps by the definition, one at a time in BigInt: the check on the reference's fast paths. */
function slowSteps(start: number): number {
  let n = BigInt(start),
    steps = 0;
  while (n !== 1n) {
    n = n % 2n === 0n ? n / 2n : 3n * n + 1n;
    steps++;
  }
  return steps;
}

describe('collatz reference', () => {
  test('default: known stopping times', () => {
    expect([1, 2, 3, 6, 7, 27, 97, 871].map(collatzSteps)).toEqual([0, 1, 7, 8, 16, 111, 118, 178]);
    // 63,728,127 has the longest trajectory below 10^8 (949 steps), a published record.
    expect(collatzSteps(63_728_127)).toBe(949);
  });

  test('default: equals the step-by-step BigInt definition on fresh random starts, large ones included', () => {
    for (let i = 0; i < 200; i++) {
      const start = 1 + Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
      expect(collatzSteps(start), `start ${start}`).toBe(slowSteps(start));
    }
  });

  test('default: the record below 1000 is 871', () => {
    const out = CollatzOutput.parse(runCollatz(CollatzInput.parse({ start: 1, count: 999 }), quiet));
    expect(out.maxSteps).toBe(178);
    expect(out.argMax).toBe(871);
  });

  test('behavior: a run resumed from a checkpoint gives the same result', () => {
    const input = CollatzInput.parse({ start: 1_000_000, count: 200_000 });
    const checkpoints: CollatzCheckpoint[] = [];
    const full = runCollatz(input, { progress() {}, checkpoint: (s) => checkpoints.push(structuredClone(s)) });
    expect(checkpoints.length).toBeGreaterThan(2);
    expect(runCollatz(input, { ...quiet, resumeFrom: checkpoints[1] })).toEqual(full);
  });

  test('error: the schema refuses 0, fractions and ranges past 2^53', () => {
    expect(() => CollatzInput.parse({ start: 0, count: 10 })).toThrow();
    expect(() => CollatzInput.parse({ start: 1.5, count: 10 })).toThrow();
    expect(() => CollatzInput.parse({ start: Number.MAX_SAFE_INTEGER, count: 2 })).toThrow(/2\^53/);
  });

  test('default: the work estimate grows with the range and the size of the numbers', () => {
    expect(estimateCollatzFlops({ start: 1e9, count: 2000 })).toBeGreaterThan(
      estimateCollatzFlops({ start: 1e9, count: 1000 }),
    );
    expect(estimateCollatzFlops({ start: 1e12, count: 1000 })).toBeGreaterThan(
      estimateCollatzFlops({ start: 1e3, count: 1000 }),
    );
  });
});

describe('collatz wasm (u64) against the reference', () => {
  let wasm: CollatzWasm;
  beforeAll(async () => {
    wasm = await loadCollatzWasm();
  });

  test('default: equal, exactly, on fresh random ranges of every size', () => {
    for (const magnitude of [1e3, 1e9, 1e13, 2 ** 52]) {
      const start = 1 + Math.floor(Math.random() * magnitude);
      const input = CollatzInput.parse({ start, count: 70_000 + Math.floor(Math.random() * 1000) });
      const expected = runCollatz(input, quiet);
      expect(wasm.run(input, quiet), `start ${start}`).toEqual(expected);
      expect(compareCollatz(input, wasm.run(input, quiet), expected)).toBe('match');
    }
  });

  test('behavior: trajectories that leave 64 bits are finished exactly', () => {
    // Near 2^53 a climb by a factor of 2^11 passes 2^64, which many trajectories do.
    const input = CollatzInput.parse({ start: 2 ** 53 - 60_000, count: 60_000 });
    expect(wasm.run(input, quiet)).toEqual(runCollatz(input, quiet));
    expect(wasm.overflowed).toBeGreaterThan(0);
  });

  test('behavior: checkpoints and progress follow the reference', () => {
    const input = CollatzInput.parse({ start: 5, count: 150_000 });
    const seen: number[] = [];
    const checkpoints: CollatzCheckpoint[] = [];
    const full = wasm.run(input, { progress: (f) => seen.push(f), checkpoint: (s) => checkpoints.push({ ...s }) });
    expect(seen.at(-1)).toBe(1);
    expect(wasm.run(input, { ...quiet, resumeFrom: checkpoints[0] })).toEqual(full);
  });
});

describe('collatz comparator', () => {
  const input = CollatzInput.parse({ start: 100, count: 1000 });
  const result = runCollatz(input, quiet);

  test('default: equal results match', () => {
    expect(compareCollatz(input, result, { ...result })).toBe('match');
  });

  test('error: any difference, or an argMax outside the range, is a mismatch', () => {
    expect(compareCollatz(input, result, { ...result, totalSteps: result.totalSteps + 1 })).toBe('mismatch');
    expect(compareCollatz(input, result, { ...result, argMax: result.argMax + 1 })).toBe('mismatch');
    expect(compareCollatz(input, result, { ...result, maxSteps: result.maxSteps - 1 })).toBe('mismatch');
    const outside = { ...result, argMax: 5 };
    expect(compareCollatz(input, outside, outside)).toBe('mismatch');
  });
});
