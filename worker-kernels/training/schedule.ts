/**
 * @module worker-kernels/training/schedule
 * The inner learning rate of a job's rounds. A constant rate leaves the model wandering: the CNN on 8,000 digits,
 * batch 4, lr 0.01, momentum 0.9, trained on one machine, read 96.4–97.3% held out between epochs 8 and 12; decayed
 * along a cosine to zero over the same 12 epochs it read 97.8% from epoch 5 on (docs/training.md, "The inner
 * learning rate"). The coordinator (server/training/model-ops.ts) sends round r's rate in its units, and the bench
 * (bench/training/sim.ts) trains with the same, so both run one schedule.
 */

export type LrSchedule = 'constant' | 'cosine';

/**
 * Round r's inner rate of a job of `rounds` rounds: `lr` throughout, or lr·½(1 + cos(π·r/rounds)), from lr at round 0
 * down towards 0 (never 0 itself: the last round's is lr·½(1 − cos(π/rounds))).
 *
 * @example innerLrAt({ lr: 0.01, schedule: 'cosine' }, 6, 12) // 0.005
 */
export function innerLrAt(
  { lr, schedule }: { readonly lr: number; readonly schedule: LrSchedule },
  round: number,
  rounds: number,
): number {
  if (schedule === 'constant' || rounds <= 1) return lr;
  const at = Math.min(Math.max(round, 0), rounds - 1);
  return lr * 0.5 * (1 + Math.cos((Math.PI * at) / rounds));
}
