/**
 * @module server/passes/validate
 * The validator's decision for one unit: first each new result's sanity check (its app's, on that result alone), so
 * an insane result is invalid on its own and never takes part in a quorum; then, with a canonical result, late
 * results are checked against it; without one, the quorum check runs over the sane results. Valid results are
 * granted the unit's credit, fixed by its FLOP estimate (a researcher's app's bounded by what its results were
 * measured to cost, normalised per app version: server/credit/); invalid ones get nothing; an inconclusive set raises
 * target_nresults so one more replica goes out. Where the coordinator has established hosts, a quorum must include one
 * (server/store/trust.ts): hosts without a track record agreeing among themselves are an inconclusive set.
 */
import { checkSanity, compareOutputs } from '../../worker-kernels/registry.ts';
import { creditedFlops } from '../credit/bounded-claim.ts';
import { creditForFlops } from '../credit/cobblestones.ts';
import { appKeyOf, unitSamples } from '../credit/app-version.ts';
import type { Replica, UnitChanges, UnitWithReplicas, WorkUnit } from '../store/types.ts';
import { checkSet } from './quorum.ts';
import { backToReplication } from './transition.ts';

export function decideValidation({ unit, replicas }: UnitWithReplicas, now: number): UnitChanges {
  if (unit.state !== 'active') return {};
  // Its host was caught after it was sent: the result waits, unjudged, for the replicas the unit was made with.
  if (unit.single && unit.singleHostCaught) return { unit: backToReplication(unit) };
  // A researcher's app is credited at most what its valid results were measured to cost (server/credit/).
  const credit = (agreeing: Replica[]) =>
    creditForFlops(creditedFlops(unit.job.app, unit.flopsEstimate, agreeing, unit.creditShare));
  const valid = (granted: number) => (r: Replica) => ({
    id: r.id,
    validateState: 'valid' as const,
    grantedCredit: granted,
    validatedAt: now,
    unverified: unit.single,
  });
  const compare = (a: Replica, b: Replica) => compareOutputs(unit.job, a.result!, b.result!);
  const reported = replicas.filter(
    (r) => r.outcome === 'success' && r.result !== null && r.validateState !== 'invalid',
  );
  const insane = reported.filter((r) => r.validateState === 'init' && checkSanity(unit.job, r.result!) !== undefined);
  const pending = reported.filter((r) => !insane.includes(r));

  const canonical = replicas.find((r) => r.id === unit.canonicalReplicaId);
  if (canonical) {
    const late = pending.filter((r) => r.validateState === 'init');
    const matches = late.filter((r) => compare(canonical, r) === 'match');
    const mismatches = [...insane, ...late.filter((r) => !matches.includes(r))];
    return {
      // Every valid result of a unit is credited alike: a late one (overtaken by a tail replica, say) as the quorum.
      replicas: [...matches.map(valid(canonical.grantedCredit)), ...mismatches.map(invalid)],
      trust: trustEvents(unit.single, matches, mismatches),
    };
  }

  // Where the coordinator has established hosts, agreement among hosts that are not is no quorum: the set stays
  // inconclusive and one more replica goes out, which the scheduler keeps for an established host.
  const decision = checkSet(pending, unit.minQuorum, compare, (agreeing) =>
    unit.quorumNeedsEstablished ? agreeing.some((r) => r.established === true) : true,
  );
  switch (decision.kind) {
    case 'too-few':
      return insane.length === 0 ? {} : { replicas: insane.map(invalid), trust: trustEvents(unit.single, [], insane) };
    case 'inconclusive':
      return {
        unit: { targetNresults: Math.min(unit.targetNresults + 1, unit.maxTotalResults) },
        replicas: [
          ...pending.map((r) => ({ id: r.id, validateState: 'inconclusive' as const })),
          ...insane.map(invalid),
        ],
        trust: trustEvents(unit.single, [], insane),
      };
    case 'canonical': {
      const rejected = [...decision.invalid, ...insane];
      return {
        unit: { canonicalReplicaId: decision.canonical.id },
        replicas: [...decision.valid.map(valid(credit(decision.valid))), ...rejected.map(invalid)],
        trust: trustEvents(unit.single, decision.valid, rejected),
        ...flopSamples(unit, decision.valid),
      };
    }
  }
}

/** A researcher's app's unit, decided: its quorum's samples for its versions' averages (server/credit/). */
function flopSamples({ job, flopsEstimate }: WorkUnit, agreeing: Replica[]): Pick<UnitChanges, 'flopSamples'> {
  if (job.app !== 'custom') return {};
  const appKey = appKeyOf(job.input.name, job.input.version);
  const samples = [...unitSamples(flopsEstimate, agreeing)].map(([variant, share]) => ({ appKey, variant, share }));
  return samples.length > 0 ? { flopSamples: samples } : {};
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
