/**
 * @module server/training/aggregate
 * The robust aggregate the trainer applies: worker-kernels/training/robust.ts's, the one the bench measures by
 * default (docs/training.md), centred on the aggregate that made the current version. The round's seed orders the
 * buckets, so a replay of a round aggregates the same way.
 */
import { robustAggregate } from '../../worker-kernels/training/robust.ts';

export function aggregateUpdates(deltas: readonly Float32Array[], previous: Float32Array, seed: number): Float32Array {
  return robustAggregate(deltas, previous, seed);
}
