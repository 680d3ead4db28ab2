import { describe, expect, test } from 'vitest';
import { CollatzInput, type CollatzOutput } from '../../protocol/collatz.ts';
import type { Random } from '../random.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { compareCollatz } from './compare.ts';
import { runCollatz } from './reference.ts';
import { checkCollatz } from './sanity.ts';

const quiet = { progress() {}, checkpoint() {} };

function randomUnit(random: Random): CollatzInput {
  const start = 1 + Math.floor(random.next() * random.pick([1e3, 1e9, 1e15]));
  return CollatzInput.parse({ start, count: random.int(1, 3000) });
}

/** Refused: insane, or a mismatch whichever side it is on. */
function refused(input: CollatzInput, crafted: CollatzOutput, honest: CollatzOutput): boolean {
  if (checkCollatz(input, crafted) !== undefined) return true;
  const one = compareCollatz(input, crafted, honest);
  expect(compareCollatz(input, honest, crafted), 'the comparator is symmetric').toBe(one);
  return one === 'mismatch';
}

describe('collatz comparator and sanity check', () => {
  test('default: equal results match, and the reference output is sane', () => {
    const input = randomUnit(testRandom());
    const result = runCollatz(input, quiet);
    expect(compareCollatz(input, result, { ...result })).toBe('match');
    expect(checkCollatz(input, result)).toBeUndefined();
  });

  test('property: on random units, crafted outputs are never judged equal to the reference output', () => {
    const random = testRandom();
    for (let trial = 0; trial < 20; trial++) {
      const input = randomUnit(random);
      const honest = runCollatz(input, quiet);
      const nudged = (field: keyof CollatzOutput, by: number) => ({ ...honest, [field]: honest[field] + by });
      const crafted: Record<string, CollatzOutput> = {
        'maxSteps + 1': nudged('maxSteps', 1),
        'maxSteps - 1': nudged('maxSteps', -1),
        'argMax + 1': nudged('argMax', 1),
        'argMax - 1': nudged('argMax', -1),
        'totalSteps + 1': nudged('totalSteps', 1),
        'totalSteps - 1': nudged('totalSteps', -1),
        'digest + 1': { ...honest, digest: (honest.digest + 1) >>> 0 },
        'digest with one bit flipped': { ...honest, digest: (honest.digest ^ (1 << random.int(0, 32))) >>> 0 },
        'digest zero': { ...honest, digest: 0 },
        'the next unit': runCollatz({ ...input, start: input.start + 1 }, quiet),
        'one start more': runCollatz({ ...input, count: input.count + 1 }, quiet),
      };
      if (input.count > 1) crafted['one start short'] = runCollatz({ ...input, count: input.count - 1 }, quiet);
      for (const [what, output] of Object.entries(crafted)) {
        expect(refused(input, output, honest), `${what}: ${JSON.stringify(input)}`).toBe(true);
      }
    }
  });

  test('error: a record outside the range, or not its steps, or totals the range cannot have, are insane', () => {
    const input = CollatzInput.parse({ start: 1000, count: 500 });
    const honest = runCollatz(input, quiet);
    expect(checkCollatz(input, { ...honest, argMax: 999 })).toMatch(/outside the range/);
    expect(checkCollatz(input, { ...honest, argMax: 1500 })).toMatch(/outside the range/);
    expect(checkCollatz(input, { ...honest, maxSteps: honest.maxSteps + 1 })).toMatch(/takes \d+ steps/);
    // 1024 takes 10 steps, the least a start of 1000-1499 can (⌈log2 1499⌉ = 11 bounds the record).
    expect(checkCollatz(input, { ...honest, argMax: 1024, maxSteps: 10 })).toMatch(/below ⌈log2 1499⌉/);
    expect(checkCollatz(input, { ...honest, totalSteps: 10 })).toMatch(/below/);
    expect(checkCollatz(input, { ...honest, totalSteps: 500 * honest.maxSteps + 1 })).toMatch(/exceeds/);
  });
});
