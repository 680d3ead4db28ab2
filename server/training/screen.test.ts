import { describe, expect, it } from 'vitest';
import { cosine, directionScreen, evenProbes, norm, pairedScore, probeAlong, screenUpdates } from './screen.ts';

/** The loss is (θ − 1)² in one dimension, from θ = 0: a downhill update is negative (Δ = θ_v − θ_after). */
const loss = (theta: Float32Array) => [(theta[0]! - 1) ** 2];
const theta = Float32Array.of(0);
const along = (delta: number) => loss(probeAlong(theta, Float32Array.of(delta), 0.5));

describe('screenUpdates', () => {
  it('default: updates that lower the loss along the probe are kept, those that raise it dropped', async () => {
    const { kept, scores } = await screenUpdates([-1, -0.5, 1, -0.8, 0.1], loss(theta), along);
    expect(kept).toEqual([-1, -0.5, -0.8]);
    expect(scores[2]).toBeLessThan(0);
    expect(scores[0]).toBeGreaterThan(0);
  });

  it('behavior: sign-flipped and ipm updates (−μ, −0.1·μ) of an honest mean that descends are dropped', async () => {
    const honest = [-0.9, -1.1, -1, -0.8, -1.2, -1, -0.95];
    const mu = honest.reduce((a, b) => a + b, 0) / honest.length;
    const { kept } = await screenUpdates([...honest, -mu, -mu, -0.1 * mu], loss(theta), along);
    expect(kept).toEqual(honest);
  });

  it('behavior: never fewer than half the round: where most raise the loss the best-scoring half is kept', async () => {
    const { kept } = await screenUpdates([1, 2, -0.5, 0.5, 3, 4], loss(theta), along);
    expect(kept).toEqual([1, -0.5, 0.5]);
  });

  it('behavior: late in a job, honest scores around 0, fewer than half above it: the attackers still go', async () => {
    // Near the minimum (θ = 1) honest updates scatter around it; three sign-flipped copies of their mean point away.
    const near = Float32Array.of(0.98);
    const lossNear = loss(near);
    const alongNear = (delta: number) => loss(probeAlong(near, Float32Array.of(delta), 0.5));
    const honest = [0.03, -0.05, 0.01, -0.02, 0.06, -0.04, -0.03];
    const mu = honest.reduce((a, b) => a + b, 0) / honest.length;
    const updates = [...honest, -mu * 20, -mu * 20, -mu * 20];
    const { kept, scores } = await screenUpdates(updates, lossNear, alongNear);
    expect(scores.filter((x) => x > 0).length).toBeLessThan(5);
    expect(kept).toHaveLength(5);
    expect(kept.every((u) => honest.includes(u))).toBe(true);
  });

  it('behavior: a NaN loss scores worst', async () => {
    const { kept, scores } = await screenUpdates([-1, Number.NaN], loss(theta), along);
    expect(kept).toEqual([-1]);
    expect(scores[1]).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('pairedScore', () => {
  it('default: the mean loss taken off, over its standard error across the digits', () => {
    // Differences 1, 2, 3, 4: mean 2.5, sample deviation √(5/3), standard error √(5/3)/2.
    const { score, t } = pairedScore([5, 5, 5, 5], [4, 3, 2, 1]);
    expect(score).toBe(2.5);
    expect(t).toBeCloseTo(2.5 / (Math.sqrt(5 / 3) / 2), 12);
  });

  it('behavior: no spread (one digit, or all alike) gives ±∞ by the sign, 0 for no change', () => {
    expect(pairedScore([1], [2]).t).toBe(Number.NEGATIVE_INFINITY);
    expect(pairedScore([2, 2], [1, 1]).t).toBe(Number.POSITIVE_INFINITY);
    expect(pairedScore([1, 1], [1, 1]).t).toBe(0);
  });

  it('behavior: NaN, or losses of another length, score worst', () => {
    expect(pairedScore([1, 2], [1, Number.NaN])).toEqual({ score: -Infinity, t: -Infinity });
    expect(pairedScore([1, 2], [1])).toEqual({ score: -Infinity, t: -Infinity });
  });
});

describe('screenUpdates with a margin', () => {
  // 400 digits: an update's per-digit loss changes are its drift plus noise of mean 0 and deviation about 1 (a fixed
  // pattern, so the test is the same at every run): the drift's standard error is about 0.05.
  const before = new Float64Array(400).fill(10);
  const pattern = Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * Math.SQRT2);
  const noise = pattern.map((x) => x - pattern.reduce((a, b) => a + b, 0) / pattern.length);
  const along = (drift: number) => before.map((b, i) => b - drift - noise[i]!);

  it('behavior: an update that raises the loss within the noise passes a margin of 2, not a margin of 0', async () => {
    const updates = [0.05, -0.03, 0.02, 0.04, -0.02];
    const zero = await screenUpdates(updates, before, along, 0);
    const two = await screenUpdates(updates, before, along, 2);
    expect(zero.kept).toEqual([0.05, 0.02, 0.04]);
    expect(two.kept).toEqual(updates);
    expect(two.significance.every((t) => t > -2)).toBe(true);
  });

  it('behavior: an update that raises the loss by several standard errors is dropped at a margin of 2', async () => {
    const updates = [0.05, -0.5, 0.02, 0.04, -0.02, -0.4];
    const { kept, significance } = await screenUpdates(updates, before, along, 2);
    expect(kept).toEqual([0.05, 0.02, 0.04, -0.02]);
    expect(significance[1]).toBeLessThan(-5);
  });
});

describe('evenProbes', () => {
  it('default: every update reaches γ times the median length: a long one gets a short probe, a short a long', () => {
    const updates = [Float32Array.of(3, 4), Float32Array.of(0, 10), Float32Array.of(0.6, 0.8), Float32Array.of(0, 5)];
    const probes = evenProbes(updates, 0.1);
    // Lengths 5, 10, 1, 5: the median is 5, so every probe reaches 0.5.
    for (const [i, p] of probes.entries()) expect(p * norm(updates[i]!)).toBeCloseTo(0.5, 6);
    expect(probes[1]).toBeCloseTo(0.05, 6);
    expect(probes[2]).toBeCloseTo(0.5, 6);
  });

  it('behavior: an all-zero update gets NaN, so it scores NaN and is dropped', () => {
    expect(evenProbes([Float32Array.of(1), Float32Array.of(0), Float32Array.of(2)], 0.1)[1]).toBeNaN();
  });

  it('behavior: late in a job, ipm (−0.1·μ) hides among honest ones at its own length, not at the median', async () => {
    // Two dimensions, loss (θ₀ − 1)² + (θ₁ − 1)² near its minimum: honest updates are short and mostly sideways
    // (fewer than half point downhill), three ipm copies of −0.1 times their mean.
    const loss2 = (t: Float32Array) => [(t[0]! - 1) ** 2 + (t[1]! - 1) ** 2];
    const near = Float32Array.of(0.9, 0.9);
    const honest = [
      [-0.05, 0.03],
      [0.04, -0.05],
      [-0.06, 0.02],
      [0.05, -0.03],
      [-0.01, -0.02],
      [0.06, -0.05],
      [-0.04, 0.05],
    ].map(([a, b]) => Float32Array.of(a!, b!));
    const mu = [0, 1].map((j) => honest.reduce((sum, h) => sum + h[j]!, 0) / honest.length);
    const updates = [...honest, ...[0, 1, 2].map(() => Float32Array.of(-0.1 * mu[0]!, -0.1 * mu[1]!))];
    const own = await screenUpdates(updates, loss2(near), (d) => loss2(probeAlong(near, d, 0.5)));
    const probes = evenProbes(updates, 0.5);
    const even = await screenUpdates(updates, loss2(near), (d) =>
      loss2(probeAlong(near, d, probes[updates.indexOf(d)]!)),
    );
    // At its own length ipm barely moves the loss and outscores sideways honest updates: the better half takes one.
    expect(own.kept.filter((u) => !honest.includes(u))).toHaveLength(1);
    // Probed as far as the others, it points straight uphill and scores worst of the round.
    expect(even.kept.filter((u) => !honest.includes(u))).toHaveLength(0);
    expect(Math.min(...even.scores)).toBe(even.scores[9]);
  });
});

describe('probeAlong', () => {
  it('default: θ − γ·Δ, a new array', () => {
    const params = Float32Array.of(1, 2);
    expect([...probeAlong(params, Float32Array.of(2, -4), 0.25)]).toEqual([0.5, 3]);
    expect([...params]).toEqual([1, 2]);
  });
});

describe('directionScreen', () => {
  const honest = [
    Float32Array.of(1, 0.2, 0.1),
    Float32Array.of(0.8, -0.1, 0.3),
    Float32Array.of(0.9, 0.4, -0.2),
    Float32Array.of(1.2, 0.1, 0),
    Float32Array.of(0.1, 1, 0.1),
  ];
  const mu = Float32Array.from([0, 1, 2], (j) => honest.reduce((a, h) => a + h[j]!, 0) / honest.length);

  it('default: sign-flipped and ipm updates (−μ, −0.1·μ) point against the coordinate median and are dropped', () => {
    const updates = [...honest, mu.map((x) => -x), mu.map((x) => -0.1 * x)];
    const { kept, scores } = directionScreen(updates, (u) => u, 3);
    expect(kept).toEqual(honest);
    expect(scores[5]).toBeLessThan(-0.9);
  });

  it('behavior: an update of another length, or one that does not decode, scores NaN and is dropped', () => {
    const { kept, scores } = directionScreen([...honest, Float32Array.of(1, 1), undefined], (u) => u, 3);
    expect(kept).toEqual(honest);
    expect(scores.slice(5)).toEqual([Number.NaN, Number.NaN]);
  });

  it('behavior: nothing that decodes, nothing kept', () => {
    expect(directionScreen([undefined], (u) => u, 3).kept).toEqual([]);
  });
});

describe('cosine', () => {
  it('default: the cosine of the angle; 0 against a zero vector', () => {
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(0, 2))).toBe(0);
    expect(cosine(Float32Array.of(1, 1), Float32Array.of(-2, -2))).toBeCloseTo(-1, 12);
    expect(cosine(Float32Array.of(0, 0), Float32Array.of(1, 2))).toBe(0);
  });
});
