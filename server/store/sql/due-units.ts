/**
 * @module server/store/sql/due-units
 * What a pass round loads: the units it took off its queue, each with its replicas. The transitioner never reads
 * results. The validator does, and results are up to a megabyte and more each (a custom app's output), so a round
 * loads as many units as RESULT_BYTES_PER_ROUND of results allows, at least one; the rest stay queued for the next
 * round (their locks end with the transaction).
 */
import type { UnitQueue } from '../store.ts';
import type { Queryable } from './db.ts';
import { anyOf, type Dialect } from './bulk.ts';
import type { ReplicaRow, WorkUnitRow } from './rows.ts';

const RESULT_BYTES_PER_ROUND = 32 << 20;

type SizedReplicaRow = ReplicaRow & { result_bytes: number | null };

/** A replica's columns but its result. */
const REPLICA_STATE = `id, work_unit_id, host_id, volunteer_id, server_state, outcome, validate_state, sent_at,
  deadline, received_at, variant, elapsed_ms, host_flops, error, granted_credit, unverified, validated_at, established,
  tail,
  (SELECT a.valid FROM host_apps a WHERE a.host_id = replicas.host_id AND a.app = replicas.app) AS host_valid`;

/** How many of `sizes`, from the first, fit in `budget` together; never fewer than one (when there is one). */
export function prefixWithin(budget: number, sizes: readonly number[]): number {
  let used = 0;
  let taken = 0;
  while (taken < sizes.length && (taken === 0 || used + sizes[taken]! <= budget)) used += sizes[taken++]!;
  return taken;
}

export async function loadDue(
  q: Queryable,
  dialect: Dialect,
  queue: UnitQueue,
  locked: readonly WorkUnitRow[],
  budget = RESULT_BYTES_PER_ROUND,
): Promise<{ units: readonly WorkUnitRow[]; replicas: Map<number, SizedReplicaRow[]> }> {
  const all = anyOf(
    dialect,
    'work_unit_id',
    locked.map((u) => u.id),
  );
  const states = await q.all<SizedReplicaRow>(
    `SELECT ${REPLICA_STATE}, NULL AS result, octet_length(result) AS result_bytes FROM replicas WHERE ${all.sql}`,
    all.params,
  );
  const replicas = byUnit(states);
  if (queue === 'transition') return { units: locked, replicas };

  const bytes = locked.map((u) => (replicas.get(u.id) ?? []).reduce((sum, r) => sum + Number(r.result_bytes ?? 0), 0));
  const units = locked.slice(0, prefixWithin(budget, bytes));
  const taken = anyOf(
    dialect,
    'work_unit_id',
    units.map((u) => u.id),
  );
  const results = new Map(
    (
      await q.all<{ id: number; result: string }>(
        `SELECT id, result FROM replicas WHERE ${taken.sql} AND result IS NOT NULL`,
        taken.params,
      )
    ).map((r) => [Number(r.id), r.result]),
  );
  for (const r of states) r.result = results.get(Number(r.id)) ?? null;
  return { units, replicas };
}

function byUnit(rows: SizedReplicaRow[]): Map<number, SizedReplicaRow[]> {
  const units = new Map<number, SizedReplicaRow[]>();
  for (const r of rows.sort((a, b) => a.id - b.id)) {
    const unitId = Number(r.work_unit_id);
    if (!units.has(unitId)) units.set(unitId, []);
    units.get(unitId)!.push(r);
  }
  return units;
}
