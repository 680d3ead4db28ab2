/**
 * @module server/store/sql/batch-tail
 * Which of the transitioner's units are in their batch's tail (server/store/tail.ts). Asked only for the units with
 * a replica overdue for the tail and none yet, so a round without such a unit costs nothing: one grouped count over
 * the batches' units (their batch index) otherwise.
 */
import { inTail, overdue } from '../tail.ts';
import type { Replica, WorkUnit } from '../types.ts';
import { anyOf, type Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';

/** Sets `batchInTail` on each unit that may need a tail replica and whose batch is in its tail. */
export async function markTails(
  q: Queryable,
  dialect: Dialect,
  loaded: ReadonlyArray<{ row: { app: string }; unit: WorkUnit; replicas: readonly Replica[] }>,
  now: number,
): Promise<void> {
  const candidates = loaded.filter(
    ({ row, unit, replicas }) =>
      // A training round's units are replicated by the trainer's own draw (server/training/round.ts).
      row.app !== 'training' &&
      unit.state === 'active' &&
      !unit.single &&
      unit.canonicalReplicaId === null &&
      !replicas.some((r) => r.tail) &&
      overdue(replicas, now).length > 0,
  );
  if (candidates.length === 0) return;
  const batches = anyOf(dialect, 'batch_id', [...new Set(candidates.map(({ unit }) => unit.batchId))]);
  const rows = await q.all<{ batch_id: number; total: number; open: number }>(
    `SELECT batch_id, count(*) AS total,
        sum(CASE WHEN state = 'active' AND canonical_replica_id IS NULL THEN 1 ELSE 0 END) AS open
      FROM work_units WHERE ${batches.sql} GROUP BY batch_id`,
    batches.params,
  );
  const tails = new Set(rows.filter((r) => inTail(Number(r.total), Number(r.open))).map((r) => Number(r.batch_id)));
  for (const { unit } of candidates) if (tails.has(unit.batchId)) unit.batchInTail = true;
}
