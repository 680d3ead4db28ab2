/**
 * @module protocol/collatz
 * Wire shapes of the collatz app, an exact integer search: over a range of starting numbers, the longest Collatz
 * trajectory (total stopping time: steps of n → n/2 and n → 3n+1 until 1), its smallest start, the sum of all
 * steps, and a digest of every trajectory. Integers only, so results are compared exactly.
 */
import { z } from 'zod';

export const CollatzInput = z
  .strictObject({
    /** First starting number. */
    start: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    /** How many consecutive starting numbers. */
    count: z
      .number()
      .int()
      .min(1)
      .max(1 << 26),
  })
  .refine((u) => u.count - 1 <= Number.MAX_SAFE_INTEGER - u.start, {
    message: 'start + count - 1 must not exceed 2^53 - 1',
    path: ['count'],
  });
export type CollatzInput = z.infer<typeof CollatzInput>;

export const CollatzOutput = z.strictObject({
  /** The most steps any start in the range takes. */
  maxSteps: z.number().int().min(0),
  /** The smallest start in the range that takes maxSteps. */
  argMax: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** Σ steps over the range (below 2^26 starts × ~3000 steps, so an exact JSON number). */
  totalSteps: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /**
   * Σ over the range's starts, mod 2^32, of each start's trajectory hash: a chain seeded by the start that mixes in,
   * in order, every odd value above 1 of its trajectory (the values 3n+1 is applied to), each as its low and high
   * 32-bit words (worker-kernels/collatz/trajectory.ts).
   *
   * Why it costs the work credited: the other fields do not. Stopping times can be had 16 steps of n → n/2 or
   * (3n+1)/2 at a time from a table of the 2^16 residues (n = q·2^16 + r goes to q·3^c(r) + d(r)), finished from a
   * table of the stopping times below 2^16, and steps(8j+5) = steps(8j+4): the record and the total then cost 35
   * times fewer operations than the steps credited (worker-kernels/collatz/shortcuts.test.ts). The digest mixes
   * each odd value through multiplications and shifts mod 2^32, which is linear over neither the integers nor GF(2),
   * and its chain starts from the start itself, so neither a residue table nor another start's memoized suffix
   * gives it: a host must produce every odd value (a multiply and an add at least) and mix it (two multiplies, two
   * shifts, four xors), at least 10 operations per odd step. A third of the steps are odd (three steps shrink n by 3/4
   * on average), so that is 3.3 operations a step, above the 3 credited (worker-kernels/collatz/flops.ts).
   */
  digest: z.number().int().min(0).max(0xffff_ffff),
});
export type CollatzOutput = z.infer<typeof CollatzOutput>;
