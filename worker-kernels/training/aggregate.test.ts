/**
 * The aggregators against what each promises: exact values on small cases, and against coordinated attackers who
 * all send one far update, how far each lets the aggregate be pulled.
 */
import { describe, expect, test } from 'vitest';
import { Random } from '../random.ts';
import { bucketed, centeredClip, coordinateMedian, krum, mean, squaredDistance, trimmedMean } from './aggregate.ts';
import { outerStep, WorkerMomentum } from './outer.ts';

const v = (...x: number[]) => Float32Array.from(x);

/** `honest` updates scattered around `centre`, and `byzantine` copies of one far update. */
function crowd(honest: number, byzantine: number, dim: number, seed: number) {
  const random = new Random(seed);
  const centre = Float32Array.from({ length: dim }, () => random.uniform(-1, 1));
  const updates = Array.from({ length: honest }, () => centre.map((c) => c + random.uniform(-0.3, 0.3)));
  const far = centre.map((c) => c - 100);
  for (let b = 0; b < byzantine; b++) updates.push(far.slice());
  return { updates, honestMean: mean(updates.slice(0, honest)) };
}

const pull = (agg: Float32Array, honestMean: Float32Array) => Math.sqrt(squaredDistance(agg, honestMean));

describe('aggregators', () => {
  test('default: mean, median and trimmed mean of small cases', () => {
    const u = [v(1, 10), v(2, 40), v(6, 20), v(100, 30)];
    expect(Array.from(mean(u))).toEqual([27.25, 25]);
    expect(Array.from(coordinateMedian(u))).toEqual([4, 25]);
    expect(Array.from(coordinateMedian(u.slice(0, 3)))).toEqual([2, 20]);
    expect(Array.from(trimmedMean(u, 1))).toEqual([4, 25]);
  });

  test('error: a trim that leaves nothing is refused', () => {
    expect(() => trimmedMean([v(1), v(2)], 1)).toThrow(RangeError);
  });

  test('behavior: Krum picks an honest update when attackers agree on a far one', () => {
    const { updates } = crowd(7, 3, 20, 1);
    const chosen = krum(updates, 3);
    expect(updates.slice(0, 7).some((u) => squaredDistance(u, chosen) === 0)).toBe(true);
  });

  test('behavior: at 30% attackers CenteredClip stays by the honest mean, where the mean is dragged away', () => {
    const { updates, honestMean } = crowd(7, 3, 50, 2);
    expect(pull(mean(updates), honestMean)).toBeGreaterThan(100);
    const clipped = centeredClip(updates, { iterations: 10 });
    expect(pull(clipped, honestMean)).toBeLessThan(1);
    expect(pull(coordinateMedian(updates), honestMean)).toBeLessThan(1);
    expect(pull(trimmedMean(updates, 3), honestMean)).toBeLessThan(1);
  });

  test('behavior: CenteredClip rejecting far updates drops their pull, which clipping only bounds', () => {
    // Clipped, each attacker still pulls by τ; beyond 4τ it pulls by nothing.
    const { updates, honestMean } = crowd(7, 3, 50, 5);
    const clipped = pull(centeredClip(updates, { iterations: 5 }), honestMean);
    const rejecting = pull(centeredClip(updates, { iterations: 5, rejectBeyond: 4 }), honestMean);
    expect(rejecting).toBeLessThan(clipped / 10);
    // An honest crowd alone, none beyond 4τ: the same as without rejection.
    const { updates: calm } = crowd(7, 0, 50, 6);
    expect(centeredClip(calm, { rejectBeyond: 4 })).toEqual(centeredClip(calm));
  });

  test('behavior: CenteredClip with a radius no update exceeds is the mean', () => {
    const { updates } = crowd(6, 0, 10, 3);
    const clipped = centeredClip(updates, { radius: 1e9, iterations: 1 });
    const m = mean(updates);
    expect(Math.max(...clipped.map((x, i) => Math.abs(x - m[i]!)))).toBeLessThan(1e-5);
  });

  test('behavior: bucketing averages in seeded buckets before aggregating, the same for the same seed', () => {
    const { updates, honestMean } = crowd(14, 3, 30, 4);
    const a = bucketed(updates, 2, 9, (b) => centeredClip(b, { iterations: 5 }));
    expect(bucketed(updates, 2, 9, (b) => centeredClip(b, { iterations: 5 }))).toEqual(a);
    const seen: number[] = [];
    bucketed(updates, 3, 9, (b) => {
      seen.push(b.length);
      return b[0]!;
    });
    expect(seen).toEqual([6]);
    // Buckets of 2 with 3 of 17 attackers: at most 3 of 9 buckets carry one, a minority CenteredClip holds off.
    expect(pull(mean(updates), honestMean)).toBeGreaterThan(50);
    expect(pull(a, honestMean)).toBeLessThan(1);
  });
});

describe('the outer step', () => {
  test('default: Nesterov momentum on the aggregate', () => {
    const theta = v(1, 1);
    const m = v(0, 0);
    outerStep(theta, m, v(0.1, -0.2), { lr: 0.7, momentum: 0.9 });
    // m = Δ; θ = 1 − 0.7·(Δ + 0.9Δ) = 1 − 1.33Δ
    expect(theta[0]).toBeCloseTo(1 - 0.133, 6);
    expect(theta[1]).toBeCloseTo(1 + 0.266, 6);
    outerStep(theta, m, v(0.1, -0.2), { lr: 0.7, momentum: 0.9 });
    expect(m[0]).toBeCloseTo(0.19, 6);
  });

  test('behavior: worker momentum averages a slot over rounds, and a dropped slot starts over', () => {
    const w = new WorkerMomentum(0.5);
    expect(Array.from(w.push('a', v(2)))).toEqual([2]);
    expect(Array.from(w.push('a', v(0)))).toEqual([1]);
    w.drop('a');
    expect(Array.from(w.push('a', v(8)))).toEqual([8]);
  });
});
