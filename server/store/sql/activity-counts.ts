/**
 * @module server/store/sql/activity-counts
 * The public status page's activity figures (replicas out, the hosts holding them, the next deadline, hosts and
 * volunteers active in the window, GFLOPS), kept as replicas change rather than read from `replicas` on each refresh
 * (issue 18: most of a refresh at 50,000 units). Triggers on `replicas` append a row to `activity_deltas` when a
 * replica goes out or comes back (or leaves `in_progress` without a result); the status-counter pass folds the rows
 * into four small tables and expires what has left the window; a read (activity-figures.ts) adds the rows not yet
 * folded, so the figures equal a recount over `replicas` (research-progress.ts's activity) at any moment, with one
 * documented rounding: the next deadline is the start of the minute it falls in.
 *
 * - `activity_holding`: replicas out per project, host and volunteer (the replica's own volunteer, as the recount
 *   reads it); a row that reaches 0 is deleted.
 * - `activity_deadlines`: replicas out per project and minute of their deadline; likewise.
 * - `activity_returned`: the last result per project, host and volunteer; expired once it left the window.
 * - `activity_flops`: the estimated FLOPs of successful results per project and second received; likewise.
 *
 * Why triggers and appended deltas: as for status-counts.ts, every path that sends, reports, times out or cancels a
 * replica is seen, and no issue or report takes a shared row's lock. A result's `received_at` and `outcome` are set
 * once, together, when it arrives (report.ts), and never change after; activity-counts.test.ts holds the figures to
 * the recount after every kind of change.
 *
 * Migration 27 (branch ops3) keys the deltas and the four tables by batch as well (the batch read from the
 * replica's unit by its primary key, in the trigger), so that a researcher's batch progress reads its batch's rows
 * (activity-figures.ts batchActivity) instead of the batch's replicas; the status page's project figures read the
 * same rows grouped by project. A host active in several batches of a project has a row in each: the project's
 * distinct counts are unchanged. This module keeps migration 21's statements as they were applied, and migration
 * 27's.
 */
import type { Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';
import { ACTIVE_WINDOW_MS, WINDOW_STEP_MS, windowStart } from './research-progress.ts';
import { plpgsql } from './status-counts.ts';

/** Deadlines are kept by the minute: the next deadline is the start of the minute it falls in. */
export const DEADLINE_BUCKET_MS = 60_000;
/** Results' FLOPs are kept by the step the window starts on (a second), so a bucket is wholly in it or out. */
const FLOPS_BUCKET_MS = WINDOW_STEP_MS;
/** Rows are expired this long after they left the window, so a coordinator whose clock is behind still reads them. */
const EXPIRY_MARGIN_MS = 60_000;

/** Migration 21's delta columns; 27 adds the batch. */
const DELTA_COLUMNS_21 = 'project_id, host_id, volunteer_id, held, deadline, received_at, flops';
const DELTA_COLUMNS = 'project_id, batch_id, host_id, volunteer_id, held, deadline, received_at, flops';
const OUT = "server_state = 'in_progress'";

/** A row that gives back what `row` (OLD) held, when it was out (migration 21). */
const leave21 = (row: string) => `INSERT INTO activity_deltas (${DELTA_COLUMNS_21})
  SELECT ${row}.project_id, coalesce(${row}.host_id, 0), coalesce(${row}.volunteer_id, 0), -1, ${row}.deadline, NULL, 0
  WHERE ${row}.${OUT}`;

/** A row for what NEW holds, when it is out, and for its result, when `returned` (migration 21). */
const enter21 = (returned: string) => `INSERT INTO activity_deltas (${DELTA_COLUMNS_21})
  SELECT NEW.project_id, coalesce(NEW.host_id, 0), coalesce(NEW.volunteer_id, 0),
    CASE WHEN NEW.${OUT} THEN 1 ELSE 0 END, NEW.deadline, CASE WHEN ${returned} THEN NEW.received_at END,
    CASE WHEN ${returned} AND NEW.outcome = 'success'
      THEN (SELECT u.flops_estimate FROM work_units u WHERE u.id = NEW.work_unit_id) ELSE 0 END
  WHERE NEW.${OUT} OR ${returned}`;

/** Migration 27's: the same rows with the batch of the replica's unit, read by its primary key. */
const leave = (row: string) => `INSERT INTO activity_deltas (${DELTA_COLUMNS})
  SELECT ${row}.project_id, u.batch_id, coalesce(${row}.host_id, 0), coalesce(${row}.volunteer_id, 0), -1,
    ${row}.deadline, NULL, 0
  FROM work_units u WHERE u.id = ${row}.work_unit_id AND ${row}.${OUT}`;
const enter = (returned: string) => `INSERT INTO activity_deltas (${DELTA_COLUMNS})
  SELECT NEW.project_id, u.batch_id, coalesce(NEW.host_id, 0), coalesce(NEW.volunteer_id, 0),
    CASE WHEN NEW.${OUT} THEN 1 ELSE 0 END, NEW.deadline, CASE WHEN ${returned} THEN NEW.received_at END,
    CASE WHEN ${returned} AND NEW.outcome = 'success' THEN u.flops_estimate ELSE 0 END
  FROM work_units u WHERE u.id = NEW.work_unit_id AND (NEW.${OUT} OR ${returned})`;

const RETURNED_NOW = 'NEW.received_at IS NOT NULL AND OLD.received_at IS NULL';
const RETURNED_AT_INSERT = 'NEW.received_at IS NOT NULL';
/** An update that moves a replica in or out of `in_progress`, changes what it is held under, or brings its result. */
const CHANGED = `(OLD.${OUT}) <> (NEW.${OUT})
  OR (NEW.${OUT} AND (OLD.host_id IS DISTINCT FROM NEW.host_id OR OLD.volunteer_id IS DISTINCT FROM NEW.volunteer_id
    OR OLD.deadline IS DISTINCT FROM NEW.deadline OR OLD.project_id <> NEW.project_id))
  OR (${RETURNED_NOW})`;
const WATCHED = 'server_state, host_id, volunteer_id, deadline, received_at, project_id';

const tables21 = (id: string) => [
  `CREATE TABLE activity_deltas (id ${id}, project_id BIGINT NOT NULL, host_id BIGINT NOT NULL,
    volunteer_id BIGINT NOT NULL, held INTEGER NOT NULL, deadline BIGINT, received_at BIGINT,
    flops DOUBLE PRECISION NOT NULL)`,
  `CREATE TABLE activity_holding (project_id BIGINT NOT NULL, host_id BIGINT NOT NULL, volunteer_id BIGINT NOT NULL,
    replicas BIGINT NOT NULL, PRIMARY KEY (project_id, host_id, volunteer_id))`,
  `CREATE TABLE activity_deadlines (project_id BIGINT NOT NULL, due_minute BIGINT NOT NULL, replicas BIGINT NOT NULL,
    PRIMARY KEY (project_id, due_minute))`,
  `CREATE TABLE activity_returned (project_id BIGINT NOT NULL, host_id BIGINT NOT NULL, volunteer_id BIGINT NOT NULL,
    last_at BIGINT NOT NULL, PRIMARY KEY (project_id, host_id, volunteer_id))`,
  `CREATE TABLE activity_flops (project_id BIGINT NOT NULL, received_second BIGINT NOT NULL,
    flops DOUBLE PRECISION NOT NULL, PRIMARY KEY (project_id, received_second))`,
];

/** Migration 27's tables: the same, each keyed by batch first, so that one batch's rows are read by their key. */
const tables = (id: string) => [
  `CREATE TABLE activity_deltas (id ${id}, project_id BIGINT NOT NULL, batch_id BIGINT NOT NULL,
    host_id BIGINT NOT NULL, volunteer_id BIGINT NOT NULL, held INTEGER NOT NULL, deadline BIGINT,
    received_at BIGINT, flops DOUBLE PRECISION NOT NULL)`,
  `CREATE TABLE activity_holding (batch_id BIGINT NOT NULL, project_id BIGINT NOT NULL, host_id BIGINT NOT NULL,
    volunteer_id BIGINT NOT NULL, replicas BIGINT NOT NULL, PRIMARY KEY (batch_id, project_id, host_id, volunteer_id))`,
  `CREATE TABLE activity_deadlines (batch_id BIGINT NOT NULL, project_id BIGINT NOT NULL, due_minute BIGINT NOT NULL,
    replicas BIGINT NOT NULL, PRIMARY KEY (batch_id, project_id, due_minute))`,
  `CREATE TABLE activity_returned (batch_id BIGINT NOT NULL, project_id BIGINT NOT NULL, host_id BIGINT NOT NULL,
    volunteer_id BIGINT NOT NULL, last_at BIGINT NOT NULL, PRIMARY KEY (batch_id, project_id, host_id, volunteer_id))`,
  `CREATE TABLE activity_flops (batch_id BIGINT NOT NULL, project_id BIGINT NOT NULL, received_second BIGINT NOT NULL,
    flops DOUBLE PRECISION NOT NULL, PRIMARY KEY (batch_id, project_id, received_second))`,
];
const ACTIVITY_TABLES = [
  'activity_deltas',
  'activity_holding',
  'activity_deadlines',
  'activity_returned',
  'activity_flops',
];

/** Results are taken from the last eleven minutes before the newest one (the window and its margin). */
const RECENT = `r.received_at >= (SELECT max(received_at) FROM replicas) - ${ACTIVE_WINDOW_MS + EXPIRY_MARGIN_MS}`;

/** Migration 21's seeds, as applied. */
const activitySeeds21 = [
  `INSERT INTO activity_deltas (${DELTA_COLUMNS_21})
    SELECT project_id, coalesce(host_id, 0), coalesce(volunteer_id, 0), 1, deadline, NULL, 0 FROM replicas
    WHERE ${OUT}`,
  `INSERT INTO activity_deltas (${DELTA_COLUMNS_21})
    SELECT r.project_id, coalesce(r.host_id, 0), coalesce(r.volunteer_id, 0), 0, NULL, r.received_at,
      CASE WHEN r.outcome = 'success' THEN u.flops_estimate ELSE 0 END
    FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
    WHERE ${RECENT}`,
];

/**
 * What the replicas already there hold and returned, by batch, as deltas the first fold takes in (migration 27):
 * results from the last eleven minutes before the newest one (the window and its margin, if the coordinator ran
 * until now); a full read of `replicas`, once.
 */
export const activitySeeds = [
  `INSERT INTO activity_deltas (${DELTA_COLUMNS})
    SELECT r.project_id, u.batch_id, coalesce(r.host_id, 0), coalesce(r.volunteer_id, 0), 1, r.deadline, NULL, 0
    FROM replicas r JOIN work_units u ON u.id = r.work_unit_id WHERE r.${OUT}`,
  `INSERT INTO activity_deltas (${DELTA_COLUMNS})
    SELECT r.project_id, u.batch_id, coalesce(r.host_id, 0), coalesce(r.volunteer_id, 0), 0, NULL, r.received_at,
      CASE WHEN r.outcome = 'success' THEN u.flops_estimate ELSE 0 END
    FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
    WHERE ${RECENT}`,
];

type Bodies = { enter: (returned: string) => string; leave: (row: string) => string };

const sqliteTriggers = ({ enter, leave }: Bodies) => [
  `CREATE TRIGGER activity_replica_inserted AFTER INSERT ON replicas WHEN NEW.${OUT} OR ${RETURNED_AT_INSERT}
    BEGIN ${enter(RETURNED_AT_INSERT)}; END`,
  `CREATE TRIGGER activity_replica_changed AFTER UPDATE OF ${WATCHED} ON replicas WHEN ${CHANGED}
    BEGIN ${leave('OLD')}; ${enter(RETURNED_NOW)}; END`,
  `CREATE TRIGGER activity_replica_deleted AFTER DELETE ON replicas WHEN OLD.${OUT} BEGIN ${leave('OLD')}; END`,
];

const postgresFunctions = ({ enter, leave }: Bodies) => [
  plpgsql('activity_replica_inserted', enter(RETURNED_AT_INSERT)),
  plpgsql('activity_replica_changed', `${leave('OLD')}; ${enter(RETURNED_NOW)}`),
  plpgsql('activity_replica_deleted', leave('OLD')),
];

const postgresTriggers = [
  `CREATE TRIGGER activity_replica_inserted AFTER INSERT ON replicas FOR EACH ROW
    WHEN (NEW.${OUT} OR ${RETURNED_AT_INSERT}) EXECUTE FUNCTION activity_replica_inserted()`,
  `CREATE TRIGGER activity_replica_changed AFTER UPDATE OF ${WATCHED} ON replicas FOR EACH ROW WHEN (${CHANGED})
    EXECUTE FUNCTION activity_replica_changed()`,
  `CREATE TRIGGER activity_replica_deleted AFTER DELETE ON replicas FOR EACH ROW WHEN (OLD.${OUT})
    EXECUTE FUNCTION activity_replica_deleted()`,
];

/** Migration 21's statements, one by one (trigger bodies hold semicolons). */
export function activityCountsMigration(dialect: Dialect, id: string): string[] {
  const bodies = { enter: enter21, leave: leave21 };
  return [
    ...tables21(id),
    ...activitySeeds21,
    ...(dialect === 'sqlite' ? sqliteTriggers(bodies) : [...postgresFunctions(bodies), ...postgresTriggers]),
  ];
}

/**
 * Migration 27's activity statements: the tables again, keyed by batch, seeded from `replicas` (what the old tables
 * held is dropped with them: the seeds count it again), and the triggers' bodies that write the batch. The old
 * coordinators' fold cannot write the new tables: stop every coordinator before the first new one starts.
 */
export function activityByBatchMigration(dialect: Dialect, id: string): string[] {
  const bodies = { enter, leave };
  const triggers = ['activity_replica_inserted', 'activity_replica_changed', 'activity_replica_deleted'];
  if (dialect === 'postgres') {
    // The triggers call these functions by name, and their conditions stay: replacing the bodies is enough.
    return [
      ...ACTIVITY_TABLES.map((t) => `DROP TABLE ${t}`),
      ...tables(id),
      ...activitySeeds,
      ...postgresFunctions(bodies).map((f) => f.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')),
    ];
  }
  return [
    ...triggers.map((t) => `DROP TRIGGER ${t}`),
    ...ACTIVITY_TABLES.map((t) => `DROP TABLE ${t}`),
    ...tables(id),
    ...activitySeeds,
    ...sqliteTriggers(bodies),
  ];
}

const bucket = (column: string, ms: number) => `CAST(${column} / ${ms} AS BIGINT) * ${ms}`;
const later = (table: string) =>
  `CASE WHEN excluded.last_at > ${table}.last_at THEN excluded.last_at ELSE ${table}.last_at END`;

/** Each folded table's upsert from a set of delta rows `src` (a table or CTE name, with its condition). */
const upserts = (src: string) => [
  `INSERT INTO activity_holding (batch_id, project_id, host_id, volunteer_id, replicas)
    SELECT batch_id, project_id, host_id, volunteer_id, sum(held) FROM ${src} AND held <> 0 GROUP BY 1, 2, 3, 4
    ON CONFLICT (batch_id, project_id, host_id, volunteer_id)
      DO UPDATE SET replicas = activity_holding.replicas + excluded.replicas`,
  `INSERT INTO activity_deadlines (batch_id, project_id, due_minute, replicas)
    SELECT batch_id, project_id, ${bucket('deadline', DEADLINE_BUCKET_MS)}, sum(held) FROM ${src} AND held <> 0
      AND deadline IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (batch_id, project_id, due_minute)
      DO UPDATE SET replicas = activity_deadlines.replicas + excluded.replicas`,
  `INSERT INTO activity_returned (batch_id, project_id, host_id, volunteer_id, last_at)
    SELECT batch_id, project_id, host_id, volunteer_id, max(received_at) FROM ${src} AND received_at IS NOT NULL
      GROUP BY 1, 2, 3, 4
    ON CONFLICT (batch_id, project_id, host_id, volunteer_id) DO UPDATE SET last_at = ${later('activity_returned')}`,
  `INSERT INTO activity_flops (batch_id, project_id, received_second, flops)
    SELECT batch_id, project_id, ${bucket('received_at', FLOPS_BUCKET_MS)}, sum(flops) FROM ${src}
      AND received_at IS NOT NULL AND flops > 0 GROUP BY 1, 2, 3
    ON CONFLICT (batch_id, project_id, received_second) DO UPDATE SET flops = activity_flops.flops + excluded.flops`,
];

/**
 * Folds up to `limit` of the oldest activity deltas, then drops the rows that hold nothing and those that left the
 * window before `now` (by more than the margin); returns how many deltas it folded. On Postgres one statement
 * deletes the deltas and adds them, so a delta committed meanwhile is neither lost nor added twice, and a second
 * coordinator folding at once skips the rows this one took; a row one fold empties while another adds to it is
 * deleted only if it is still empty once the other commits (the delete re-reads a row it waited for).
 */
export async function foldActivityDeltas(q: Queryable, dialect: Dialect, limit: number, now: number): Promise<number> {
  const folded = dialect === 'postgres' ? await foldPostgres(q, limit) : await foldSqlite(q, limit);
  // Only a fold empties a row; only time expires one.
  if (folded > 0) {
    await q.run('DELETE FROM activity_holding WHERE replicas = 0');
    await q.run('DELETE FROM activity_deadlines WHERE replicas = 0');
  }
  const since = windowStart(now) - EXPIRY_MARGIN_MS;
  await q.run('DELETE FROM activity_returned WHERE last_at < ?', [since]);
  await q.run('DELETE FROM activity_flops WHERE received_second < ?', [since]);
  return folded;
}

async function foldPostgres(q: Queryable, limit: number): Promise<number> {
  const added = upserts('gone WHERE true').map((sql, i) => `a${i} AS (${sql} RETURNING 1)`);
  const row = await q.get<{ n: unknown }>(
    `WITH gone AS (DELETE FROM activity_deltas WHERE id IN (SELECT id FROM activity_deltas ORDER BY id LIMIT ?)
        RETURNING ${DELTA_COLUMNS}), ${added.join(', ')}
      SELECT (SELECT count(*) FROM gone) AS n`,
    [limit],
  );
  return Number(row?.n ?? 0);
}

/** SQLite: the caller's transaction holds the only writer, so the sums and the delete of one range agree. */
async function foldSqlite(q: Queryable, limit: number): Promise<number> {
  const last = await q.get<{ id: unknown }>(
    'SELECT max(id) AS id FROM (SELECT id FROM activity_deltas ORDER BY id LIMIT ?)',
    [limit],
  );
  if (last?.id === null || last?.id === undefined) return 0;
  const upTo = [Number(last.id)];
  for (const sql of upserts('activity_deltas WHERE id <= ?')) await q.run(sql, upTo);
  return (await q.run('DELETE FROM activity_deltas WHERE id <= ?', upTo)).changes;
}
