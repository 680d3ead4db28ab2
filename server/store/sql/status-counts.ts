/**
 * @module server/store/sql/status-counts
 * The public status page's unit and batch counts, kept as they change rather than counted over the tables on each
 * refresh (issue 18: 150-230 ms at 50,000 units, blocking the event loop). Triggers append a row of deltas to
 * `status_deltas` whenever a unit or batch is added or a unit changes class (waiting, in progress, validated,
 * failed); the status-counter pass folds them into one row per project in `status_counts`; a read adds the deltas
 * not yet folded, so the figures are exact at any moment.
 *
 * Why triggers: a unit changes class in the scheduler (its first replica leaves the queue), the validator, the
 * transitioner, the revoker, the researcher's cancel and the training store; a counter kept in each would be wrong
 * the day a new path forgets it, and a trigger sees every path. Why appended deltas, not `UPDATE status_counts`:
 * every issue and report would take the same row lock of its project, serialising the coordinators on Postgres.
 * The classes are unitCounts's (research-progress.ts), which stays the recount the tests hold these to.
 */
import type { UnitCounts } from '../../../protocol/research.ts';
import type { Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';

/** A unit row's class as 0 or 1, in SQL both engines read (`row` is NEW or OLD). */
const CLASSES = {
  validated: (row: string) => `CASE WHEN ${row}.canonical_replica_id IS NOT NULL THEN 1 ELSE 0 END`,
  failed: (row: string) =>
    `CASE WHEN ${row}.canonical_replica_id IS NULL AND ${row}.state = 'failed' THEN 1 ELSE 0 END`,
  in_progress: (row: string) =>
    `CASE WHEN ${row}.canonical_replica_id IS NULL AND ${row}.state = 'active' AND ${row}.sent = 1 THEN 1 ELSE 0 END`,
};
const COLUMNS = 'project_id, batches, units, validated, failed, in_progress';
const inserted = `INSERT INTO status_deltas (${COLUMNS}) VALUES (NEW.project_id, 0, 1,
  ${CLASSES.validated('NEW')}, ${CLASSES.failed('NEW')}, ${CLASSES.in_progress('NEW')})`;
const changed = `INSERT INTO status_deltas (${COLUMNS}) VALUES (NEW.project_id, 0, 0,
  ${CLASSES.validated('NEW')} - ${CLASSES.validated('OLD')}, ${CLASSES.failed('NEW')} - ${CLASSES.failed('OLD')},
  ${CLASSES.in_progress('NEW')} - ${CLASSES.in_progress('OLD')})`;
const classChanged = Object.values(CLASSES)
  .map((c) => `${c('NEW')} <> ${c('OLD')}`)
  .join(' OR ');
const batchAdded = `INSERT INTO status_deltas (${COLUMNS}) VALUES (coalesce(NEW.project_id, 0), 1, 0, 0, 0, 0)`;
/** A unit is in progress from when its first replica leaves the queue (unitCounts: a replica not 'unsent'). */
const unitSent = 'UPDATE work_units SET sent = 1 WHERE id = NEW.work_unit_id AND sent = 0';
const SENT_NOW = `OLD.server_state = 'unsent' AND NEW.server_state <> 'unsent'`;

const COUNTERS = `batches BIGINT NOT NULL DEFAULT 0, units BIGINT NOT NULL DEFAULT 0,
    validated BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0, in_progress BIGINT NOT NULL DEFAULT 0`;

/** The tables, with the counts of the units already there (migration 20), before the triggers. */
const tables = (id: string) => [
  'ALTER TABLE work_units ADD COLUMN sent INTEGER NOT NULL DEFAULT 0',
  `UPDATE work_units SET sent = 1 WHERE EXISTS
    (SELECT 1 FROM replicas r WHERE r.work_unit_id = work_units.id AND r.server_state <> 'unsent')`,
  `CREATE TABLE status_counts (project_id BIGINT PRIMARY KEY, ${COUNTERS})`,
  `CREATE TABLE status_deltas (id ${id}, project_id BIGINT NOT NULL, ${COUNTERS})`,
  `INSERT INTO status_counts (${COLUMNS})
    SELECT coalesce(b.project_id, 0), count(*), 0, 0, 0, 0 FROM batches b GROUP BY coalesce(b.project_id, 0)`,
  `INSERT INTO status_deltas (${COLUMNS})
    SELECT u.project_id, 0, count(*), sum(${CLASSES.validated('u')}), sum(${CLASSES.failed('u')}),
      sum(${CLASSES.in_progress('u')}) FROM work_units u GROUP BY u.project_id`,
];

const sqliteTriggers = [
  `CREATE TRIGGER status_unit_inserted AFTER INSERT ON work_units BEGIN ${inserted}; END`,
  `CREATE TRIGGER status_unit_changed AFTER UPDATE OF canonical_replica_id, state, sent ON work_units
    WHEN ${classChanged} BEGIN ${changed}; END`,
  `CREATE TRIGGER status_replica_sent AFTER UPDATE OF server_state ON replicas WHEN ${SENT_NOW}
    BEGIN ${unitSent}; END`,
  `CREATE TRIGGER status_replica_inserted AFTER INSERT ON replicas WHEN NEW.server_state <> 'unsent'
    BEGIN ${unitSent}; END`,
  `CREATE TRIGGER status_batch_inserted AFTER INSERT ON batches BEGIN ${batchAdded}; END`,
];

/** A Postgres trigger function of `name` that runs `body` (statements) and changes nothing of the row. */
export const plpgsql = (name: string, body: string) =>
  `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body}; RETURN NULL; END $$`;
const postgresTriggers = [
  plpgsql('status_unit_inserted', inserted),
  plpgsql('status_unit_changed', changed),
  plpgsql('status_unit_sent', unitSent),
  plpgsql('status_batch_inserted', batchAdded),
  `CREATE TRIGGER status_unit_inserted AFTER INSERT ON work_units FOR EACH ROW
    EXECUTE FUNCTION status_unit_inserted()`,
  `CREATE TRIGGER status_unit_changed AFTER UPDATE OF canonical_replica_id, state, sent ON work_units FOR EACH ROW
    WHEN (${classChanged}) EXECUTE FUNCTION status_unit_changed()`,
  `CREATE TRIGGER status_replica_sent AFTER UPDATE OF server_state ON replicas FOR EACH ROW WHEN (${SENT_NOW})
    EXECUTE FUNCTION status_unit_sent()`,
  `CREATE TRIGGER status_replica_inserted AFTER INSERT ON replicas FOR EACH ROW
    WHEN (NEW.server_state <> 'unsent') EXECUTE FUNCTION status_unit_sent()`,
  `CREATE TRIGGER status_batch_inserted AFTER INSERT ON batches FOR EACH ROW EXECUTE FUNCTION status_batch_inserted()`,
];

/** Migration 20's statements, one by one (trigger bodies hold semicolons, so they cannot be split on them). */
export function statusCountsMigration(dialect: Dialect, id: string): string[] {
  return [...tables(id), ...(dialect === 'sqlite' ? sqliteTriggers : postgresTriggers)];
}

/**
 * Folds up to `limit` of the oldest deltas into the counts; returns how many it folded. On Postgres one statement
 * deletes and adds the same rows, so a delta committed meanwhile is neither lost nor added twice, and a second
 * coordinator folding at once skips the rows this one took.
 */
export async function foldStatusDeltas(q: Queryable, dialect: Dialect, limit: number): Promise<number> {
  const sums = 'sum(batches), sum(units), sum(validated), sum(failed), sum(in_progress)';
  const add = `ON CONFLICT (project_id) DO UPDATE SET batches = status_counts.batches + excluded.batches,
    units = status_counts.units + excluded.units, validated = status_counts.validated + excluded.validated,
    failed = status_counts.failed + excluded.failed, in_progress = status_counts.in_progress + excluded.in_progress`;
  if (dialect === 'postgres') {
    const row = await q.get<{ n: unknown }>(
      `WITH gone AS (DELETE FROM status_deltas WHERE id IN (SELECT id FROM status_deltas ORDER BY id LIMIT ?)
          RETURNING ${COLUMNS}),
        added AS (INSERT INTO status_counts (${COLUMNS}) SELECT project_id, ${sums} FROM gone GROUP BY project_id ${add}
          RETURNING 1)
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
    `INSERT INTO status_counts (${COLUMNS}) SELECT project_id, ${sums} FROM status_deltas WHERE id <= ?
      GROUP BY project_id ${add}`,
    [Number(last.id)],
  );
  return (await q.run('DELETE FROM status_deltas WHERE id <= ?', [Number(last.id)])).changes;
}

export interface CountedProject {
  batches: number;
  units: UnitCounts;
}

/** Each project's counts (key 0: the coordinator's own demo batches), folded and not yet folded together. */
export async function statusCounts(q: Queryable): Promise<Map<number, CountedProject>> {
  const rows = await q.all<Record<string, unknown>>(
    `SELECT project_id, sum(batches) AS batches, sum(units) AS units, sum(validated) AS validated,
        sum(failed) AS failed, sum(in_progress) AS in_progress
      FROM (SELECT ${COLUMNS} FROM status_counts UNION ALL SELECT ${COLUMNS} FROM status_deltas) t
      GROUP BY project_id`,
  );
  const n = (v: unknown) => Number(v ?? 0);
  return new Map(
    rows.map((r) => {
      const [total, validated, failed, inProgress] = [
        n(r['units']),
        n(r['validated']),
        n(r['failed']),
        n(r['in_progress']),
      ];
      const units = { total, waiting: total - validated - failed - inProgress, inProgress, validated, failed };
      return [n(r['project_id']), { batches: n(r['batches']), units }];
    }),
  );
}
