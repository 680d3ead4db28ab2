/**
 * @module worker-kernels/training/schedule
 * The inner learning rate of a job's rounds. A constant rate leaves the model wandering: the CNN on 8,000 digits,
 * batch 4, lr 0.01, momentum 0.9, trained on one machine, read 96.4–97.3% held out between epochs 8 and 12; decayed
 * along a cosine to zero over the same 12 epochs it read 97.8% from epoch 5 on (docs/training.md, "The inner
 * learning rate"). The coordinator (server/training/model-ops.ts) sends round r's rate in its units, and the bench
 * (bench/training/sim.ts) trains with the same, so both run one schedule.
 *
 * The schedule counts the rounds APPLIED, not the rounds run: a round the round check refuses (server/training/
 * gate.ts) leaves the model where it was, so the next round trains at the same rate, and the job runs until it has
 * applied its rounds, or has run `roundsCap` times as many (jobFinished). At 60% cheaters the refused rounds are the
 * early ones, before recomputation has banned enough of them; a schedule that went on regardless spent its high
 * rates on rounds that were thrown away (docs/training.md).
 */

export type LrSchedule = 'constant' | 'cosine';

/**
 * Whether a job is over: it has applied `rounds` rounds, or run `roundsCap`·rounds whatever it applied (so a job
 * that cheaters stall still ends).
 *
 * @example jobFinished({ applied: 12, run: 14 }, 12, 2) // true
 */
export const jobFinished = ({ applied, run }: { applied: number; run: number }, rounds: number, roundsCap: number) =>
  applied >= rounds || run >= Math.max(1, roundsCap) * rounds;

/**
 * The inner rate after r applied rounds of a job of `rounds` rounds: `lr` throughout, or a cosine from lr at round 0
 * down towards lr·floor, lr·(floor + (1 − floor)·½(1 + cos(π·r/rounds))) (never the floor itself: the last round's
 * is above it). A floor of 0 is the cosine to zero; 0.3 stops where the averaged run still learns
 * (docs/training.md, "A floor under the cosine").
 *
 * @example innerLrAt({ lr: 0.01, schedule: 'cosine' }, 6, 12) // 0.005
 * @example innerLrAt({ lr: 0.01, schedule: 'cosine', floor: 0.3 }, 6, 12) // 0.0065
 */
export function innerLrAt(
  { lr, schedule, floor = 0 }: { readonly lr: number; readonly schedule: LrSchedule; readonly floor?: number },
  round: number,
  rounds: number,
): number {
  if (schedule === 'constant' || rounds <= 1) return lr;
  const at = Math.min(Math.max(round, 0), rounds - 1);
  return lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos((Math.PI * at) / rounds)));
}
