/**
 * @module worker-kernels/collatz/flops
 * The work of a collatz unit in FLOP-equivalents for credit: integer operations, counted like floating-point ones.
 * In the heuristic model (Lagarias 1985) an odd step (×3, +1) comes with two halvings on average, so three steps
 * shrink n by a factor 3/4: a start near N takes about 3·ln N / ln(4/3) ≈ 10.4·ln N steps, odd and even together
 * (flops.test.ts holds this to measured counts from 10^3 to 10^15). A step is counted as 3 operations (test, shift
 * or multiply-add, count); the output costs more than that (protocol/collatz.ts says why).
 */
import type { CollatzInput } from '../../protocol/collatz.ts';

const STEPS_PER_LN = 3 / Math.log(4 / 3);
const OPS_PER_STEP = 3;

/** The mean of ln n over the starts: ln of the middle for a range narrower than its start, else the integral. */
function meanLn(start: number, count: number): number {
  if (count <= start) return Math.log(start + (count - 1) / 2);
  const end = start + count;
  const integral = (x: number) => x * Math.log(x) - x;
  return (integral(end) - integral(start)) / count;
}

/** Expected Σ of the total stopping times of the unit's starts. */
export function estimateCollatzSteps({ start, count }: CollatzInput): number {
  return count * STEPS_PER_LN * meanLn(start, count);
}

export function estimateCollatzFlops(input: CollatzInput): number {
  return OPS_PER_STEP * estimateCollatzSteps(input);
}
