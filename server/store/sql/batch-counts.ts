/**
 * @module server/store/sql/batch-counts
 * The unit and batch counts kept as units change (status-counts.ts), by batch: a researcher's dashboard reads a
 * batch's progress from its row, not by counting its units on each call and each tick of the live stream (issue 18),
 * and the status page's project figures are the sums of their batches' rows.
 *
 * Migration 26 (branch ops2) keys the rows the triggers already append (`status_deltas`) by batch as well as by
 * project: the same row per change, one column more, so a unit's change costs nothing it did not cost before. The
 * status-counter pass folds them into one row per batch in `batch_counts` (which replaces migration 20's one row per
 * project); a read adds the deltas not yet folded, so the figures are exact at any moment. The deltas are not
 * indexed by batch: the pass folds them each round, so a batch's read scans a short table, and an index would be
 * one more write on every change of every unit.
 */
import type { UnitCounts } from '../../../protocol/research.ts';
import type { Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';
import { plpgsql, UNIT_CLASS_CHANGED, UNIT_CLASSES } from './status-counts.ts';

const COUNTERS = 'batches, units, validated, failed, in_progress';
const COLUMNS = `batch_id, project_id, ${COUNTERS}`;
const { validated, failed, in_progress: inProgress } = UNIT_CLASSES;

const inserted = `INSERT INTO status_deltas (${COLUMNS}) VALUES (NEW.batch_id, NEW.project_id, 0, 1,
  ${validated('NEW')}, ${failed('NEW')}, ${inProgress('NEW')})`;
const changed = `INSERT INTO status_deltas (${COLUMNS}) VALUES (NEW.batch_id, NEW.project_id, 0, 0,
  ${validated('NEW')} - ${validated('OLD')}, ${failed('NEW')} - ${failed('OLD')},
  ${inProgress('NEW')} - ${inProgress('OLD')})`;
const batchAdded = `INSERT INTO status_deltas (${COLUMNS}) VALUES (NEW.id, coalesce(NEW.project_id, 0), 1, 0, 0, 0, 0)`;

/**
 * Each batch's counts from the rows already there, the deltas not yet folded dropped (they name no batch, and the
 * recount includes them): a full read of `work_units`, once. Exported for the test of the upgrade.
 */
export const batchCountSeeds = [
  'DELETE FROM status_deltas',
  'DELETE FROM batch_counts',
  `INSERT INTO batch_counts (${COLUMNS})
    SELECT b.id, coalesce(b.project_id, 0), 1, count(u.id), coalesce(sum(${validated('u')}), 0),
      coalesce(sum(${failed('u')}), 0), coalesce(sum(${inProgress('u')}), 0)
    FROM batches b LEFT JOIN work_units u ON u.batch_id = b.id GROUP BY b.id, b.project_id`,
];

/**
 * Migration 26's statements. It replaces migration 20's table and trigger bodies (the triggers' conditions stay):
 * with several coordinators, stop them all before starting the first new one (docs/operations.md, Upgrades).
 */
export function batchCountsMigration(dialect: Dialect): string[] {
  const tables = [
    'ALTER TABLE status_deltas ADD COLUMN batch_id BIGINT NOT NULL DEFAULT 0',
    'DROP TABLE status_counts',
    `CREATE TABLE batch_counts (batch_id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL,
      batches BIGINT NOT NULL, units BIGINT NOT NULL, validated BIGINT NOT NULL, failed BIGINT NOT NULL,
      in_progress BIGINT NOT NULL)`,
    ...batchCountSeeds,
  ];
  if (dialect === 'postgres') {
    // The triggers call these functions by name: replacing the bodies is enough.
    const replace = (name: string, body: string) =>
      plpgsql(name, body).replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');
    return [
      ...tables,
      replace('status_unit_inserted', inserted),
      replace('status_unit_changed', changed),
      replace('status_batch_inserted', batchAdded),
    ];
  }
  return [
    ...tables,
    'DROP TRIGGER status_unit_inserted',
    'DROP TRIGGER status_unit_changed',
    'DROP TRIGGER status_batch_inserted',
    `CREATE TRIGGER status_unit_inserted AFTER INSERT ON work_units BEGIN ${inserted}; END`,
    `CREATE TRIGGER status_unit_changed AFTER UPDATE OF canonical_replica_id, state, sent ON work_units
      WHEN ${UNIT_CLASS_CHANGED} BEGIN ${changed}; END`,
    `CREATE TRIGGER status_batch_inserted AFTER INSERT ON batches BEGIN ${batchAdded}; END`,
  ];
}

const SUMS = 'sum(batches), sum(units), sum(validated), sum(failed), sum(in_progress)';
const ADD = `ON CONFLICT (batch_id) DO UPDATE SET batches = batch_counts.batches + excluded.batches,
  units = batch_counts.units + excluded.units, validated = batch_counts.validated + excluded.validated,
  failed = batch_counts.failed + excluded.failed, in_progress = batch_counts.in_progress + excluded.in_progress`;

/**
 * Folds up to `limit` of the oldest deltas into the batches' counts; returns how many it folded. On Postgres one
 * statement deletes and adds the same rows, so a delta committed meanwhile is neither lost nor added twice, and a
 * second coordinator folding at once skips the rows this one took.
 */
export async function foldStatusDeltas(q: Queryable, dialect: Dialect, limit: number): Promise<number> {
  if (dialect === 'postgres') {
    const row = await q.get<{ n: unknown }>(
      `WITH gone AS (DELETE FROM status_deltas WHERE id IN (SELECT id FROM status_deltas ORDER BY id LIMIT ?)
          RETURNING ${COLUMNS}),
        added AS (INSERT INTO batch_counts (${COLUMNS}) SELECT batch_id, project_id, ${SUMS} FROM gone
          GROUP BY batch_id, project_id ${ADD} RETURNING 1)
        SELECT (SELECT count(*) FROM gone) AS n`,
      [limit],
    );
    return Number(row?.n ?? 0);
  }
  // SQLite: the caller's transaction holds the only writer, so a sum and a delete of the same range agree.
  const last = await q.get<{ id: unknown }>(
    'SELECT max(id) AS id FROM (SELECT id FROM status_deltas ORDER BY id LIMIT ?)',
    [limit],
  );
  if (last?.id === null || last?.id === undefined) return 0;
  await q.run(
    `INSERT INTO batch_counts (${COLUMNS}) SELECT batch_id, project_id, ${SUMS} FROM status_deltas WHERE id <= ?
      GROUP BY batch_id, project_id ${ADD}`,
    [Number(last.id)],
  );
  return (await q.run('DELETE FROM status_deltas WHERE id <= ?', [Number(last.id)])).changes;
}

const n = (v: unknown) => Number(v ?? 0);

function unitCountsOf(r: Record<string, unknown>): UnitCounts {
  const [total, validatedUnits, failedUnits, inProgressUnits] = [
    n(r['units']),
    n(r['validated']),
    n(r['failed']),
    n(r['in_progress']),
  ];
  return {
    total,
    waiting: total - validatedUnits - failedUnits - inProgressUnits,
    inProgress: inProgressUnits,
    validated: validatedUnits,
    failed: failedUnits,
  };
}

const SUMMED = `sum(batches) AS batches, sum(units) AS units, sum(validated) AS validated, sum(failed) AS failed,
  sum(in_progress) AS in_progress`;

/** One batch's units, folded and not yet folded together: what research-progress.ts's unitCounts recounts. */
export async function batchUnitCounts(q: Queryable, batchId: number): Promise<UnitCounts> {
  const row = await q.get<Record<string, unknown>>(
    `SELECT ${SUMMED} FROM (SELECT ${COUNTERS} FROM batch_counts WHERE batch_id = ?
      UNION ALL SELECT ${COUNTERS} FROM status_deltas WHERE batch_id = ?) t`,
    [batchId, batchId],
  );
  return unitCountsOf(row ?? {});
}

export interface CountedProject {
  batches: number;
  units: UnitCounts;
}

/** Each project's counts (key 0: the coordinator's own demo batches): the sums of its batches'. */
export async function statusCounts(q: Queryable): Promise<Map<number, CountedProject>> {
  const rows = await q.all<Record<string, unknown>>(
    `SELECT project_id, ${SUMMED}
      FROM (SELECT project_id, ${COUNTERS} FROM batch_counts
        UNION ALL SELECT project_id, ${COUNTERS} FROM status_deltas) t
      GROUP BY project_id`,
  );
  return new Map(rows.map((r) => [n(r['project_id']), { batches: n(r['batches']), units: unitCountsOf(r) }]));
}
