/**
 * @module worker-kernels/collatz/compare
 * The validator's comparator for collatz results: integers, so exact equality of every field (BOINC's bitwise
 * comparison is sound exactly where there is no floating point).
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { Comparison } from '../kernel.ts';

export function compareCollatz(_input: CollatzInput, a: CollatzOutput, b: CollatzOutput): Comparison {
  const same =
    a.maxSteps === b.maxSteps && a.argMax === b.argMax && a.totalSteps === b.totalSteps && a.digest === b.digest;
  return same ? 'match' : 'mismatch';
}
