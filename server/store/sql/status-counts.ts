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
 *
 * This module holds migration 20 as it was applied; migration 26 keys the same rows by batch and keeps one row per
 * batch instead of one per project, and its fold and reads are in batch-counts.ts.
 */
import type { Dialect } from './bulk.ts';

/** A unit row's class as 0 or 1, in SQL both engines read (`row` is NEW or OLD, or an alias of `work_units`). */
export const UNIT_CLASSES = {
  validated: (row: string) => `CASE WHEN ${row}.canonical_replica_id IS NOT NULL THEN 1 ELSE 0 END`,
  failed: (row: string) =>
    `CASE WHEN ${row}.canonical_replica_id IS NULL AND ${row}.state = 'failed' THEN 1 ELSE 0 END`,
  in_progress: (row: string) =>
    `CASE WHEN ${row}.canonical_replica_id IS NULL AND ${row}.state = 'active' AND ${row}.sent = 1 THEN 1 ELSE 0 END`,
};
const CLASSES = UNIT_CLASSES;
const COLUMNS = 'project_id, batches, units, validated, failed, in_progress';
const inserted = `INSERT INTO status_deltas (${COLUMNS}) VALUES (NEW.project_id, 0, 1,
  ${CLASSES.validated('NEW')}, ${CLASSES.failed('NEW')}, ${CLASSES.in_progress('NEW')})`;
const changed = `INSERT INTO status_deltas (${COLUMNS}) VALUES (NEW.project_id, 0, 0,
  ${CLASSES.validated('NEW')} - ${CLASSES.validated('OLD')}, ${CLASSES.failed('NEW')} - ${CLASSES.failed('OLD')},
  ${CLASSES.in_progress('NEW')} - ${CLASSES.in_progress('OLD')})`;
/** Whether an update changed a unit's class (the condition of the trigger that appends its delta). */
export const UNIT_CLASS_CHANGED = Object.values(CLASSES)
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
    WHEN ${UNIT_CLASS_CHANGED} BEGIN ${changed}; END`,
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
    WHEN (${UNIT_CLASS_CHANGED}) EXECUTE FUNCTION status_unit_changed()`,
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
