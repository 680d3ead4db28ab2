/**
 * @module server/passes/transition
 * The transitioner's decision for one unit (BOINC's transitioner, as a pure function): time out replicas past
 * their deadline, keep enough replicas out to reach target_nresults, fail a unit past its error or total limits,
 * ask for validation when results wait, and close a unit once it has a canonical result; near a batch's end, give
 * a unit whose replica is overdue one tail replica for a reliable host (server/passes/tail-reissue.ts).
 */
import type { UnitChanges, UnitWithReplicas, WorkUnit } from '../store/types.ts';
import { decideTail } from './tail-reissue.ts';

/**
 * A unit sent as a single replica goes back to the quorum and replicas it was made with: its single result cannot
 * stand alone (its host was caught), or its replica failed, and a replacement must not go out alone to whoever asks.
 */
export function backToReplication(unit: WorkUnit): NonNullable<UnitChanges['unit']> {
  return { single: false, minQuorum: unit.requestedQuorum, targetNresults: unit.requestedTarget };
}

/** What a failure of a host without a track record (server/store/trust.ts TRACK_RECORD) weighs against a unit. */
export const UNTRACKED_WEIGHT = 1 / 8;

export function decideTransition(s: UnitWithReplicas, now: number): UnitChanges {
  const { replicas } = s;
  let { unit } = s;
  if (unit.state !== 'active') return {};
  const changes: Required<Pick<UnitChanges, 'replicas'>> & UnitChanges = { replicas: [] };
  const timedOut = new Set(
    replicas
      .filter((r) => r.serverState === 'in_progress' && r.deadline !== null && r.deadline <= now)
      .map((r) => r.id),
  );
  for (const id of timedOut) changes.replicas.push({ id, serverState: 'over', outcome: 'no_reply' });
  // A timeout resets the host's trust, as BOINC does.
  changes.trust = replicas
    .filter((r) => timedOut.has(r.id) && r.hostId !== null)
    .map((r) => ({ hostId: r.hostId!, event: 'error' as const }));
  const state = (r: (typeof replicas)[number]) => (timedOut.has(r.id) ? 'timed-out' : r.serverState);

  const unsent = replicas.filter((r) => state(r) === 'unsent');
  const inProgress = replicas.filter((r) => state(r) === 'in_progress');
  const successes = replicas.filter((r) => r.outcome === 'success');
  const failed = (r: (typeof replicas)[number]) =>
    timedOut.has(r.id) || r.outcome === 'client_error' || r.outcome === 'no_reply';
  // Failures of hosts without a track record weigh an eighth: a sybil crowd cannot cheaply fail units with errors,
  // yet a unit that fails everywhere (a broken input) still fails on a coordinator of new hosts only.
  const untracked = (r: (typeof replicas)[number]) => failed(r) && r.hostTracked === false;
  const discount = Math.ceil(replicas.filter(untracked).length * (1 - UNTRACKED_WEIGHT));
  const errorCount = replicas.filter(failed).length - discount;
  if (unit.single && replicas.some(failed) && unit.canonicalReplicaId === null) {
    unit = { ...unit, ...backToReplication(unit) };
    changes.unit = backToReplication(unit);
  }

  if (unit.canonicalReplicaId !== null) {
    // Decided: what is still unsent is not needed; the unit is done once nothing is out.
    for (const r of unsent) changes.replicas.push({ id: r.id, serverState: 'over', outcome: 'didnt_need' });
    if (successes.some((r) => r.validateState === 'init')) changes.needValidate = true;
    if (inProgress.length === 0) changes.unit = { state: 'done' };
    return changes;
  }
  if (errorCount > unit.maxErrorResults) {
    return fail(
      changes,
      unsent,
      `too many errors: ${errorCount} replicas failed or timed out (limit ${unit.maxErrorResults}; ` +
        'hosts without a track record count an eighth)',
    );
  }
  // An unsent tail replica waits for a reliable host, who may never ask: it does not stand in for a replica the
  // quorum needs, so a timed-out replica is still replaced for anyone.
  const live =
    successes.filter((r) => r.validateState !== 'invalid').length +
    inProgress.length +
    unsent.filter((r) => !r.tail).length;
  const missing = Math.max(0, unit.targetNresults - live);
  const counted = replicas.length - discount;
  const room = unit.maxTotalResults - counted;
  if (missing > room && inProgress.length + unsent.length === 0 && !successes.some((r) => r.validateState === 'init')) {
    return fail(
      changes,
      unsent,
      `too many total results: ${counted} issued without a quorum (limit ${unit.maxTotalResults})`,
    );
  }
  changes.newReplicas = Math.min(missing, Math.max(0, room));
  // The first replica's siblings wait until sibling_at (server/store/sql/scheduler.ts), then go to whoever asks
  // after. A unit left with no replica out or standing gets one, and its next first replica starts a new wait, so
  // that two replicas never enter the queue together.
  if (unit.siblingAt !== undefined && unit.siblingAt !== null) {
    if (now < unit.siblingAt) changes.newReplicas = 0;
    else if (live === 0 && changes.newReplicas > 1) {
      changes.newReplicas = 1;
      changes.unit = { ...changes.unit, siblingAt: null };
    }
  }
  Object.assign(
    changes,
    decideTail({ unit, replicas, inProgress, unsent, newReplicas: changes.newReplicas, room, now }),
  );
  const candidates = successes.filter((r) => r.validateState !== 'invalid');
  if (candidates.some((r) => r.validateState === 'init') && candidates.length >= unit.minQuorum) {
    changes.needValidate = true;
  }
  return changes;
}

function fail(
  changes: UnitChanges & { replicas: NonNullable<UnitChanges['replicas']> },
  unsent: { id: number }[],
  why: string,
) {
  for (const r of unsent) changes.replicas.push({ id: r.id, serverState: 'over', outcome: 'didnt_need' });
  changes.unit = { ...changes.unit, state: 'failed', failure: why };
  return changes;
}

/**
 * A validation that changed something, followed at once by the transition it calls for (close the unit, reissue
 * after an inconclusive set, ask again for late results), decided on the unit as the validation leaves it: what the
 * transitioner would decide in its next round, written with the validation as one change of the unit.
 */
export function thenTransition(s: UnitWithReplicas, first: UnitChanges, now: number): UnitChanges {
  if (!first.unit && !first.replicas?.length) return first;
  const patches = new Map((first.replicas ?? []).map((p) => [p.id, p]));
  const after = {
    unit: { ...s.unit, ...first.unit },
    replicas: s.replicas.map((r) => ({ ...r, ...patches.get(r.id) })),
  };
  const second = decideTransition(after, now);
  for (const p of second.replicas ?? []) patches.set(p.id, { ...patches.get(p.id), ...p });
  return {
    ...second,
    unit: { ...first.unit, ...second.unit },
    replicas: [...patches.values()],
    trust: [...(first.trust ?? []), ...(second.trust ?? [])],
    ...(first.flopSamples && { flopSamples: first.flopSamples }),
    transitioned: true,
  };
}
