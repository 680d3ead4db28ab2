/**
 * @module server/store/sql/unit-changes
 * Applies what a pass decided for one unit, inside the caller's transaction, and moves the unit between queues:
 * the pass's own flag is cleared, the transitioner is woken after validation, and the unit's next transition time
 * becomes its earliest outstanding deadline.
 */
import type { UnitQueue } from '../store.ts';
import type { TrustEvent } from '../../passes/trust.ts';
import type { UnitChanges, WorkUnit } from '../types.ts';
import type { Param, Queryable } from './db.ts';

const unitColumns: Record<string, string> = {
  state: 'state',
  canonicalReplicaId: 'canonical_replica_id',
  failure: 'failure',
  targetNresults: 'target_nresults',
};

const replicaColumns: Record<string, string> = {
  serverState: 'server_state',
  outcome: 'outcome',
  validateState: 'validate_state',
  grantedCredit: 'granted_credit',
  unverified: 'unverified',
  validatedAt: 'validated_at',
};

/** Per event: the row a first event inserts (consecutive_valid, valid, invalid, errors, revoke_pending), and the update. */
const trustUpdates: Record<TrustEvent, [string, string]> = {
  'verified-valid': ['1, 1, 0, 0, 0', 'consecutive_valid = host_apps.consecutive_valid + 1, valid = host_apps.valid + 1'],
  'single-valid': ['0, 1, 0, 0, 0', 'valid = host_apps.valid + 1'],
  invalid: ['0, 0, 1, 0, 1', 'consecutive_valid = 0, invalid = host_apps.invalid + 1, revoke_pending = 1'],
  error: ['0, 0, 0, 1, 0', 'consecutive_valid = 0, errors = host_apps.errors + 1'],
};

/** Records what a decided result says about its host (see passes/trust.ts), in one upsert. */
export async function recordTrust(q: Queryable, hostId: number, app: string, event: TrustEvent) {
  const [first, update] = trustUpdates[event];
  await q.run(
    `INSERT INTO host_apps (host_id, app, consecutive_valid, valid, invalid, errors, revoke_pending)
      VALUES (?, ?, ${first}) ON CONFLICT (host_id, app) DO UPDATE SET ${update}`,
    [hostId, app],
  );
}

async function update(q: Queryable, table: string, columns: Record<string, string>, id: number, patch: object) {
  const entries = Object.entries(patch)
    .filter(([k, v]) => k in columns && v !== undefined)
    .map(([k, v]) => [k, typeof v === 'boolean' ? Number(v) : v] as const);
  if (entries.length === 0) return;
  const sets = entries.map(([k]) => `${columns[k]} = ?`).join(', ');
  await q.run(`UPDATE ${table} SET ${sets} WHERE id = ?`, [...entries.map(([, v]) => v as Param), id]);
}

export async function applyUnitChanges(q: Queryable, unit: WorkUnit, queue: UnitQueue, changes: UnitChanges, now: number) {
  if (changes.unit) await update(q, 'work_units', unitColumns, unit.id, changes.unit);
  if (changes.unit?.state === 'done' || changes.unit?.state === 'failed') {
    await q.run('UPDATE work_units SET done_at = ? WHERE id = ?', [now, unit.id]);
  }
  for (const { id, ...patch } of changes.replicas ?? []) await update(q, 'replicas', replicaColumns, id, patch);
  for (const { hostId, event } of changes.trust ?? []) await recordTrust(q, hostId, unit.job.app, event);
  for (let i = 0; i < (changes.newReplicas ?? 0); i++) {
    await q.run('INSERT INTO replicas (work_unit_id, app) VALUES (?, ?)', [unit.id, unit.job.app]);
  }

  if (changes.needValidate) await q.run('UPDATE work_units SET need_validate = 1 WHERE id = ?', [unit.id]);
  else if (queue === 'validate') await q.run('UPDATE work_units SET need_validate = 0 WHERE id = ?', [unit.id]);

  // After a validation that changed something the transitioner must look again (reissue, finish); a validation that
  // found too few results leaves the unit's schedule alone; a transition waits for the next deadline.
  if (queue === 'validate' && isEmpty(changes)) return;
  const next =
    queue === 'validate'
      ? now
      : ((await q.get<{ at: number | null }>(
          "SELECT min(deadline) AS at FROM replicas WHERE work_unit_id = ? AND server_state = 'in_progress'",
          [unit.id],
        ))?.at ?? null);
  await q.run('UPDATE work_units SET transition_at = ? WHERE id = ?', [next, unit.id]);
}

function isEmpty(changes: UnitChanges): boolean {
  return !changes.unit && !changes.replicas?.length && !changes.newReplicas && !changes.trust?.length;
}
