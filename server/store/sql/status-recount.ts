/**
 * @module server/store/sql/status-recount
 * The sets of work units the status page shows, for the tests that hold its kept figures (status-counts.ts,
 * activity-counts.ts) to a recount over the whole tables: the coordinator's demo batches (while it has any) and each
 * project's, by the name the page shows.
 */
import { DEMO_PROJECT_NAME } from '../../../protocol/project-name.ts';
import type { Queryable } from './db.ts';
import type { UnitSet } from './research-progress.ts';

export interface StatusSet {
  name: string;
  batches: number;
  /** Its units, as research-progress.ts's recounts take them. */
  units: UnitSet;
}

/** @example for (const { name, units } of await statusSets(db)) out[name] = await unitCounts(db, units); */
export async function statusSets(q: Queryable): Promise<StatusSet[]> {
  const projects = await q.all<{ id: number; name: string }>('SELECT id, name FROM projects ORDER BY id');
  const sets = [
    { name: DEMO_PROJECT_NAME, where: 'project_id IS NULL', params: [] as number[] },
    ...projects.map((p) => ({ name: p.name, where: 'project_id = ?', params: [Number(p.id)] })),
  ];
  const out: StatusSet[] = [];
  for (const { name, where, params } of sets) {
    const batches = Number(
      (await q.get<{ c: unknown }>(`SELECT count(*) AS c FROM batches WHERE ${where}`, params))?.c,
    );
    if (name === DEMO_PROJECT_NAME && batches === 0) continue;
    out.push({ name, batches, units: { where: `u.batch_id IN (SELECT id FROM batches WHERE ${where})`, params } });
  }
  return out;
}
