/**
 * @module server/training/screen
 * The suspicion screen a round's updates pass before the robust aggregate, in the style of Zeno (Xie, Koyejo & Gupta
 * 2019), shared by the trainer pass (trainer.ts) and the bench (bench/training/sim.ts) so the bench measures what the
 * coordinator does. Each update Δ (a pseudo-gradient, θ_v − θ_after) is scored by how much a short move along it
 * lowers the loss on the coordinator's validation digits, score = L(θ) − L(θ − γ·Δ), and updates that raise it
 * (score below 0) are dropped before CenteredClip. Attacks that point uphill (sign-flip's −μ, ipm's −0.1·μ, and
 * training on flipped labels) score below 0; an honest update from an uneven shard still points downhill on the
 * first step along it, which is why the probe is short (γ) rather than the whole update.
 *
 * A screen never leaves fewer than half the round: where more than half score below 0 (a majority of cheaters, or a
 * round where the model is at a minimum of the validation loss and honest updates scatter around it), the half with
 * the best scores is kept, so a round is never decided by a handful of updates the screen happened to like.
 */
import { coordinateMedian, medianOf } from '../../worker-kernels/training/aggregate.ts';

/** θ − γ·Δ: the parameters a short move along the update reaches. */
export function probeAlong(params: Float32Array, delta: Float32Array, probe: number): Float32Array {
  const out = new Float32Array(params.length);
  for (let i = 0; i < out.length; i++) out[i] = params[i]! - probe * delta[i]!;
  return out;
}

/** The L2 norm of a pseudo-gradient, in f64. */
export function norm(delta: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < delta.length; i++) sum += delta[i]! * delta[i]!;
  return Math.sqrt(sum);
}

/**
 * Each update's probe, so that every update is probed at the same distance, γ times the round's median update length:
 * γ·median|Δ|/|Δ_i|. A short update is then judged by its direction at the distance an honest one is, not by a move
 * too small to change the loss; while attackers are fewer than half they cannot set the median. An all-zero update
 * gets NaN (it points nowhere, and scores NaN).
 */
export function evenProbes(deltas: readonly Float32Array[], probe: number): number[] {
  const norms = deltas.map(norm);
  const median = medianOf(norms);
  return norms.map((n) => (n > 0 ? (probe * median) / n : Number.NaN));
}

export interface Screened<U> {
  /** The updates kept, in their order. */
  readonly kept: U[];
  /** Each update's score (the validation loss it takes off along the probe, or its cosine), in the updates' order. */
  readonly scores: number[];
}

export interface LossScreened<U> extends Screened<U> {
  /** Each score over its standard error across the validation digits (a paired t statistic), in the same order. */
  readonly significance: number[];
}

/**
 * A paired comparison of per-digit losses, before and along a probe: the mean loss taken off and that mean over its
 * standard error. A difference on 500 digits is known only to within its standard error, and late in a job an honest
 * update moves the loss by less than that: its sign alone is a coin. A lone loss (one value) or digits that all
 * moved alike have no spread: the statistic is then ±∞ by the score's sign (0 for 0). NaN anywhere scores −∞.
 */
export function pairedScore(before: ArrayLike<number>, along: ArrayLike<number>): { score: number; t: number } {
  const n = before.length;
  if (n === 0 || along.length !== n) return { score: Number.NEGATIVE_INFINITY, t: Number.NEGATIVE_INFINITY };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += before[i]! - along[i]!;
  const score = sum / n;
  if (Number.isNaN(score)) return { score: Number.NEGATIVE_INFINITY, t: Number.NEGATIVE_INFINITY };
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (before[i]! - along[i]! - score) ** 2;
  const standardError = n > 1 ? Math.sqrt(squares / (n - 1) / n) : 0;
  if (standardError > 0) return { score, t: score / standardError };
  return { score, t: score > 0 ? Number.POSITIVE_INFINITY : score < 0 ? Number.NEGATIVE_INFINITY : 0 };
}

/**
 * The updates that do not raise the validation loss along a short probe beyond `margin` standard errors (0: those
 * whose score is above 0, the rule before margins), or the better-scoring half where fewer than half pass.
 * `lossesAlong(u)` is each validation digit's loss at θ − γ·Δ_u; `before` each one's at θ. A NaN scores worst.
 *
 * @example await screenUpdates(updates, before, (u) => losses(probeAlong(theta, delta(u), probe)), hyper.screenMargin)
 */
export async function screenUpdates<U>(
  updates: readonly U[],
  before: ArrayLike<number>,
  lossesAlong: (update: U) => Promise<ArrayLike<number>> | ArrayLike<number>,
  margin = 0,
): Promise<LossScreened<U>> {
  const scores: number[] = [];
  const significance: number[] = [];
  for (const update of updates) {
    const { score, t } = pairedScore(before, await lossesAlong(update));
    scores.push(score);
    significance.push(t);
  }
  const half = Math.ceil(updates.length / 2);
  const passing = updates.flatMap((_, i) => (significance[i]! > -margin ? [i] : []));
  const keep =
    passing.length >= half
      ? passing
      : [...updates.keys()]
          .sort((a, b) => scores[b]! - scores[a]! || a - b)
          .slice(0, half)
          .sort((a, b) => a - b);
  return { kept: keep.map((i) => updates[i]!), scores, significance };
}

/** cos(a, b), in f64; 0 where either is all zeros. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/**
 * The direction screen: the updates whose pseudo-gradient agrees in direction with the coordinate median of the
 * round's updates (cosine above 0), the others dropped. The median, not the round's CenteredClip aggregate: late in
 * a job the aggregate stays near its centre (the previous round's aggregate) and pointed away from half the honest
 * updates of the round (docs/training.md); per coordinate the median lies among honest values while attackers are
 * fewer than half. An update that does not decode (`delta` gives undefined, or a length other than the model's
 * `size`) scores NaN and is dropped. Costs no evaluation of the model, one coordinate median a round.
 *
 * @example directionScreen(updates, (u) => decodeUpdate(u, block), params.length)
 */
export function directionScreen<U>(
  updates: readonly U[],
  delta: (update: U) => Float32Array | undefined,
  size: number,
): Screened<U> {
  const deltas = updates.map((u) => {
    const d = delta(u);
    return d?.length === size ? d : undefined;
  });
  const usable = deltas.filter((d) => d !== undefined);
  if (usable.length === 0) return { kept: [], scores: updates.map(() => Number.NaN) };
  const reference = coordinateMedian(usable);
  const scores = deltas.map((d) => (d ? cosine(d, reference) : Number.NaN));
  return { kept: updates.filter((_, i) => scores[i]! > 0), scores };
}
