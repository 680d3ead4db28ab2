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
  /** Each update's score (the validation loss it takes off along the probe), in the updates' order. */
  readonly scores: number[];
}

/**
 * The updates that lower the validation loss along a short probe (score above 0), or the better-scoring half where
 * fewer than half do. `lossAlong(u)` is the validation loss at θ − γ·Δ_u; `before` is L(θ). A NaN score counts as
 * the worst.
 *
 * @example await screenUpdates(updates, before, (u) => loss(probeAlong(theta, delta(u), hyper.screenProbe)))
 */
export async function screenUpdates<U>(
  updates: readonly U[],
  before: number,
  lossAlong: (update: U) => Promise<number> | number,
): Promise<Screened<U>> {
  const scores: number[] = [];
  for (const update of updates) {
    const score = before - (await lossAlong(update));
    scores.push(Number.isNaN(score) ? Number.NEGATIVE_INFINITY : score);
  }
  const half = Math.ceil(updates.length / 2);
  const downhill = updates.flatMap((_, i) => (scores[i]! > 0 ? [i] : []));
  const keep =
    downhill.length >= half
      ? downhill
      : [...updates.keys()]
          .sort((a, b) => scores[b]! - scores[a]! || a - b)
          .slice(0, half)
          .sort((a, b) => a - b);
  return { kept: keep.map((i) => updates[i]!), scores };
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
