import { describe, expect, test } from 'vitest';
import type { ErrorGroup } from '../../../protocol/research.ts';
import { backends } from '../../testing/backends.ts';
import { batchTestbed, T } from './batch-testbed.ts';
import { drain } from '../../testing/drain.ts';
import { failure, honest, wrong } from '../../testing/results.ts';
import { DEADLINE_BUCKET_MS } from './activity-counts.ts';
import { batchActivity } from './activity-figures.ts';
import { batchErrors } from './batch-errors.ts';
import { ACTIVE_WINDOW_MS, type Activity, activity, errorGroups } from './research-progress.ts';
import { migrate } from './schema.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The migration that keeps the activity and errors by batch (schema.ts). */
const BATCH_ACTIVITY_MIGRATION = 27;

/** The next deadline by its minute (the rounding activity-counts.ts documents), GFLOPS to twelve digits. */
const comparable = (a: Activity) => ({
  ...a,
  gflops: Number(a.gflops.toPrecision(12)),
  nextDeadline: a.nextDeadline === null ? null : Math.floor(a.nextDeadline / DEADLINE_BUCKET_MS) * DEADLINE_BUCKET_MS,
});
const sorted = (groups: ErrorGroup[]) =>
  [...groups].sort((a, b) => a.kind.localeCompare(b.kind) || a.reason.localeCompare(b.reason));

/**
 * Each batch's kept activity and errors (issue 18, item 1; migration 27) against a full recount over its replicas
 * and units (research-progress.ts, what the dashboard's progress read before), on both engines.
 */
describe.each(backends)('batch activity and errors on $name', ({ name, available }) => {
  const bed = batchTestbed({ name, available });
  const { start, batchIds, host, work, batches } = bed;

  /** Every batch's figures counted over `replicas` and `work_units`. */
  async function recount(at: number) {
    const out: Record<number, unknown> = {};
    for (const id of await batchIds()) {
      const set = { where: 'u.batch_id = ?', params: [id] };
      out[id] = {
        ...comparable(await activity(bed.fresh.db, set, at)),
        errors: sorted(await errorGroups(bed.fresh.db, set)),
      };
    }
    return out;
  }
  async function kept(at: number) {
    const out: Record<number, unknown> = {};
    for (const id of await batchIds())
      out[id] = {
        ...comparable(await batchActivity(bed.fresh.db, id, at)),
        errors: sorted(await batchErrors(bed.fresh.db, id)),
      };
    return out;
  }
  const fold = (at: number) => Promise.all([bed.fresh.store.foldActivity(3, at), bed.fresh.store.foldStatusCounts(3)]);
  /**
   * Hosts working at once (on Postgres, each on a connection of its own) while folds run: valid, invalid and error
   * results a minute apart, a cancelled batch, replicas still out, and a silent host's replicas timing out.
   */
  async function mixedWorkload(check: (at: number) => Promise<void>) {
    const { doomedLab, doomed } = await batches();
    const rounds = [
      [honest, honest, wrong],
      [failure, honest, failure],
      [honest, wrong, honest],
    ];
    for (const [i, round] of rounds.entries()) {
      const at = T + i * MINUTE;
      const hosts = await Promise.all(round.map(() => host(at)));
      await Promise.all([...round.map((behave, h) => work(hosts[h]!, behave, at)), fold(at), fold(at)]);
      await check(at);
    }
    // A silent host keeps four; the cancelled batch takes back what is out of it.
    expect(await bed.fresh.store.issueReplicas(await host(T), 4, T + 4 * MINUTE)).toHaveLength(4);
    await check(T + 4 * MINUTE);
    await Promise.all([bed.fresh.stores.research.cancelBatch(doomedLab, doomed, T + 5 * MINUTE), fold(T + 5 * MINUTE)]);
    await check(T + 5 * MINUTE);
    // The deadlines pass: the silent host's replicas time out and go to others.
    const later = T + 10 * DAY;
    await Promise.all([drain(bed.fresh.store, later), fold(later)]);
    const hosts = await Promise.all([host(later), host(later)]);
    await Promise.all([work(hosts[0]!, honest, later), work(hosts[1]!, failure, later), fold(later)]);
    expect(await bed.fresh.store.issueReplicas(await host(later), 2, later)).toHaveLength(2);
    return later;
  }
  /** Every figure occurred in some batch, so the comparison was not of zeros. */
  function expectEveryFigure(figures: Record<number, unknown>) {
    const all = Object.values(figures) as (Activity & { errors: ErrorGroup[] })[];
    for (const figure of ['replicasInFlight', 'hostsHolding', 'activeHosts', 'activeVolunteers', 'gflops'] as const)
      expect(
        all.some((b) => b[figure] > 0),
        figure,
      ).toBe(true);
    expect(all.some((b) => b.nextDeadline !== null)).toBe(true);
    for (const kind of ['unit', 'replica']) expect(all.some((b) => b.errors.some((e) => e.kind === kind))).toBe(true);
  }

  test('default: each batch equals a recount after a concurrent mixed workload, folded or not, over time', async () => {
    await start();
    const later = await mixedWorkload(async (at) => expect(await kept(at)).toEqual(await recount(at)));
    for (const at of [later, later + 5 * MINUTE, later + ACTIVE_WINDOW_MS + 1500])
      expect(await kept(at), String(at - later)).toEqual(await recount(at));
    const during = await recount(later);
    expectEveryFigure(during);
    // The dashboard's route reads them.
    const { lab, a } = (await bed.fresh.db.get<{ lab: unknown; a: unknown }>(
      "SELECT project_id AS lab, id AS a FROM batches WHERE name = 'a'",
    ))!;
    const progress = (await bed.fresh.stores.research.batchProgress(Number(lab), Number(a), later))!;
    const { errors, ...figures } = during[Number(a)] as Activity & { errors: ErrorGroup[] };
    expect(comparable(progress)).toMatchObject(figures);
    expect(sorted(progress.errors)).toEqual(errors);

    // Folded to the end, past the window, by three folds at once: nothing left to fold, the same figures.
    const end = later + ACTIVE_WINDOW_MS + 2 * MINUTE;
    while ((await Promise.all([fold(end), fold(end), fold(end)])).flat().some((n) => n > 0));
    for (const table of ['activity_deltas', 'error_deltas'])
      expect(Number((await bed.fresh.db.get<{ c: unknown }>(`SELECT count(*) AS c FROM ${table}`))?.c), table).toBe(0);
    expect(
      Number((await bed.fresh.db.get<{ c: unknown }>('SELECT count(*) AS c FROM batch_errors WHERE n <= 0'))?.c),
    ).toBe(0);
    expect(await kept(end)).toEqual(await recount(end));
  });

  test('behavior: the upgrade takes in what each batch already holds, returned and failed', async () => {
    // A coordinator before the migration: work done, replicas out, errors; the activity kept by project (dropped
    // by the migration, which counts it again by batch).
    await start(BATCH_ACTIVITY_MIGRATION - 1);
    const { doomedLab, doomed } = await batches();
    for (const behave of [honest, honest, wrong, failure]) await work(await host(T), behave, T);
    expect(await bed.fresh.store.issueReplicas(await host(T), 4, T)).toHaveLength(4);
    expect(await bed.fresh.stores.research.cancelBatch(doomedLab, doomed, T)).toBeGreaterThan(0);
    await migrate(bed.fresh.db);
    const figures = await recount(T + MINUTE);
    expect(await kept(T + MINUTE)).toEqual(figures);
    // And the triggers it left keep them from then on.
    await work(await host(T + MINUTE), failure, T + MINUTE);
    await work(await host(T + MINUTE), honest, T + MINUTE);
    const after = await recount(T + MINUTE);
    expectEveryFigure(after);
    expect(await kept(T + MINUTE)).toEqual(after);
  });

  test.each([
    ['activity_replica_changed', 'replicas'],
    ['errors_replica_changed', 'replicas'],
    ['errors_unit_changed', 'work_units'],
  ])('behavior: the comparison fails when the trigger %s is dropped', async (trigger, table) => {
    await start();
    await bed.fresh.db.run(name === 'sqlite' ? `DROP TRIGGER ${trigger}` : `DROP TRIGGER ${trigger} ON ${table}`);
    await mixedWorkload(async () => {});
    expect(await kept(T + 10 * DAY)).not.toEqual(await recount(T + 10 * DAY));
  });
});
