/**
 * @module server/store/sqlite/unit-changes
 * Applies what a pass decided for one unit, inside the caller's transaction, and moves the unit between queues:
 * the pass's own flag is cleared, the transitioner is woken after validation, and the unit's next transition time
 * becomes its earliest outstanding deadline.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { UnitQueue } from '../store.ts';
import type { UnitChanges, WorkUnit } from '../types.ts';

const unitColumns = {
  state: 'state',
  canonicalReplicaId: 'canonical_replica_id',
  failure: 'failure',
  targetNresults: 'target_nresults',
} as const;

const replicaColumns = {
  serverState: 'server_state',
  outcome: 'outcome',
  validateState: 'validate_state',
  grantedCredit: 'granted_credit',
} as const;

function update(db: DatabaseSync, table: string, columns: Record<string, string>, id: number, patch: object): void {
  const entries = Object.entries(patch).filter(([k, v]) => k in columns && v !== undefined);
  if (entries.length === 0) return;
  const sets = entries.map(([k]) => `${columns[k]} = ?`).join(', ');
  db.prepare(`UPDATE ${table} SET ${sets} WHERE id = ?`).run(...entries.map(([, v]) => v as SQLInputValue), id);
}

export function applyUnitChanges(db: DatabaseSync, unit: WorkUnit, queue: UnitQueue, changes: UnitChanges, now: number) {
  if (changes.unit) update(db, 'work_units', unitColumns, unit.id, changes.unit);
  for (const { id, ...patch } of changes.replicas ?? []) update(db, 'replicas', replicaColumns, id, patch);
  const insert = db.prepare('INSERT INTO replicas (work_unit_id, app) VALUES (?, ?)');
  for (let i = 0; i < (changes.newReplicas ?? 0); i++) insert.run(unit.id, unit.job.app);

  if (changes.needValidate) db.prepare('UPDATE work_units SET need_validate = 1 WHERE id = ?').run(unit.id);
  else if (queue === 'validate') db.prepare('UPDATE work_units SET need_validate = 0 WHERE id = ?').run(unit.id);

  // After validation the transitioner must look again (reissue, finish); otherwise wait for the next deadline.
  const next =
    queue === 'validate'
      ? now
      : (db
          .prepare("SELECT min(deadline) AS at FROM replicas WHERE work_unit_id = ? AND server_state = 'in_progress'")
          .get(unit.id) as { at: number | null }).at;
  db.prepare('UPDATE work_units SET transition_at = ? WHERE id = ?').run(next, unit.id);
}
