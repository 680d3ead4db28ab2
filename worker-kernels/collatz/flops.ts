/**
 * @module worker-kernels/collatz/flops
 * The work of a collatz unit in FLOP-equivalents for credit: integer operations, counted like floating-point ones.
 * A start near N takes about 10.4·ln N steps on average (the total stopping time grows as (2/ln(4/3))·ln N in the
 * heuristic model), and a step is about 3 operations (test, shift or multiply-add, count).
 */
import type { CollatzInput } from '../../protocol/collatz.ts';

const STEPS_PER_LN = 2 / Math.log(4 / 3);
const OPS_PER_STEP = 3;

export function estimateCollatzFlops({ start, count }: CollatzInput): number {
  return count * OPS_PER_STEP * STEPS_PER_LN * Math.log(start + count / 2 + 1);
}
