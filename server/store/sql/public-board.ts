/**
 * @module server/store/sql/public-board
 * What anyone may read: each project's status (the demo's too, as "Terraflop demo"), the totals over all work, and
 * the leaderboards of volunteers (with a volunteer's own line wherever they rank) and of partner sites.
 */
import { decayed } from '../../credit/rac.ts';
import { DEMO_PROJECT, DEMO_PROJECT_NAME, projectShortName } from '../../../protocol/project-name.ts';
import type { Leaderboard, ProjectStatus, PublicStatus } from '../../../protocol/research.ts';
import { activityFigures, idleActivity } from './activity-figures.ts';
import type { Queryable } from './db.ts';
import { type CountedProject, statusCounts } from './batch-counts.ts';

/** The status counts' and activity figures' key of the coordinator's own batches (project_id 0: no project). */
const DEMO_KEY = 0;
/**
 * Every project's status. The unit and batch counts are kept as units change (status-counts.ts), the activity
 * figures as replicas do (activity-counts.ts): a refresh reads neither `work_units` nor `replicas`.
 */
export async function publicStatus(q: Queryable, now: number): Promise<PublicStatus> {
  const projects = await q.all<{ id: number; name: string }>('SELECT id, name FROM projects ORDER BY id');
  const counted = await statusCounts(q);
  const activity = await activityFigures(q, now);
  const none = { batches: 0, units: { total: 0, waiting: 0, inProgress: 0, validated: 0, failed: 0 } };
  const status = (shortName: string, name: string, { batches, units }: CountedProject, id: number): ProjectStatus => ({
    shortName,
    name,
    batches,
    units,
    ...(activity.projects.get(id) ?? idleActivity()),
  });
  const rows: ProjectStatus[] = [];
  // The demo first: on a young coordinator it does most of the work, and the totals below count it.
  const demo = counted.get(DEMO_KEY);
  if (demo && demo.batches > 0) rows.push(status(DEMO_PROJECT, DEMO_PROJECT_NAME, demo, DEMO_KEY));
  for (const p of projects) {
    const id = Number(p.id);
    rows.push(status(projectShortName(p.name), p.name, counted.get(id) ?? none, id));
  }
  return { projects: rows, totals: activity.totals, at: now };
}

interface CreditRow {
  id: number;
  name: string;
  total_credit: number;
  rac: number;
  rac_time: number;
}

const entry = (r: CreditRow, rank: number, now: number) => ({
  rank,
  volunteerId: Number(r.id),
  name: r.name,
  totalCredit: Number(r.total_credit),
  recentAverageCredit: decayed({ value: Number(r.rac), time: Number(r.rac_time) }, now),
});

/** Volunteers by total credit (ties by who joined first), partner sites likewise, and `you`'s own line. */
export async function leaderboard(q: Queryable, limit: number, now: number, you?: number): Promise<Leaderboard> {
  const rows = await q.all<CreditRow>(
    `SELECT id, name, total_credit, rac, rac_time FROM volunteers WHERE total_credit > 0
      ORDER BY total_credit DESC, id LIMIT ?`,
    [limit],
  );
  return {
    volunteers: rows.map((r, i) => entry(r, i + 1, now)),
    partners: await partners(q, limit, now),
    ...(you !== undefined && { you: await ownLine(q, you, now) }),
  };
}

/** A volunteer's line: their rank counts those with more credit, or the same and an older account. */
async function ownLine(q: Queryable, volunteerId: number, now: number) {
  const row = await q.get<CreditRow>('SELECT id, name, total_credit, rac, rac_time FROM volunteers WHERE id = ?', [
    volunteerId,
  ]);
  if (!row) return null;
  if (!(Number(row.total_credit) > 0)) return { ...entry(row, 0, now), rank: null };
  const ahead = await q.get<{ c: unknown }>(
    'SELECT count(*) AS c FROM volunteers WHERE total_credit > ? OR (total_credit = ? AND id < ?)',
    [row.total_credit, row.total_credit, volunteerId],
  );
  return entry(row, Number(ahead?.c ?? 0) + 1, now);
}

/** Partner sites by their hosts' credit; recent average decayed per host, then summed. */
async function partners(q: Queryable, limit: number, now: number) {
  const top = await q.all<{ partner: string; hosts: unknown; credit: unknown }>(
    `SELECT partner, count(*) AS hosts, sum(total_credit) AS credit FROM hosts WHERE partner IS NOT NULL
      GROUP BY partner HAVING sum(total_credit) > 0 ORDER BY 3 DESC, 1 LIMIT ?`,
    [limit],
  );
  const entries = [];
  for (const [i, p] of top.entries()) {
    const hosts = await q.all<{ rac: number; rac_time: number }>('SELECT rac, rac_time FROM hosts WHERE partner = ?', [
      p.partner,
    ]);
    const recent = hosts.reduce((sum, h) => sum + decayed({ value: Number(h.rac), time: Number(h.rac_time) }, now), 0);
    entries.push({
      rank: i + 1,
      name: p.partner,
      hosts: Number(p.hosts),
      totalCredit: Number(p.credit),
      recentAverageCredit: recent,
    });
  }
  return entries;
}
