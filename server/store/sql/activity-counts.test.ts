import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { drain } from '../../testing/drain.ts';
import { failure, honest, wrong } from '../../testing/results.ts';
import { freshStore } from '../../testing/store-fixture.ts';
import { tinyUnits } from '../../testing/tiny-units.ts';
import type { Store } from '../store.ts';
import type { Stores } from '../stores.ts';
import type { Host, IssuedReplica, ResultToRecord } from '../types.ts';
import { activitySeeds, DEADLINE_BUCKET_MS } from './activity-counts.ts';
import type { Db } from './db.ts';
import { ACTIVE_WINDOW_MS, type Activity, activity } from './research-progress.ts';
import { statusSets } from './status-recount.ts';

/** Where the activity figures are kept, folded or not. */
const ACTIVITY_TABLES = [
  'activity_deltas',
  'activity_holding',
  'activity_deadlines',
  'activity_returned',
  'activity_flops',
];

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The figures compared: the next deadline by its minute (the one rounding activity-counts.ts documents), GFLOPS to
 * twelve digits (the same FLOPs summed in another order).
 */
const comparable = (a: Partial<Activity>) => ({
  ...a,
  gflops: Number(a.gflops!.toPrecision(12)),
  ...(a.nextDeadline !== undefined && {
    nextDeadline: a.nextDeadline === null ? null : Math.floor(a.nextDeadline / DEADLINE_BUCKET_MS) * DEADLINE_BUCKET_MS,
  }),
});

/** The status page's activity figures (issue 18, item 1) against a full recount over `replicas`. */
describe.each(backends)('activity figures on $name', ({ name, available }) => {
  let stores: Stores;
  let store: Store;
  let db: Db;
  let cleanup = async () => {};
  let tokens = 0;
  const T = 1_000_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ stores, store, db, cleanup } = await freshStore(name, () => 0));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  /** Each project's activity and the totals, read over `replicas` as the status page did before. */
  async function recount(at: number) {
    const out: Record<string, unknown> = {};
    for (const { name, units } of await statusSets(db)) out[name] = comparable(await activity(db, units, at));
    const { activeHosts, activeVolunteers, gflops } = await activity(db, { where: '1 = 1', params: [] }, at);
    return { projects: out, totals: comparable({ activeHosts, activeVolunteers, gflops }) };
  }
  async function counted(at: number) {
    const { projects, totals } = await stores.research.publicStatus(at);
    const figures = (p: Activity) =>
      comparable({
        replicasInFlight: p.replicasInFlight,
        hostsHolding: p.hostsHolding,
        nextDeadline: p.nextDeadline,
        activeHosts: p.activeHosts,
        activeVolunteers: p.activeVolunteers,
        gflops: p.gflops,
      });
    return { projects: Object.fromEntries(projects.map((p) => [p.name, figures(p)])), totals: comparable(totals) };
  }
  const host = (now: number) => store.createHost({ tokenHash: `activity-${++tokens}`, now });
  const work = async (h: Host, behave: (r: IssuedReplica) => ResultToRecord, now: number) => {
    const issued = await store.issueReplicas(h, 4, now);
    await store.recordResults(h, issued.map(behave), now);
    await drain(store, now);
  };
  async function mixedWorkload() {
    const project = async (projectName: string) =>
      (await stores.research.createProject({ name: projectName, researcherName: 'ada', keyHash: projectName, now: T }))
        .projectId;
    const [lab, cancelled] = [await project('lab'), await project('cancelled')];
    await project('idle');
    await store.createBatch({ app: 'signal-search', name: 'demo', units: tinyUnits(12), now: T });
    const batch = { app: 'signal-search', now: T } as const;
    await stores.research.createProjectBatch({ ...batch, projectId: lab, name: 'a', units: tinyUnits(10) });
    const doomed = await stores.research.createProjectBatch({
      ...batch,
      projectId: cancelled,
      name: 'c',
      units: tinyUnits(6),
    });
    return { cancelled, doomed };
  }

  test('default: the figures equal a full recount after a mixed workload, folded or not, as time goes', async () => {
    const { cancelled, doomed } = await mixedWorkload();
    // A host takes work of the project about to be cancelled (first in the queue: the scheduler reads priorities
    // when it first serves, at most once a second after).
    await db.run('UPDATE projects SET priority = 1 WHERE id = ?', [cancelled]);
    expect((await store.issueReplicas(await host(T), 4, T)).length).toBeGreaterThan(0);
    expect(await counted(T)).toEqual(await recount(T));
    expect((await counted(T)).projects['cancelled']?.replicasInFlight).toBeGreaterThan(0);

    // Honest pairs validate, a liar's results go invalid, errors come back; a minute apart, so the window cuts them.
    const behaviours = [honest, honest, wrong, failure, honest, failure];
    for (const [i, behave] of behaviours.entries()) {
      const at = T + i * MINUTE;
      await work(await host(at), behave, at);
      // Fold part of the changes now and then: a read adds the rest.
      await store.foldActivity(3, at);
      expect(await counted(at)).toEqual(await recount(at));
    }
    // A host moved to another volunteer works for them: hosts and volunteers are counted apart.
    const first = await host(T);
    await store.createLinkCode(first.volunteerId, 'code', T + DAY);
    const moved = await host(T);
    expect(await store.redeemLinkCode(moved.id, 'code', T + 7 * MINUTE)).toBe(first.volunteerId);
    await work(moved, honest, T + 7 * MINUTE);
    await work(first, honest, T + 7 * MINUTE);
    // The cancelled batch takes back what that host holds of it; a silent host keeps four.
    expect((await counted(T + 8 * MINUTE)).projects['cancelled']?.replicasInFlight).toBeGreaterThan(0);
    expect(await stores.research.cancelBatch(cancelled, doomed, T + 8 * MINUTE)).toBeGreaterThan(0);
    expect((await counted(T + 8 * MINUTE)).projects['cancelled']?.replicasInFlight).toBe(0);
    expect(await store.issueReplicas(await host(T), 4, T + 8 * MINUTE)).toHaveLength(4);
    const during = await recount(T + 9 * MINUTE);
    expect(await counted(T + 9 * MINUTE)).toEqual(during);
    // Every figure occurred, so the comparison was not of zeros.
    expect([during.totals.activeVolunteers, during.totals.activeHosts, during.totals.gflops]).not.toContain(0);
    expect(during.totals.activeVolunteers).toBeLessThan(during.totals.activeHosts!);
    const projects = Object.values(during.projects) as Activity[];
    expect(projects.some((p) => p.replicasInFlight > p.hostsHolding && p.hostsHolding > 0)).toBe(true);
    expect(projects.some((p) => p.nextDeadline !== null)).toBe(true);

    // The silent host's deadlines pass: its replicas time out and go to others.
    const later = T + 10 * DAY;
    await drain(store, later);
    await work(await host(later), honest, later);
    expect(await store.issueReplicas(await host(later), 2, later)).toHaveLength(2);
    for (const at of [later, later + 5 * MINUTE, later + ACTIVE_WINDOW_MS + 1500])
      expect(await counted(at), String(at - later)).toEqual(await recount(at));

    // Folded to the end, past the window, by three folds at once (on Postgres, three connections, as coordinators
    // would): nothing left to fold, the results that left it expired, the same figures.
    const end = later + ACTIVE_WINDOW_MS + 2 * MINUTE;
    const fold = () => store.foldActivity(5, end);
    while ((await Promise.all([fold(), fold(), fold()])).some((n) => n > 0));
    const left = async (table: string) =>
      Number((await db.get<{ c: unknown }>(`SELECT count(*) AS c FROM ${table}`))?.c);
    expect([await left('activity_deltas'), await left('activity_returned'), await left('activity_flops')]).toEqual([
      0, 0, 0,
    ]);
    const empty = await db.get<{ c: unknown }>('SELECT count(*) AS c FROM activity_holding WHERE replicas <= 0');
    expect(Number(empty?.c)).toBe(0);
    expect(await counted(end)).toEqual(await recount(end));
  });

  test('behavior: the migration takes in the replicas already out and the results already returned', async () => {
    // The store as it stood before the migration: replicas out and results returned, and no activity kept. (Run on
    // the whole schema, since the code writing the workload needs every later migration's columns.)
    await mixedWorkload();
    for (const behave of [honest, honest, failure]) await work(await host(T), behave, T);
    expect(await store.issueReplicas(await host(T), 4, T + MINUTE)).toHaveLength(4);
    for (const table of ACTIVITY_TABLES) await db.run(`DELETE FROM ${table}`);
    for (const statement of activitySeeds) await db.run(statement);
    const figures = await recount(T + 2 * MINUTE);
    expect([figures.totals.activeHosts, figures.totals.gflops]).not.toContain(0);
    expect(await counted(T + 2 * MINUTE)).toEqual(figures);
  });

  test('behavior: the comparison fails when the trigger that sees replicas change is broken', async () => {
    await mixedWorkload();
    await db.run(
      name === 'sqlite' ? 'DROP TRIGGER activity_replica_changed' : 'DROP TRIGGER activity_replica_changed ON replicas',
    );
    await work(await host(T), honest, T);
    expect(await counted(T)).not.toEqual(await recount(T));
  });
});
