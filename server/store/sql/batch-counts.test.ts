import { describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { batchTestbed, T } from './batch-testbed.ts';
import { drain } from '../../testing/drain.ts';
import { failure, honest, wrong } from '../../testing/results.ts';
import { batchCountSeeds, batchUnitCounts } from './batch-counts.ts';
import { unitCounts } from './research-progress.ts';
import { migrate } from './schema.ts';

const DAY = 86_400_000;
/** The migration that keys the kept counts by batch (schema.ts). */
const BATCH_COUNTS_MIGRATION = 26;

/** Each batch's kept unit counts (issue 18, item 1) against a full recount of its units, on both engines. */
describe.each(backends)('batch counts on $name', ({ name, available }) => {
  const bed = batchTestbed({ name, available });
  const { start, batchIds, host, work, batches } = bed;

  /** Every batch's units counted over `work_units`, as the dashboard did before. */
  async function recount() {
    const out: Record<number, unknown> = {};
    for (const id of await batchIds())
      out[id] = await unitCounts(bed.fresh.db, { where: 'u.batch_id = ?', params: [id] });
    return out;
  }
  async function counted() {
    const out: Record<number, unknown> = {};
    for (const id of await batchIds()) out[id] = await batchUnitCounts(bed.fresh.db, id);
    return out;
  }
  /** Valid and invalid results, errors, a cancelled batch, timeouts and replicas still out. */
  async function mixedWorkload(check: () => Promise<void>) {
    const { doomedLab, doomed } = await batches();
    for (const behave of [honest, honest, wrong, failure, honest, failure]) {
      await work(await host(T), behave, T);
      await check();
    }
    expect(await bed.fresh.store.issueReplicas(await host(T), 4, T)).toHaveLength(4);
    expect(await bed.fresh.stores.research.cancelBatch(doomedLab, doomed, T)).toBeGreaterThan(0);
    await check();
    // The silent host's deadlines pass: its replicas time out and go to others.
    await drain(bed.fresh.store, T + 10 * DAY);
    await work(await host(T + 10 * DAY), honest, T + 10 * DAY);
    expect(await bed.fresh.store.issueReplicas(await host(T + 10 * DAY), 2, T + 10 * DAY)).toHaveLength(2);
  }
  /** Every kind of unit occurred, so a comparison was not of zeros. */
  function expectEveryKind(figures: Record<number, unknown>) {
    const all = Object.values(figures) as Record<string, number>[];
    for (const kind of ['waiting', 'inProgress', 'validated', 'failed'])
      expect(
        all.reduce((n, b) => n + b[kind]!, 0),
        kind,
      ).toBeGreaterThan(0);
  }

  test('default: each batch equals a recount after a mixed workload, folded or not, by concurrent folds', async () => {
    await start();
    const fold = () => bed.fresh.store.foldStatusCounts(3);
    await mixedWorkload(async () => {
      // Fold part of the changes now and then: a read adds the rest.
      await fold();
      expect(await counted()).toEqual(await recount());
    });
    const expected = await recount();
    expectEveryKind(expected);
    expect(await counted()).toEqual(expected);
    // The dashboard's route reads them.
    const { lab, a } = (await bed.fresh.db.get<{ lab: unknown; a: unknown }>(
      "SELECT project_id AS lab, id AS a FROM batches WHERE name = 'a'",
    ))!;
    const progress = await bed.fresh.stores.research.batchProgress(Number(lab), Number(a), T + 10 * DAY);
    expect(progress?.units).toEqual(expected[Number(a)]);

    // Folded to the end by three folds at once (on Postgres, three connections, as coordinators would): nothing
    // left to fold, the same figures, and the status page's project figures are their sums.
    while ((await Promise.all([fold(), fold(), fold()])).some((n) => n > 0));
    expect(Number((await bed.fresh.db.get<{ c: unknown }>('SELECT count(*) AS c FROM status_deltas'))?.c)).toBe(0);
    expect(await counted()).toEqual(expected);
    const { projects } = await bed.fresh.stores.research.publicStatus(T + 10 * DAY);
    const labStatus = projects.find((p) => p.name === 'lab')!;
    expect(labStatus.batches).toBe(2);
    const labBatches = await bed.fresh.db.all<{ id: unknown }>('SELECT id FROM batches WHERE project_id = ?', [
      Number(lab),
    ]);
    expect(labStatus.units.total).toBe(
      labBatches.reduce((n, b) => n + (expected[Number(b.id)] as { total: number }).total, 0),
    );
  });

  test('behavior: the upgrade counts the batches already there, the deltas not yet folded included', async () => {
    // A coordinator before the migration: work done, part of it folded by project, the rest waiting as deltas.
    await start(BATCH_COUNTS_MIGRATION - 1);
    const { doomedLab, doomed } = await batches();
    for (const behave of [honest, honest, wrong, failure]) await work(await host(T), behave, T);
    expect(await bed.fresh.store.issueReplicas(await host(T), 4, T)).toHaveLength(4);
    expect(await bed.fresh.stores.research.cancelBatch(doomedLab, doomed, T)).toBeGreaterThan(0);
    await bed.fresh.db.run(
      `INSERT INTO status_counts (project_id, batches, units, validated, failed, in_progress)
        SELECT project_id, sum(batches), sum(units), sum(validated), sum(failed), sum(in_progress) FROM status_deltas
        WHERE id <= (SELECT min(id) + 5 FROM status_deltas) GROUP BY project_id`,
    );
    await bed.fresh.db.run('DELETE FROM status_deltas WHERE id <= (SELECT min(id) + 5 FROM status_deltas)');
    await migrate(bed.fresh.db);
    const figures = await recount();
    expectEveryKind(figures);
    expect(await counted()).toEqual(figures);
    // And the triggers it left count by batch from then on.
    await work(await host(T), honest, T);
    expect(await counted()).toEqual(await recount());
  });

  test('behavior: the seeds take in a whole schema as it stands', async () => {
    // Run on the whole schema (the code writing the workload needs every migration's columns), the kept rows lost.
    await start();
    await mixedWorkload(async () => {});
    await bed.fresh.db.run('DELETE FROM batch_counts');
    await bed.fresh.db.run('UPDATE status_deltas SET batch_id = 0');
    for (const statement of batchCountSeeds) await bed.fresh.db.run(statement);
    expect(await counted()).toEqual(await recount());
  });

  test('behavior: the comparison fails when the trigger that sees units change is dropped', async () => {
    await start();
    await batches();
    await bed.fresh.db.run(
      name === 'sqlite' ? 'DROP TRIGGER status_unit_changed' : 'DROP TRIGGER status_unit_changed ON work_units',
    );
    await work(await host(T), honest, T);
    expect(await counted()).not.toEqual(await recount());
  });

  test('behavior: the comparison fails when a fold loses the deltas it took', async () => {
    await start();
    await batches();
    await work(await host(T), honest, T);
    // What a fold that deleted its rows without adding them would leave.
    await bed.fresh.db.run('DELETE FROM status_deltas WHERE id IN (SELECT max(id) FROM status_deltas)');
    expect(await counted()).not.toEqual(await recount());
  });
});
