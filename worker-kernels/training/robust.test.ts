/**
 * The robust aggregation the coordinator runs (robust.ts), held to why it is configured so: centred on the previous
 * aggregate, an attack that looks ordinary from zero is far from the honest crowd and drops out.
 */
import { describe, expect, test } from 'vitest';
import { Random } from '../random.ts';
import { mean, squaredDistance } from './aggregate.ts';
import { ROBUST_AGGREGATION, robustAggregate } from './robust.ts';

/** Seven honest updates scattered around a drift `centre` (far from zero, as pseudo-gradients of one round are). */
function round(seed: number, dim = 50) {
  const random = new Random(seed);
  const centre = Float32Array.from({ length: dim }, () => random.uniform(-1, 1));
  const honest = Array.from({ length: 7 }, () => centre.map((c) => c + random.uniform(-0.3, 0.3)));
  // Last round's aggregate: near this round's honest mean, not on it.
  const previous = centre.map((c) => c + random.uniform(-0.1, 0.1));
  return { centre, honest, previous, honestMean: mean(honest) };
}

const pull = (a: Float32Array, b: Float32Array) => Math.sqrt(squaredDistance(a, b));

describe('the coordinator’s robust aggregation', () => {
  test('default: without attackers it stays by the honest mean', () => {
    for (const seed of [1, 2, 3]) {
      const { honest, previous, honestMean } = round(seed);
      expect(pull(robustAggregate(honest, previous, seed), honestMean)).toBeLessThan(0.05);
    }
  });

  test('behavior: centred on the previous aggregate, three sign-flippers are dropped; from zero they pull', () => {
    for (const seed of [4, 5, 6]) {
      const { honest, previous, honestMean } = round(seed);
      const updates = [...honest, ...[0, 1, 2].map(() => honestMean.map((x) => -x))];
      const fromPrevious = pull(robustAggregate(updates, previous, seed), honestMean);
      const fromZero = pull(robustAggregate(updates, new Float32Array(previous.length), seed), honestMean);
      // From zero a flipped update is as far as an honest one, inside τ: it weighs fully.
      expect(fromZero).toBeGreaterThan(1);
      expect(fromPrevious).toBeLessThan(0.05);
    }
  });

  test('behavior: a scaled attack far beyond 4τ weighs nothing, where clipping alone lets it pull by τ', () => {
    const { honest, previous, honestMean } = round(7);
    const updates = [...honest, ...[0, 1, 2].map(() => honestMean.map((x) => -20 * x))];
    const dropped = pull(robustAggregate(updates, previous, 7), honestMean);
    const { reject: _reject, ...clipOnly } = ROBUST_AGGREGATION.clip;
    const clipped = pull(robustAggregate(updates, previous, 7, { ...ROBUST_AGGREGATION, clip: clipOnly }), honestMean);
    expect(dropped).toBeLessThan(0.05);
    expect(clipped).toBeGreaterThan(10 * dropped);
  });
});
