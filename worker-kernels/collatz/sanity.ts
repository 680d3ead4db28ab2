/**
 * @module worker-kernels/collatz/sanity
 * What one collatz result must satisfy before it is compared with any other. The record's start lies in the range
 * and really takes maxSteps steps (one trajectory, recomputed here: a few thousand operations). Each step at best
 * halves n, so a start n takes at least ⌈log2 n⌉ steps: the record is at least that of the range's last start, and
 * the total at least the record plus ⌈log2 start⌉ for every other start, and at most count × the record. No upper
 * bound is put on the record itself: a trajectory longer than any known is what the search is for.
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import { collatzSteps } from './trajectory.ts';

/** ⌈log2 n⌉ for an integer n ≥ 1, exactly (Math.log2 may round a power of two's neighbour the wrong way). */
function ceilLog2(n: number): number {
  let bits = 0;
  while (2 ** bits < n) bits++;
  return bits;
}

export function checkCollatz({ start, count }: CollatzInput, out: CollatzOutput): string | undefined {
  const last = start + count - 1;
  if (out.argMax < start || out.argMax > last) return `argMax ${out.argMax} is outside the range [${start}, ${last}]`;
  const steps = collatzSteps(out.argMax);
  if (steps !== out.maxSteps) return `argMax ${out.argMax} takes ${steps} steps, not maxSteps ${out.maxSteps}`;
  if (out.maxSteps < ceilLog2(last)) return `maxSteps ${out.maxSteps} is below ⌈log2 ${last}⌉, what ${last} takes`;
  const least = out.maxSteps + (count - 1) * ceilLog2(start);
  if (out.totalSteps < least) return `totalSteps ${out.totalSteps} is below ${least}, the least the range takes`;
  if (out.totalSteps > count * out.maxSteps) return `totalSteps ${out.totalSteps} exceeds count × maxSteps`;
  return undefined;
}
