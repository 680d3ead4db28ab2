import { beforeAll, describe, expect, test } from 'vitest';
import { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { KernelContext } from '../kernel.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { estimateCollatzFlops, estimateCollatzSteps } from './flops.ts';
import { runCollatz, type CollatzCheckpoint } from './reference.ts';
import { collatzSteps, collatzTrajectory, HASH_SEED, mix } from './trajectory.ts';
import { loadCollatzWasm, type CollatzWasm } from './wasm.ts';

const quiet: KernelContext<CollatzCheckpoint> = { progress() {}, checkpoint() {} };
const word = (n: bigint, shift: bigint) => Number((n >> shift) & 0xffffffffn);

/** The trajectory by the definition, one step at a time in BigInt: the check on trajectory.ts's fast paths. */
function slowTrajectory(start: number): { steps: number; hash: number } {
  let n = BigInt(start),
    steps = 0,
    hash = mix(HASH_SEED, word(n, 0n), word(n, 32n));
  while (n !== 1n) {
    if (n % 2n === 0n) n /= 2n;
    else {
      hash = mix(hash, word(n, 0n), word(n, 32n));
      n = 3n * n + 1n;
    }
    steps++;
  }
  return { steps, hash };
}

describe('collatz reference', () => {
  test('default: known stopping times', () => {
    expect([1, 2, 3, 6, 7, 27, 97, 871].map(collatzSteps)).toEqual([0, 1, 7, 8, 16, 111, 118, 178]);
    // 63,728,127 has the longest trajectory below 10^8 (949 steps), a published record (OEIS A006877).
    expect(collatzSteps(63_728_127)).toBe(949);
  });

  test('default: steps and hash equal the step-by-step BigInt definition on random starts, large ones included', () => {
    const random = testRandom();
    for (let i = 0; i < 200; i++) {
      const start = 1 + Math.floor(random.next() * Number.MAX_SAFE_INTEGER);
      expect(collatzTrajectory(start), `start ${start}`).toEqual(slowTrajectory(start));
    }
    // Near 2^53 trajectories climb past 2^53 (the doubles' end) and 2^64 (the u64 variant's).
    for (const start of [2 ** 53 - 1, 2 ** 53 - 3, 2 ** 53 - 5]) {
      expect(collatzTrajectory(start)).toEqual(slowTrajectory(start));
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
});

describe('collatz FLOP estimate', () => {
  test('default: holds to measured step counts within 10%, from 10^3 to 10^15', () => {
    const random = testRandom();
    for (let magnitude = 1e3; magnitude <= 1e15; magnitude *= 100) {
      // Random starts, not a range: neighbours share trajectories, so one range's mean strays by 15% and more.
      let measured = 0,
        estimated = 0;
      for (let i = 0; i < 2000; i++) {
        const start = Math.floor(magnitude * (1 + random.next()));
        measured += collatzSteps(start);
        estimated += estimateCollatzSteps({ start, count: 1 });
      }
      expect(measured / estimated, `starts near ${magnitude}`).toBeGreaterThan(0.9);
      expect(measured / estimated, `starts near ${magnitude}`).toBeLessThan(1.1);
    }
  });

  test('default: a wide range from 1 is priced by its mean ln, within 10% of its steps', () => {
    const input = { start: 1, count: 300_000 };
    const measured = runCollatz(input, quiet).totalSteps;
    expect(measured / estimateCollatzSteps(input)).toBeGreaterThan(0.9);
    expect(measured / estimateCollatzSteps(input)).toBeLessThan(1.1);
    expect(estimateCollatzFlops(input)).toBe(3 * estimateCollatzSteps(input));
  });
});

describe('collatz wasm (u64)', () => {
  let wasm: CollatzWasm;
  beforeAll(async () => {
    wasm = await loadCollatzWasm();
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
