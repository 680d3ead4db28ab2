/**
 * @module bench/training/deal
 * Which identity computes which of a round's units, as the coordinator deals them. A round has one unit per shard
 * (server/training/model-ops.ts) and the trainer queues them in an unpredictable order each round
 * (server/training/round.ts `shuffledUnits`), so whoever asks gets a shard it could not choose: each round the bench
 * deals the units round-robin over the identities not banned, in a fresh random order. `fixed` keeps the model the
 * bench had before: identity i always computes shard i, and a banned identity's shard is trained by no one.
 */
import { deriveSeed, mulberry32 } from '../../worker-kernels/random.ts';

export type Dealing = 'random' | 'fixed';

/** [unit, identity] pairs in unit order, for `active` the identities not banned (in id order). */
export function dealUnits(
  dealing: Dealing,
  units: number,
  active: readonly number[],
  seed: number,
  round: number,
): [unit: number, identity: number][] {
  if (dealing === 'fixed') return active.map((i) => [i, i]);
  // Its own stream: the simulation's draws (attacks, recomputation coins) stay as they were.
  const draw = mulberry32(deriveSeed(seed, `deal${round}`));
  const order = [...active];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(draw() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Array.from({ length: units }, (_, u) => [u, order[u % order.length]!]);
}
