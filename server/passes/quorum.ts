/**
 * @module server/passes/quorum
 * BOINC's check_set as a pure function: given a unit's successful results and a comparator, find a result that
 * agrees with at least ⌊min_quorum/2⌋+1 results (itself included). That one is canonical; the results that match it
 * are valid, the rest invalid. With no such result the set is inconclusive and more replicas must go out. An
 * `admissible` test, where given, must also hold for the agreeing results (a quorum of hosts without a track record
 * is not one: server/store/trust.ts); a set that agrees but fails it is inconclusive too.
 */
import type { Comparison } from '../../worker-kernels/kernel.ts';

export type QuorumDecision<R> =
  | { kind: 'canonical'; canonical: R; valid: R[]; invalid: R[] }
  | { kind: 'inconclusive' }
  | { kind: 'too-few' };

export function checkSet<R>(
  results: R[],
  minQuorum: number,
  compare: (a: R, b: R) => Comparison,
  admissible: (agreeing: R[]) => boolean = () => true,
): QuorumDecision<R> {
  if (results.length < minQuorum) return { kind: 'too-few' };
  const needed = Math.floor(minQuorum / 2) + 1;
  for (const candidate of results) {
    const agreeing = results.filter((other) => other === candidate || compare(candidate, other) === 'match');
    if (agreeing.length >= needed && admissible(agreeing)) {
      return {
        kind: 'canonical',
        canonical: candidate,
        valid: agreeing,
        invalid: results.filter((r) => !agreeing.includes(r)),
      };
    }
  }
  return { kind: 'inconclusive' };
}
