/**
 * @module server/passes/validate
 * The validator's decision for one unit: with a canonical result, check late results against it; without one, run
 * the quorum check over the successful results. Valid results are granted the unit's credit, fixed by its FLOP
 * estimate; invalid ones get nothing; an inconclusive set raises target_nresults so one more replica goes out.
 */
import { compareOutputs } from '../../worker-kernels/registry.ts';
import { creditForFlops } from '../credit/cobblestones.ts';
import type { Replica, UnitChanges, UnitWithReplicas } from '../store/types.ts';
import { checkSet } from './quorum.ts';

export function decideValidation({ unit, replicas }: UnitWithReplicas, now: number): UnitChanges {
  if (unit.state !== 'active') return {};
  const credit = creditForFlops(unit.flopsEstimate);
  const valid = (r: Replica) => ({
    id: r.id,
    validateState: 'valid' as const,
    grantedCredit: credit,
    validatedAt: now,
    unverified: unit.single,
  });
  const compare = (a: Replica, b: Replica) => compareOutputs(unit.job, a.result!, b.result!);
  const pending = replicas.filter((r) => r.outcome === 'success' && r.result !== null && r.validateState !== 'invalid');

  const canonical = replicas.find((r) => r.id === unit.canonicalReplicaId);
  if (canonical) {
    const late = pending.filter((r) => r.validateState === 'init');
    const matches = late.filter((r) => compare(canonical, r) === 'match');
    const mismatches = late.filter((r) => !matches.includes(r));
    return {
      replicas: [...matches.map(valid), ...mismatches.map(invalid)],
      trust: trustEvents(unit.single, matches, mismatches),
    };
  }

  const decision = checkSet(pending, unit.minQuorum, compare);
  switch (decision.kind) {
    case 'too-few':
      return {};
    case 'inconclusive':
      return {
        unit: { targetNresults: Math.min(unit.targetNresults + 1, unit.maxTotalResults) },
        replicas: pending.map((r) => ({ id: r.id, validateState: 'inconclusive' as const })),
      };
    case 'canonical':
      return {
        unit: { canonicalReplicaId: decision.canonical.id },
        replicas: [...decision.valid.map(valid), ...decision.invalid.map(invalid)],
        trust: trustEvents(unit.single, decision.valid, decision.invalid),
      };
  }
}

const invalid = (r: Replica) => ({ id: r.id, validateState: 'invalid' as const, grantedCredit: 0 });

/** Only a result checked against another host's verifies its host; a single replica's result earns no trust. */
function trustEvents(single: boolean, valid: Replica[], invalid: Replica[]): UnitChanges['trust'] {
  return [
    ...valid.map((r) => ({
      hostId: r.hostId!,
      event: single ? ('single-valid' as const) : ('verified-valid' as const),
    })),
    ...invalid.map((r) => ({ hostId: r.hostId!, event: 'invalid' as const })),
  ];
}
