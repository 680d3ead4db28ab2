/**
 * @module server/training/gate
 * The round check (the job's `gateLoss`), shared by the trainer pass (trainer.ts) and the bench (bench/training/
 * sim.ts) so the bench measures what the coordinator does. A round's next version is applied only where it raises
 * the loss on the coordinator's validation digits by at most `gateLoss` nats. Where the whole round fails, the
 * updates are tried one by one, each as if it were the round's aggregate, and the round is retried with those that
 * pass alone (RETRY_FEWEST at least): a majority of cheaters not yet banned (scaled, ALIE, label-flip at 60% in
 * docs/training.md) fails alone, an honest update from the same version often passes, so the round trains on the
 * honest part instead of waiting for recomputation to ban the cheaters. Where the retry fails too the version
 * repeats. A round that passes costs two evaluations of the validation digits, one that fails one more per update (a
 * CNN's takes seconds, in the evaluation worker: server/training/mnist-worker.ts).
 */

/**
 * The fewest updates a retried round is applied from. At 60% cheaters on uneven shards (docs/training.md) retries
 * from one or two honest updates alone passed the check and took the model towards those shards' classes: 93.05%,
 * where waiting had given 95.65%; three or more span more classes.
 */
export const RETRY_FEWEST = 3;

export interface GatedRound<U, S> {
  /** The next state from some of the round's updates (the robust aggregate and the outer step). */
  readonly step: (updates: readonly U[]) => S;
  /** The validation loss of a state. */
  readonly loss: (state: S) => Promise<number> | number;
  readonly gateLoss: number;
}

/** What the check decided: the state to store, and how many of the round's updates it was made from (0: none). */
export interface GateVerdict<S> {
  readonly state: S | undefined;
  readonly applied: number;
}

/**
 * Whether a round may be applied: its next version raises the loss on the validation digits by at most `gateLoss`
 * nats (0: always). A NaN loss (parameters no longer finite) never passes.
 */
export const passesGate = (before: number, after: number, gateLoss: number) =>
  gateLoss === 0 || after <= before + gateLoss;

/**
 * The round's next state, checked: all its updates where that passes, else those that pass alone (RETRY_FEWEST or
 * more) where they pass together, else undefined (the version repeats). `before` is the current version's
 * validation loss.
 *
 * @example await gatedStep(updates, before, { step, loss, gateLoss: 0.1 })
 */
export async function gatedStep<U, S>(
  updates: readonly U[],
  before: number,
  { step, loss, gateLoss }: GatedRound<U, S>,
): Promise<GateVerdict<S>> {
  const all = step(updates);
  if (passesGate(before, await loss(all), gateLoss)) return { state: all, applied: updates.length };
  const alone: U[] = [];
  for (const update of updates) if (passesGate(before, await loss(step([update])), gateLoss)) alone.push(update);
  if (alone.length < RETRY_FEWEST || alone.length === updates.length) return { state: undefined, applied: 0 };
  const retried = step(alone);
  return passesGate(before, await loss(retried), gateLoss)
    ? { state: retried, applied: alone.length }
    : { state: undefined, applied: 0 };
}
