/**
 * @module worker-kernels/collatz/compare
 * The validator's comparator for collatz results: integers, so exact equality (BOINC's bitwise comparison is sound
 * exactly where there is no floating point).
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { Comparison } from '../kernel.ts';

export function compareCollatz(input: CollatzInput, a: CollatzOutput, b: CollatzOutput): Comparison {
  const inRange = (r: CollatzOutput) => r.argMax >= input.start && r.argMax < input.start + input.count;
  const same = a.maxSteps === b.maxSteps && a.argMax === b.argMax && a.totalSteps === b.totalSteps;
  return same && inRange(a) ? 'match' : 'mismatch';
}
