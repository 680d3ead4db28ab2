/**
 * @module server/chain/sql-batch-progress
 * The BatchProgress the coordinator wires into the market settler, read from the store's tables: a batch's settled
 * credit (valid results whose credit is no longer in unsettled_credit: what a requester pays for) and whether it
 * is finished (no unit active, no valid credit left to settle).
 */
import type { Queryable } from '../store/sql/db.ts';
import type { BatchProgress } from './market-settler.ts';

export function sqlBatchProgress(db: Queryable): BatchProgress {
  return async (ids) => {
    const rows = await db.all<{ id: number; credit: number | null; active: number | null; unsettled: number | null }>(
      `SELECT w.batch_id AS id,
         SUM(CASE WHEN r.validate_state = 'valid' AND s.replica_id IS NULL THEN r.granted_credit ELSE 0 END) AS credit,
         SUM(CASE WHEN w.state = 'active' THEN 1 ELSE 0 END) AS active,
         SUM(CASE WHEN r.validate_state = 'valid' AND s.replica_id IS NOT NULL THEN 1 ELSE 0 END) AS unsettled
       FROM work_units w LEFT JOIN replicas r ON r.work_unit_id = w.id
         LEFT JOIN unsettled_credit s ON s.replica_id = r.id
       WHERE w.batch_id IN (${ids.map(() => '?').join(', ')})
       GROUP BY w.batch_id`,
      ids,
    );
    return new Map(
      rows.map((r) => [
        Number(r.id),
        { credit: Number(r.credit ?? 0), finished: Number(r.active ?? 0) === 0 && Number(r.unsettled ?? 0) === 0 },
      ]),
    );
  };
}
