import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DEMO_PROJECT_NAME } from '../../../protocol/project-name.ts';
import { backends } from '../../testing/backends.ts';
import { drain } from '../../testing/drain.ts';
import { honest, wrong } from '../../testing/results.ts';
import { freshStore } from '../../testing/store-fixture.ts';
import { tinyUnits } from '../../testing/tiny-units.ts';
import type { Stores } from '../stores.ts';
import type { IssuedReplica, ResultToRecord } from '../types.ts';
import type { Db } from './db.ts';
import { unitCounts } from './research-progress.ts';

const failure = (r: IssuedReplica): ResultToRecord => ({
  status: 'error',
  token: r.token,
  elapsedMs: 1,
  error: { name: 'KernelError', message: 'out of memory' },
});

/** The status page's counts (issue 18, item 1) against a full recount, after work of every kind. */
describe.each(backends)('status counts on $name', ({ name, available }) => {
  let stores: Stores;
  let db: Db;
  let cleanup = async () => {};
  let tokens = 0;
  const now = 1_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ stores, db, cleanup } = await freshStore(name, () => 0));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  /** Each project's batches and units counted over the whole tables, as the status page did before. */
  async function recount(): Promise<Record<string, unknown>> {
    const projects = await db.all<{ id: number; name: string }>('SELECT id, name FROM projects ORDER BY id');
    const sets = [
      { key: DEMO_PROJECT_NAME, where: 'project_id IS NULL', params: [] as number[] },
      ...projects.map((p) => ({ key: p.name, where: 'project_id = ?', params: [Number(p.id)] })),
    ];
    const out: Record<string, unknown> = {};
    for (const { key, where, params } of sets) {
      const batches = await db.get<{ c: unknown }>(`SELECT count(*) AS c FROM batches WHERE ${where}`, params);
      if (key === DEMO_PROJECT_NAME && Number(batches?.c) === 0) continue;
      const units = await unitCounts(db, { where: `u.batch_id IN (SELECT id FROM batches WHERE ${where})`, params });
      out[key] = { batches: Number(batches?.c), units };
    }
    return out;
  }
  async function counted(): Promise<Record<string, unknown>> {
    const { projects } = await stores.research.publicStatus(now);
    return Object.fromEntries(projects.map((p) => [p.name, { batches: p.batches, units: p.units }]));
  }

  test('default: the counts equal a full recount after a mixed workload, folded or not', async () => {
    const store = stores.work;
    const host = () => store.createHost({ tokenHash: `status-${++tokens}`, now });
    const project = async (projectName: string) =>
      (await stores.research.createProject({ name: projectName, researcherName: 'ada', keyHash: projectName, now }))
        .projectId;
    const [lab, idle, cancelled] = [await project('lab'), await project('idle'), await project('cancelled')];
    expect(idle).toBeGreaterThan(0);
    await store.createBatch({ app: 'signal-search', name: 'demo', units: tinyUnits(10), now });
    await stores.research.createProjectBatch({
      projectId: lab,
      app: 'signal-search',
      name: 'a',
      units: tinyUnits(8),
      now,
    });
    const doomed = await stores.research.createProjectBatch({
      projectId: cancelled,
      app: 'signal-search',
      name: 'c',
      units: tinyUnits(6),
      now,
    });
    expect(await counted()).toEqual(await recount());

    // Honest pairs validate some units, a liar's results go invalid, errors pile up, one host never returns.
    const behaviours = [honest, honest, wrong, failure, honest, failure];
    for (const behave of behaviours) {
      const h = await host();
      const work = await store.issueReplicas(h, 4, now);
      await store.recordResults(h, work.map(behave), now);
      await drain(store, now);
      // Fold part of the changes now and then: a read adds the rest.
      await store.foldStatusCounts(3);
      expect(await counted()).toEqual(await recount());
    }
    const silent = await host();
    expect(await store.issueReplicas(silent, 4, now)).toHaveLength(4);
    expect(await stores.research.cancelBatch(cancelled, doomed, now)).toBeGreaterThan(0);
    // Its deadlines pass: its replicas time out and go to others.
    await drain(store, now + 10 * 86_400_000);
    const late = await host();
    const work = await store.issueReplicas(late, 8, now + 10 * 86_400_000);
    await store.recordResults(late, work.map(honest), now + 10 * 86_400_000);
    await drain(store, now + 10 * 86_400_000);
    // And some replicas still out at the end.
    expect(await store.issueReplicas(await host(), 2, now + 10 * 86_400_000)).toHaveLength(2);

    const expected = await recount();
    expect(await counted()).toEqual(expected);
    // Every kind of unit occurred, so the comparison was not of zeros.
    const all = Object.values(expected) as { units: Record<string, number> }[];
    for (const kind of ['waiting', 'inProgress', 'validated', 'failed'])
      expect(
        all.reduce((n, p) => n + p.units[kind]!, 0),
        kind,
      ).toBeGreaterThan(0);

    // Folded to the end: nothing left to fold, the same figures.
    while ((await store.foldStatusCounts(5)) > 0);
    expect(Number((await db.get<{ c: unknown }>('SELECT count(*) AS c FROM status_deltas'))?.c)).toBe(0);
    expect(await counted()).toEqual(expected);
  });
});
