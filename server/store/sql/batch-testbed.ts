/**
 * @module server/store/sql/batch-testbed
 * What the tests of the per-batch figures kept in the store (batch counts, batch activity and errors) share: a fresh
 * store per test on a backend, hosts that take four replicas and report them as told, and two projects' batches and
 * the demo's, one of them to be cancelled. Each test compares the kept figures with a recount, so the workload is
 * the same for both.
 */
import { afterEach, beforeEach } from 'vitest';
import { drain } from '../../testing/drain.ts';
import { type FreshStore, freshStore } from '../../testing/store-fixture.ts';
import { tinyUnits } from '../../testing/tiny-units.ts';
import type { Host, IssuedReplica, ResultToRecord } from '../types.ts';

/** The epoch milliseconds the workloads start at. */
export const T = 1_000_000_000;

export interface BatchTestbed {
  /** The current test's store (after `start`). */
  readonly fresh: FreshStore;
  /** A fresh store, its schema as migration `upTo` left it where given. */
  start(upTo?: number): Promise<void>;
  batchIds(): Promise<number[]>;
  host(now: number): Promise<Host>;
  /** `h` takes four replicas, reports each as `behave` says, and the passes run. */
  work(h: Host, behave: (r: IssuedReplica) => ResultToRecord, now: number): Promise<void>;
  /** Two projects' batches (a and b in lab, c in doomed) and the demo's. */
  batches(): Promise<{ lab: number; a: number; doomedLab: number; doomed: number }>;
}

/** Registers the enclosing describe's hooks: each test skipped where the backend is missing, its store removed. */
export function batchTestbed({ name, available }: { name: 'sqlite' | 'postgres'; available: boolean }): BatchTestbed {
  let fresh: FreshStore | undefined;
  let tokens = 0;
  beforeEach((ctx) => {
    if (!available) ctx.skip();
  });
  afterEach(async () => {
    await fresh?.cleanup();
    fresh = undefined;
  });
  const bed: BatchTestbed = {
    get fresh() {
      if (!fresh) throw new Error('batchTestbed: start() first');
      return fresh;
    },
    async start(upTo) {
      fresh = await freshStore(name, () => 0, { upTo });
    },
    async batchIds() {
      return (await bed.fresh.db.all<{ id: unknown }>('SELECT id FROM batches ORDER BY id')).map((r) => Number(r.id));
    },
    host: (now) => bed.fresh.store.createHost({ tokenHash: `batch-${++tokens}`, now }),
    async work(h, behave, now) {
      const issued = await bed.fresh.store.issueReplicas(h, 4, now);
      await bed.fresh.store.recordResults(h, issued.map(behave), now);
      await drain(bed.fresh.store, now);
    },
    async batches() {
      const { research, work: store } = bed.fresh.stores;
      const project = async (projectName: string) =>
        (await research.createProject({ name: projectName, researcherName: 'ada', keyHash: projectName, now: T }))
          .projectId;
      const [lab, doomedLab] = [await project('lab'), await project('doomed')];
      await store.createBatch({ app: 'signal-search', name: 'demo', units: tinyUnits(8), now: T });
      const batch = { app: 'signal-search', now: T } as const;
      const a = await research.createProjectBatch({ ...batch, projectId: lab, name: 'a', units: tinyUnits(8) });
      await research.createProjectBatch({ ...batch, projectId: lab, name: 'b', units: tinyUnits(6) });
      const doomed = await research.createProjectBatch({
        ...batch,
        projectId: doomedLab,
        name: 'c',
        units: tinyUnits(6),
      });
      return { lab, a, doomedLab, doomed };
    },
  };
  return bed;
}
