/**
 * @module worker-kernels/training/robust
 * The robust aggregation a training job runs, defined once: the coordinator's trainer (server/training/aggregate.ts)
 * applies it and the bench (bench/training.ts) takes its defaults from it, so what the bench measures is what the
 * coordinator does (docs/training.md, "Aggregation and the outer step").
 *
 * CenteredClip from the previous round's aggregate, without bucketing, dropping updates beyond 4τ. Measured on the
 * bench (CNN, uneven shards, 30% attackers among 10): buckets of 2 fell to 10% under the scaled attack, since most
 * pairs then hold an attacker (Karimireddy et al. bound the bucket below 1/(2δ) = 1.7 at δ = 0.3); the centre at
 * the previous aggregate rather than zero keeps τ near the honest spread from the first iteration; dropping beyond
 * 4τ took the scaled attack from 6.45 points below clean to 0.40, and an attacker that stays inside 4τ to avoid it
 * pulls by τ, as under plain clipping.
 */
import { bucketed, centeredClip, type Update } from './aggregate.ts';

export interface RobustAggregation {
  /** Updates averaged per bucket before clipping (1: none averaged). */
  readonly bucket: number;
  /** CenteredClip's iterations, τ's multiple of the median distance, and beyond how many τ an update is dropped. */
  readonly clip: { readonly iterations: number; readonly scale: number; readonly reject?: number };
}

export const ROBUST_AGGREGATION: RobustAggregation = { bucket: 1, clip: { iterations: 3, scale: 1, reject: 4 } };

/**
 * The round's aggregate of its updates, centred on the previous round's aggregate (zeros before the first round);
 * `seed` orders the buckets, so a replay of a round aggregates the same way.
 *
 * @example robustAggregate(deltas, previousAggregate, deriveSeed(jobSeed, 'round 3 buckets'))
 */
export function robustAggregate(
  updates: readonly Update[],
  previous: Float32Array,
  seed: number,
  config: RobustAggregation = ROBUST_AGGREGATION,
): Float32Array {
  const { iterations, scale, reject } = config.clip;
  return bucketed(updates, config.bucket, seed, (buckets) =>
    centeredClip(buckets, {
      center: previous,
      iterations,
      radiusScale: scale,
      ...(reject && { rejectBeyond: reject }),
    }),
  );
}
