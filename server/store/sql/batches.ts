/**
 * @module server/store/sql/batches
 * Creates a batch and its units, each with target_nresults unsent replicas, for the coordinator's own batches and
 * for a project's alike, in a few statements per thousand units.
 */
import type { AppName, NewWorkUnit } from '../types.ts';
import type { Queryable } from './db.ts';
import { bulkInsert, inSlices, type Dialect } from './bulk.ts';
import { DEFAULT_MEMORY_MB } from './host-speed.ts';

/** Parameters per statement stay well under SQLite's limit of 32,766. */
const UNITS_PER_STATEMENT = 1_000;

const unitColumns = {
  batch_id: 'bigint',
  project_id: 'bigint',
  app: 'text',
  input: 'text',
  flops_estimate: 'double',
  min_quorum: 'bigint',
  target_nresults: 'bigint',
  max_error_results: 'bigint',
  max_total_results: 'bigint',
  delay_bound_s: 'bigint',
  requested_quorum: 'bigint',
  requested_target: 'bigint',
  need_webgpu: 'bigint',
  need_memory_mb: 'bigint',
  created_at: 'bigint',
} as const;

export async function insertBatch(
  q: Queryable,
  dialect: Dialect,
  {
    projectId,
    app,
    name,
    units,
    now,
  }: { projectId: number | null; app: AppName; name: string; units: readonly NewWorkUnit[]; now: number },
): Promise<number> {
  const batch = (await q.get<{ id: number }>(
    'INSERT INTO batches (app, name, created_at, project_id) VALUES (?, ?, ?, ?) RETURNING id',
    [app, name, now, projectId],
  ))!;
  const batchId = Number(batch.id);
  await insertUnits(q, dialect, { batchId, projectId, app, units, now, after: 0 });
  return batchId;
}

/**
 * Adds units to a batch, each with its target_nresults unsent replicas: a new batch's, or (a training job's rounds)
 * more of an existing one's. `after` is the batch's largest unit id before (0 for a new batch).
 */
export async function insertUnits(
  q: Queryable,
  dialect: Dialect,
  {
    batchId,
    projectId,
    app,
    units,
    now,
    after,
  }: {
    batchId: number;
    projectId: number | null;
    app: AppName;
    units: readonly NewWorkUnit[];
    now: number;
    after: number;
  },
): Promise<void> {
  await inSlices(units, UNITS_PER_STATEMENT, (slice) =>
    bulkInsert(
      q,
      dialect,
      'work_units',
      unitColumns,
      slice.map((u) => [
        batchId,
        projectId ?? 0,
        app,
        JSON.stringify(u.job.input),
        u.flopsEstimate,
        u.minQuorum,
        u.targetNresults,
        u.maxErrorResults,
        u.maxTotalResults,
        u.delayBoundS,
        u.minQuorum,
        u.targetNresults,
        Number(u.needs?.webgpu ?? false),
        u.needs?.memoryMb ?? DEFAULT_MEMORY_MB,
        now,
      ]),
    ),
  );
  // Each unit's replicas, adjacent and in unit order, so the scheduler sends the oldest units first.
  const most = units.reduce((m, u) => Math.max(m, u.targetNresults), 0);
  if (most > 0) {
    await q.run(
      `WITH n(k) AS (VALUES ${Array.from({ length: most }, (_, i) => `(${i + 1})`).join(', ')})
        INSERT INTO replicas (work_unit_id, app, project_id)
        SELECT u.id, u.app, u.project_id FROM work_units u JOIN n ON n.k <= u.target_nresults
        WHERE u.batch_id = ? AND u.id > ? ORDER BY u.id, n.k`,
      [batchId, after],
    );
  }
}
