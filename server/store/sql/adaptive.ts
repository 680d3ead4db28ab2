/**
 * @module server/store/sql/adaptive
 * The scheduler's half of adaptive replication (passes/trust.ts decides the policy): read a host's trust, and turn
 * a fresh unit into a single-replica unit when the coin says so.
 */
import type { WorkUnit } from '../types.ts';
import type { Queryable } from './db.ts';

/** Consecutive verified results of a host, per app. */
export async function trustOf(q: Queryable, hostId: number): Promise<Map<string, number>> {
  const rows = await q.all<{ app: string; consecutive_valid: number }>(
    'SELECT app, consecutive_valid FROM host_apps WHERE host_id = ?',
    [hostId],
  );
  return new Map(rows.map((r) => [r.app, r.consecutive_valid]));
}

/**
 * A unit may go out as a single replica only while it is replicated and untouched: no replica of it sent yet, so no
 * host can learn whether its copy is checked (BOINC hides replication for the same reason).
 */
export async function mayIssueSingle(q: Queryable, unit: WorkUnit, replicaId: number): Promise<boolean> {
  if (unit.single || unit.minQuorum <= 1 || unit.canonicalReplicaId !== null) return false;
  const touched = await q.get<{ n: number }>(
    "SELECT count(*) AS n FROM replicas WHERE work_unit_id = ? AND id <> ? AND server_state <> 'unsent'",
    [unit.id, replicaId],
  );
  return Number(touched?.n ?? 0) === 0;
}

/** Quorum 1 for this unit; its other unsent replicas are no longer needed. */
export async function issueSingle(q: Queryable, unitId: number, replicaId: number): Promise<void> {
  await q.run('UPDATE work_units SET min_quorum = 1, target_nresults = 1, single = 1 WHERE id = ?', [unitId]);
  await q.run(
    "UPDATE replicas SET server_state = 'over', outcome = 'didnt_need' WHERE work_unit_id = ? AND id <> ? AND server_state = 'unsent'",
    [unitId, replicaId],
  );
}
