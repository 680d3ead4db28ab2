/**
 * @module protocol/collatz
 * Wire shapes of the collatz app, an exact integer search: over a range of starting numbers, the longest Collatz
 * trajectory (total stopping time: steps of n → n/2 and n → 3n+1 until 1), its smallest start, and the sum of all
 * steps as a checksum of the whole range. Integers only, so results are compared exactly.
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
});
export type CollatzOutput = z.infer<typeof CollatzOutput>;
