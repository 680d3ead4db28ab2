/**
 * @module server/store/sql/batch-errors
 * A batch's errors by reason (what the dashboard lists: failed units by their failure, and replicas that errored,
 * never replied or disagreed with the quorum, by why), kept as units and replicas change, not grouped over the
 * batch's units and replicas on each read and each tick of the live stream (issue 18, item 1; migration 27).
 *
 * As for the unit counts (batch-counts.ts): triggers append a row to `error_deltas` when a unit enters or leaves
 * `failed` (or its failure changes while failed), and when a replica starts or stops counting as an error or its
 * reason changes; the status-counter pass folds them into one row per batch, kind and reason in `batch_errors`; a read
 * adds the deltas not yet folded, so the groups equal research-progress.ts's errorGroups (the recount) at any moment.
 * A reason the row has none of (a client error with no message) is kept as 'unknown', as the recount shows it.
 */
import type { ErrorGroup } from '../../../protocol/research.ts';
import type { Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';
import { plpgsql } from './status-counts.ts';

const COLUMNS = 'batch_id, kind, reason, n';

/** A replica row's error as 0 or 1, and its reason: the recount's (research-progress.ts errorGroups). */
const replicaErrs = (row: string) =>
  `CASE WHEN ${row}.outcome IN ('client_error', 'no_reply') OR ${row}.validate_state = 'invalid' THEN 1 ELSE 0 END`;
const replicaReason = (row: string) => `coalesce(CASE WHEN ${row}.outcome = 'no_reply'
    THEN 'no reply before the deadline' WHEN ${row}.validate_state = 'invalid' THEN 'result disagreed with the quorum'
    ELSE ${row}.error END, 'unknown')`;
const unitFails = (row: string) => `CASE WHEN ${row}.state = 'failed' THEN 1 ELSE 0 END`;
const unitReason = (row: string) => `coalesce(${row}.failure, 'unknown')`;

/** A delta of `sign` for the replica `row` (NEW or OLD), its batch read from its unit by primary key, if an error. */
const replicaDelta = (row: string, sign: 1 | -1) => `INSERT INTO error_deltas (${COLUMNS})
  SELECT u.batch_id, 'replica', ${replicaReason(row)}, ${sign} FROM work_units u
  WHERE u.id = ${row}.work_unit_id AND ${replicaErrs(row)} = 1`;
const unitDelta = (row: string, sign: 1 | -1) => `INSERT INTO error_deltas (${COLUMNS})
  SELECT ${row}.batch_id, 'unit', ${unitReason(row)}, ${sign} WHERE ${unitFails(row)} = 1`;

const REPLICA_CHANGED = `${replicaErrs('OLD')} <> ${replicaErrs('NEW')}
  OR (${replicaErrs('NEW')} = 1 AND ${replicaReason('OLD')} <> ${replicaReason('NEW')})`;
const UNIT_CHANGED = `${unitFails('OLD')} <> ${unitFails('NEW')}
  OR (${unitFails('NEW')} = 1 AND ${unitReason('OLD')} <> ${unitReason('NEW')})`;
const REPLICA_WATCHED = 'outcome, validate_state, error';
const UNIT_WATCHED = 'state, failure';

/** Each batch's errors already there, as deltas the first fold takes in: a full read of both tables, once. */
export const batchErrorSeeds = [
  `INSERT INTO error_deltas (${COLUMNS}) SELECT u.batch_id, 'unit', ${unitReason('u')}, count(*) FROM work_units u
    WHERE u.state = 'failed' GROUP BY 1, 2, 3`,
  `INSERT INTO error_deltas (${COLUMNS}) SELECT u.batch_id, 'replica', ${replicaReason('r')}, count(*)
    FROM replicas r JOIN work_units u ON u.id = r.work_unit_id WHERE ${replicaErrs('r')} = 1 GROUP BY 1, 2, 3`,
];

/** Migration 27's statements for the errors, one by one (trigger bodies hold semicolons). */
export function batchErrorsMigration(dialect: Dialect, id: string): string[] {
  const tables = [
    `CREATE TABLE error_deltas (id ${id}, batch_id BIGINT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL,
      n BIGINT NOT NULL)`,
    `CREATE TABLE batch_errors (batch_id BIGINT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL,
      n BIGINT NOT NULL, PRIMARY KEY (batch_id, kind, reason))`,
    ...batchErrorSeeds,
  ];
  if (dialect === 'postgres') {
    return [
      ...tables,
      plpgsql('errors_replica_inserted', replicaDelta('NEW', 1)),
      plpgsql('errors_replica_changed', `${replicaDelta('OLD', -1)}; ${replicaDelta('NEW', 1)}`),
      plpgsql('errors_replica_deleted', replicaDelta('OLD', -1)),
      plpgsql('errors_unit_inserted', unitDelta('NEW', 1)),
      plpgsql('errors_unit_changed', `${unitDelta('OLD', -1)}; ${unitDelta('NEW', 1)}`),
      `CREATE TRIGGER errors_replica_inserted AFTER INSERT ON replicas FOR EACH ROW
        WHEN (${replicaErrs('NEW')} = 1) EXECUTE FUNCTION errors_replica_inserted()`,
      `CREATE TRIGGER errors_replica_changed AFTER UPDATE OF ${REPLICA_WATCHED} ON replicas FOR EACH ROW
        WHEN (${REPLICA_CHANGED}) EXECUTE FUNCTION errors_replica_changed()`,
      `CREATE TRIGGER errors_replica_deleted AFTER DELETE ON replicas FOR EACH ROW
        WHEN (${replicaErrs('OLD')} = 1) EXECUTE FUNCTION errors_replica_deleted()`,
      `CREATE TRIGGER errors_unit_inserted AFTER INSERT ON work_units FOR EACH ROW
        WHEN (${unitFails('NEW')} = 1) EXECUTE FUNCTION errors_unit_inserted()`,
      `CREATE TRIGGER errors_unit_changed AFTER UPDATE OF ${UNIT_WATCHED} ON work_units FOR EACH ROW
        WHEN (${UNIT_CHANGED}) EXECUTE FUNCTION errors_unit_changed()`,
    ];
  }
  return [
    ...tables,
    `CREATE TRIGGER errors_replica_inserted AFTER INSERT ON replicas WHEN ${replicaErrs('NEW')} = 1
      BEGIN ${replicaDelta('NEW', 1)}; END`,
    `CREATE TRIGGER errors_replica_changed AFTER UPDATE OF ${REPLICA_WATCHED} ON replicas WHEN ${REPLICA_CHANGED}
      BEGIN ${replicaDelta('OLD', -1)}; ${replicaDelta('NEW', 1)}; END`,
    `CREATE TRIGGER errors_replica_deleted AFTER DELETE ON replicas WHEN ${replicaErrs('OLD')} = 1
      BEGIN ${replicaDelta('OLD', -1)}; END`,
    `CREATE TRIGGER errors_unit_inserted AFTER INSERT ON work_units WHEN ${unitFails('NEW')} = 1
      BEGIN ${unitDelta('NEW', 1)}; END`,
    `CREATE TRIGGER errors_unit_changed AFTER UPDATE OF ${UNIT_WATCHED} ON work_units WHEN ${UNIT_CHANGED}
      BEGIN ${unitDelta('OLD', -1)}; ${unitDelta('NEW', 1)}; END`,
  ];
}

const ADD = 'ON CONFLICT (batch_id, kind, reason) DO UPDATE SET n = batch_errors.n + excluded.n';

/**
 * Folds up to `limit` of the oldest error deltas into `batch_errors` and drops the groups that reached 0; returns
 * how many it folded. On Postgres one statement deletes and adds the same rows (as foldStatusDeltas).
 */
export async function foldErrorDeltas(q: Queryable, dialect: Dialect, limit: number): Promise<number> {
  let folded: number;
  if (dialect === 'postgres') {
    const row = await q.get<{ n: unknown }>(
      `WITH gone AS (DELETE FROM error_deltas WHERE id IN (SELECT id FROM error_deltas ORDER BY id LIMIT ?)
          RETURNING ${COLUMNS}),
        added AS (INSERT INTO batch_errors (${COLUMNS}) SELECT batch_id, kind, reason, sum(n) FROM gone
          GROUP BY batch_id, kind, reason ${ADD} RETURNING 1)
        SELECT (SELECT count(*) FROM gone) AS n`,
      [limit],
    );
    folded = Number(row?.n ?? 0);
  } else {
    // SQLite: the caller's transaction holds the only writer, so a sum and a delete of the same range agree.
    const last = await q.get<{ id: unknown }>(
      'SELECT max(id) AS id FROM (SELECT id FROM error_deltas ORDER BY id LIMIT ?)',
      [limit],
    );
    if (last?.id === null || last?.id === undefined) return 0;
    await q.run(
      `INSERT INTO batch_errors (${COLUMNS}) SELECT batch_id, kind, reason, sum(n) FROM error_deltas WHERE id <= ?
        GROUP BY batch_id, kind, reason ${ADD}`,
      [Number(last.id)],
    );
    folded = (await q.run('DELETE FROM error_deltas WHERE id <= ?', [Number(last.id)])).changes;
  }
  if (folded > 0) await q.run('DELETE FROM batch_errors WHERE n = 0');
  return folded;
}

/**
 * One batch's errors by reason, folded and not, the `limit` most frequent of each kind: what errorGroups recounts.
 * Reads the batch's rows by their key and the short deltas table.
 */
export async function batchErrors(q: Queryable, batchId: number, limit = 20): Promise<ErrorGroup[]> {
  const rows = await q.all<{ kind: string; reason: string; c: unknown }>(
    `SELECT kind, reason, c FROM (
        SELECT kind, reason, c, row_number() OVER (PARTITION BY kind ORDER BY c DESC, reason) AS place FROM (
          SELECT kind, reason, sum(n) AS c FROM (
            SELECT kind, reason, n FROM batch_errors WHERE batch_id = ?
            UNION ALL SELECT kind, reason, n FROM error_deltas WHERE batch_id = ?) t
          GROUP BY kind, reason HAVING sum(n) > 0) g) ranked
      WHERE place <= ? ORDER BY CASE WHEN kind = 'unit' THEN 0 ELSE 1 END, c DESC, reason`,
    [batchId, batchId, limit],
  );
  return rows.map((r) => ({ kind: r.kind === 'unit' ? 'unit' : 'replica', reason: r.reason, count: Number(r.c) }));
}
