/**
 * @module server/training/aggregate
 * The robust aggregate the trainer applies: CenteredClip over buckets of two (Karimireddy et al.), the
 * aggregators of worker-kernels/training/aggregate.ts. Bucketing averages random pairs first, which narrows the
 * spread between honest volunteers' uneven shards that CenteredClip would otherwise clip as if it were an attack;
 * the round's seed orders the pairs, so a replay of a round aggregates the same way.
 */
import { bucketed, centeredClip } from '../../worker-kernels/training/aggregate.ts';

/** Karimireddy et al.'s s = 2: pairs. */
export const BUCKET_SIZE = 2;

export function aggregateUpdates(deltas: readonly Float32Array[], seed: number): Float32Array {
  return bucketed(deltas, BUCKET_SIZE, seed, (buckets) => centeredClip(buckets));
}
