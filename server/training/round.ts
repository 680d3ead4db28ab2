/**
 * @module server/training/round
 * The trainer's pure decisions about one round (docs/training.md): when it closes, and which of its units are
 * recomputed. A round closes as soon as every unit has an applicable result, or at its deadline with a quorum of
 * them; a volunteer that is slow or gone holds nothing up, since its unit is reissued at its own deadline (half the
 * round's) and the round closes without it. Below quorum at the deadline the round waits: closing on one or two
 * updates would let those few steer the model. A round dealt again (trainer.ts) met it before its second wave.
 */
import type { TrainingHyper } from '../../protocol/training-job.ts';
import type { RoundProgress } from '../store/training.ts';

export type RoundDecision = 'close' | 'wait';

/** The fewest applicable results a round may close with at its deadline. */
export const quorumOf = (units: number, quorum: number) => Math.max(1, Math.ceil(units * quorum - 1e-9));

export function decideRound(
  { units, reported }: RoundProgress,
  {
    now,
    deadline,
    quorum,
    dealtAgain = false,
  }: { now: number; deadline: number; quorum: number; dealtAgain?: boolean },
): RoundDecision {
  if (units > 0 && reported >= units) return 'close';
  // Every unit failed (their errors ran out): nothing more can come, so the round is due at its deadline.
  if (units === 0 && now >= deadline) return 'close';
  // Dealt again, the round met its quorum once already: at the second deadline it closes on what it has, so units
  // nobody takes or returns (a team asking for them and sending nothing) cannot hold it.
  return now >= deadline && (dealtAgain || reported >= quorumOf(units, quorum)) ? 'close' : 'wait';
}

/**
 * Which of a round's units go to two hosts (of different volunteers) and are compared: each independently with
 * probability `recompute`, from an unpredictable coin, so no host can tell a checked unit from another. A checked
 * unit's result counts only once its replicas agree; a disagreement brings a third replica, and the result the
 * quorum rejects bans its host (trainer.ts).
 */
export function recomputedUnits(count: number, recompute: TrainingHyper['recompute'], random: () => number): boolean[] {
  return Array.from({ length: count }, () => random() < recompute);
}

/**
 * A round's units in an unpredictable order, drawn from the same coin as the recomputation. The queue sends a
 * project's oldest unit first, so in shard order a team of identities asking the moment a round opens would take the
 * same shards every round and keep their data out of the model for good; shuffled, whoever asks gets a shard it
 * cannot choose (bench/training/deal.ts deals them so).
 */
export function shuffledUnits<T>(units: readonly T[], random: () => number): T[] {
  const order = [...units];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Seconds a host has for one unit before it is reissued: half the round, so a reissue can still make it. */
export const unitDelayBound = (hyper: Pick<TrainingHyper, 'roundDeadlineS'>) =>
  Math.max(1, Math.floor(hyper.roundDeadlineS / 2));
