/**
 * @module server/store/sql/activity-figures
 * The status page's activity figures per project and in total, read from the tables activity-counts.ts keeps plus
 * the deltas not yet folded: a read touches rows per host active in the window and per minute of deadlines, never
 * `replicas` or `work_units`. Each figure is one statement, so on Postgres it sees one snapshot: a fold committed
 * meanwhile is either wholly in it or wholly not.
 */
import type { Queryable } from './db.ts';
import { DEADLINE_BUCKET_MS } from './activity-counts.ts';
import { ACTIVE_WINDOW_MS, type Activity, windowStart } from './research-progress.ts';

/** The totals over all projects (the demo's work included). */
export type ActivityTotals = Pick<Activity, 'activeHosts' | 'activeVolunteers' | 'gflops'>;

export interface ActivityFigures {
  /** By project id (0: the coordinator's own demo work); a project with no activity has no entry. */
  projects: Map<number, Activity>;
  totals: ActivityTotals;
}

/** The project id of the totals' row in the query below (project ids start at 0). */
const ALL = -1;
const n = (v: unknown) => Number(v ?? 0);

/** Replicas out per project, host and volunteer, folded and not. */
const HELD = `SELECT project_id, host_id, volunteer_id, sum(replicas) AS replicas
  FROM (SELECT project_id, host_id, volunteer_id, replicas FROM activity_holding
    UNION ALL SELECT project_id, host_id, volunteer_id, held FROM activity_deltas WHERE held <> 0) t
  GROUP BY project_id, host_id, volunteer_id HAVING sum(replicas) > 0`;

/** Who holds a replica or returned a result since the window's start (both parameters). */
const ACTIVE = `SELECT project_id, host_id, volunteer_id FROM held
  UNION ALL SELECT project_id, host_id, volunteer_id FROM activity_returned WHERE last_at >= ?
  UNION ALL SELECT project_id, host_id, volunteer_id FROM activity_deltas WHERE received_at >= ?`;

/** Host 0 and volunteer 0 stand for none (the triggers' coalesce); the recount's count(DISTINCT) skips NULL. */
const distinct = (column: string) => `count(DISTINCT CASE WHEN ${column} > 0 THEN ${column} END)`;

async function people(q: Queryable, since: number) {
  return q.all<Record<string, unknown>>(
    `WITH held AS (${HELD}), active AS (${ACTIVE}),
      holding AS (SELECT project_id, sum(replicas) AS replicas, ${distinct('host_id')} AS hosts FROM held
        GROUP BY project_id)
    SELECT a.project_id, ${distinct('a.host_id')} AS hosts, ${distinct('a.volunteer_id')} AS volunteers,
        max(h.replicas) AS in_flight, max(h.hosts) AS holding
      FROM active a LEFT JOIN holding h ON h.project_id = a.project_id GROUP BY a.project_id
    UNION ALL SELECT ${ALL}, ${distinct('host_id')}, ${distinct('volunteer_id')}, 0, 0 FROM active`,
    [since, since],
  );
}

/** The start of the earliest minute with a replica due in it, per project. */
async function nextDeadlines(q: Queryable) {
  return q.all<{ project_id: unknown; due_minute: unknown }>(
    `SELECT project_id, min(due_minute) AS due_minute FROM (
        SELECT project_id, due_minute FROM (
          SELECT project_id, due_minute, replicas FROM activity_deadlines
          UNION ALL SELECT project_id, CAST(deadline / ${DEADLINE_BUCKET_MS} AS BIGINT) * ${DEADLINE_BUCKET_MS},
            held FROM activity_deltas WHERE held <> 0 AND deadline IS NOT NULL) t
        GROUP BY project_id, due_minute HAVING sum(replicas) > 0) due
      GROUP BY project_id`,
  );
}

/** The FLOPs of the results received since the window's start, per project. */
async function flops(q: Queryable, since: number) {
  return q.all<{ project_id: unknown; flops: unknown }>(
    `SELECT project_id, sum(flops) AS flops FROM (
        SELECT project_id, flops FROM activity_flops WHERE received_second >= ?
        UNION ALL SELECT project_id, flops FROM activity_deltas WHERE received_at >= ?) t
      GROUP BY project_id`,
    [since, since],
  );
}

const gflopsOf = (f: number) => f / (ACTIVE_WINDOW_MS / 1000) / 1e9;
/** A project's figures while nothing of it is out or returned in the window. */
export const idleActivity = (): Activity => ({
  replicasInFlight: 0,
  hostsHolding: 0,
  nextDeadline: null,
  activeHosts: 0,
  activeVolunteers: 0,
  gflops: 0,
});

/**
 * Every project's activity at `now`, as research-progress.ts's activity counts it over `replicas`, but for the next
 * deadline: the start of the minute it falls in.
 * @example const { projects, totals } = await activityFigures(db, Date.now()); projects.get(0)?.activeHosts;
 */
export async function activityFigures(q: Queryable, now: number): Promise<ActivityFigures> {
  const since = windowStart(now);
  const projects = new Map<number, Activity>();
  const of = (id: unknown) => projects.get(n(id)) ?? projects.set(n(id), idleActivity()).get(n(id))!;
  const totals: ActivityTotals = { activeHosts: 0, activeVolunteers: 0, gflops: 0 };
  for (const r of await people(q, since)) {
    const [activeHosts, activeVolunteers] = [n(r['hosts']), n(r['volunteers'])];
    if (n(r['project_id']) === ALL) Object.assign(totals, { activeHosts, activeVolunteers });
    else
      Object.assign(of(r['project_id']), {
        activeHosts,
        activeVolunteers,
        replicasInFlight: n(r['in_flight']),
        hostsHolding: n(r['holding']),
      });
  }
  for (const r of await nextDeadlines(q)) of(r.project_id).nextDeadline = n(r.due_minute);
  let all = 0;
  for (const r of await flops(q, since)) {
    of(r.project_id).gflops = gflopsOf(n(r.flops));
    all += n(r.flops);
  }
  totals.gflops = gflopsOf(all);
  return { projects, totals };
}

/**
 * One batch's activity at `now`, as research-progress.ts's activity counts it over the batch's replicas, but for the
 * next deadline: the start of the minute it falls in. One statement over the batch's rows (read by their key, the
 * batch first) and the deltas not yet folded; never `replicas` or `work_units`. Its active hosts are exact: each
 * host's last result in the batch is kept (`activity_returned`, expired a minute after it left the window), so the
 * distinct count is over the batch's hosts active in the window, not over its replicas.
 * @example const { replicasInFlight, activeHosts, gflops } = await batchActivity(db, batchId, Date.now());
 */
export async function batchActivity(q: Queryable, batchId: number, now: number): Promise<Activity> {
  const since = windowStart(now);
  const row = await q.get<Record<string, unknown>>(
    `WITH held AS (SELECT host_id, volunteer_id, sum(replicas) AS replicas
        FROM (SELECT host_id, volunteer_id, replicas FROM activity_holding WHERE batch_id = ?
          UNION ALL SELECT host_id, volunteer_id, held FROM activity_deltas WHERE batch_id = ? AND held <> 0) t
        GROUP BY host_id, volunteer_id HAVING sum(replicas) > 0),
      active AS (SELECT host_id, volunteer_id FROM held
        UNION ALL SELECT host_id, volunteer_id FROM activity_returned WHERE batch_id = ? AND last_at >= ?
        UNION ALL SELECT host_id, volunteer_id FROM activity_deltas WHERE batch_id = ? AND received_at >= ?),
      due AS (SELECT due_minute FROM (
          SELECT due_minute, replicas FROM activity_deadlines WHERE batch_id = ?
          UNION ALL SELECT CAST(deadline / ${DEADLINE_BUCKET_MS} AS BIGINT) * ${DEADLINE_BUCKET_MS}, held
            FROM activity_deltas WHERE batch_id = ? AND held <> 0 AND deadline IS NOT NULL) t
        GROUP BY due_minute HAVING sum(replicas) > 0)
    SELECT (SELECT sum(replicas) FROM held) AS in_flight, (SELECT ${distinct('host_id')} FROM held) AS holding,
      (SELECT min(due_minute) FROM due) AS next_deadline,
      (SELECT ${distinct('host_id')} FROM active) AS hosts,
      (SELECT ${distinct('volunteer_id')} FROM active) AS volunteers,
      (SELECT sum(flops) FROM (SELECT flops FROM activity_flops WHERE batch_id = ? AND received_second >= ?
        UNION ALL SELECT flops FROM activity_deltas WHERE batch_id = ? AND received_at >= ?) f) AS flops`,
    [batchId, batchId, batchId, since, batchId, since, batchId, batchId, batchId, since, batchId, since],
  );
  const next = row?.['next_deadline'];
  return {
    replicasInFlight: n(row?.['in_flight']),
    hostsHolding: n(row?.['holding']),
    nextDeadline: next === null || next === undefined ? null : n(next),
    activeHosts: n(row?.['hosts']),
    activeVolunteers: n(row?.['volunteers']),
    gflops: gflopsOf(n(row?.['flops'])),
  };
}
