import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { backends } from '../testing/backends.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { runReference } from '../../worker-kernels/registry.ts';
import type { Db } from './sql/db.ts';
import type { Store } from './store.ts';
import type { IssuedReplica } from './types.ts';
import { DEFAULT_SETTINGS, SqlResearchStore } from './sql/research-store.ts';
import { mulberry32 } from '../../worker-kernels/random.ts';

/** Hosts' token hashes: unique, not random. */
let tokens = 0;

describe.each(backends)('scheduler on $name', ({ name, available }) => {
  let store: Store;
  let db: Db;
  let cleanup = async () => {};
  const now = 5_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, db, cleanup } = await freshStore(name, mulberry32(7)));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  /** A host with a long record, so that its quotas (server/store/quota.ts) are not what these tests are about. */
  const host = async () => {
    const h = await store.createHost({ tokenHash: `t-${++tokens}`, now });
    await db.run("INSERT INTO host_apps (host_id, app, valid) VALUES (?, 'record', 10000)", [h.id]);
    return h;
  };

  test('default: a unit that needs WebGPU or more memory goes only to a host that offers it', async () => {
    await store.createBatch({
      app: 'signal-search',
      name: 'gpu',
      units: tinyUnits(2, { needs: { webgpu: true } }),
      now,
    });
    await store.createBatch({
      app: 'signal-search',
      name: 'big',
      units: tinyUnits(2, { needs: { memoryMb: 4096 } }),
      now,
    });
    const h = await host();
    expect(
      await store.issueReplicas(h, { maxReplicas: 10, capabilities: { webgpu: false, memoryMb: 1024 } }, now),
    ).toEqual([]);
    const gpu = await store.issueReplicas(h, { maxReplicas: 10, capabilities: { webgpu: true, memoryMb: 1024 } }, now);
    expect(gpu).toHaveLength(2);
    const big = await store.issueReplicas(
      await host(),
      { maxReplicas: 10, capabilities: { webgpu: false, memoryMb: 8192 } },
      now,
    );
    expect(big.map((r) => r.workUnitId).sort()).toEqual([3, 4]);
  });

  test('behavior: two hosts on one network never share a unit, whoever their volunteers', async () => {
    await store.createBatch({ app: 'signal-search', name: 'net', units: tinyUnits(3), now });
    const home = '203.0.113.0/24';
    const [a, b, c] = [await host(), await host(), await host()];
    const first = await store.issueReplicas(a, { maxReplicas: 10, network: home }, now);
    expect(first).toHaveLength(3);
    // Asked together or one after the other, the second host on that network gets none of those units.
    expect(await store.issueReplicas(b, { maxReplicas: 10, network: home }, now)).toEqual([]);
    const other = await store.issueReplicas(c, { maxReplicas: 10, network: '198.51.100.0/24' }, now);
    expect(other.map((r) => r.workUnitId).sort()).toEqual(first.map((r) => r.workUnitId).sort());
    // The host that took them moves: its replicas still hold its old network, and its new one is recorded.
    const moved = await store.createHost({ tokenHash: `t-${++tokens}`, network: home, now });
    await store.createBatch({ app: 'signal-search', name: 'net2', units: tinyUnits(1), now });
    expect(await store.issueReplicas(moved, { maxReplicas: 10 }, now)).toHaveLength(1);
    expect(await store.issueReplicas(b, { maxReplicas: 10, network: home }, now)).toEqual([]);
    const row = await db.get<{ network: string }>('SELECT network FROM hosts WHERE id = ?', [c.id]);
    expect(row?.network).toBe('198.51.100.0/24');
  });

  test('behavior: the buffer in seconds is filled from the host measured speed', async () => {
    const units = tinyUnits(20);
    await store.createBatch({ app: 'signal-search', name: 'buffer', units, now });
    const h = await host();
    // One result that took as long as 1 GFLOP/s would: the host's speed is measured at 1e9.
    const [first] = await store.issueReplicas(h, 1, now);
    const elapsedMs = (first!.flopsEstimate / 1e9) * 1000;
    await store.recordResults(
      h,
      [
        {
          status: 'success',
          token: first!.token,
          elapsedMs,
          variant: 'reference',
          result: runReference(first!.job, { progress() {}, checkpoint() {} }),
        },
      ],
      now,
    );
    const perUnitS = units[0]!.flopsEstimate / 1e9;
    const buffered = await store.issueReplicas(h, { maxReplicas: 64, bufferSeconds: perUnitS * 5.5 }, now);
    expect(buffered).toHaveLength(6);
    expect(await store.issueReplicas(h, { maxReplicas: 3, bufferSeconds: 1e6 }, now)).toHaveLength(3);
  });

  test('behavior: a project of higher priority is served first; equal priorities share by resource share', async () => {
    const research = new SqlResearchStore(db);
    const settings = (priority: number, resourceShare: number) => ({ ...DEFAULT_SETTINGS, priority, resourceShare });
    const project = async (name: string, priority: number, share: number) => {
      const { projectId } = await research.createProject({
        name,
        researcherName: 'r',
        keyHash: `k-${name}`,
        settings: settings(priority, share),
        now,
      });
      await research.createProjectBatch({
        projectId,
        app: 'signal-search',
        name,
        units: tinyUnits(150, { minQuorum: 1, targetNresults: 1 }),
        now,
      });
      return projectId;
    };
    const alpha = await project('Alpha', 0, 300);
    const beta = await project('Beta', 0, 100);
    const urgent = await project('Urgent', 5, 100);
    const h = await host();
    const projectOf = async (unitId: number) =>
      Number((await db.get<{ p: number }>('SELECT project_id AS p FROM work_units WHERE id = ?', [unitId]))!.p);
    const served = async (requests: number) => {
      const counts = new Map<number, number>();
      for (let i = 0; i < requests; i++) {
        for (const r of await store.issueReplicas(h, 1, now))
          counts.set(await projectOf(r.workUnitId), (counts.get(await projectOf(r.workUnitId)) ?? 0) + 1);
      }
      return counts;
    };
    expect(await served(150)).toEqual(new Map([[urgent, 150]]));
    const shared = await served(100);
    expect(shared.get(alpha)! + shared.get(beta)!).toBe(100);
    // 3:1 by share; the seeded draw gives the same split every run, and it lies near 75.
    expect(shared.get(alpha)).toBeGreaterThan(62);
    expect(shared.get(alpha)).toBeLessThan(88);
  });

  test('behavior: a request for one project gets only its units', async () => {
    const research = new SqlResearchStore(db);
    const { projectId } = await research.createProject({ name: 'Only', researcherName: 'r', keyHash: 'k-only', now });
    await store.createBatch({ app: 'signal-search', name: 'own', units: tinyUnits(5), now });
    await research.createProjectBatch({ projectId, app: 'signal-search', name: 'p', units: tinyUnits(3), now });
    const issued = await store.issueReplicas(await host(), { maxReplicas: 10, projectId }, now);
    expect(issued).toHaveLength(3);
    const projects = await db.all<{ p: number }>(
      `SELECT DISTINCT project_id AS p FROM work_units WHERE id IN (${issued.map((r) => r.workUnitId).join(', ')})`,
    );
    expect(projects.map((r) => Number(r.p))).toEqual([projectId]);
  });

  test(
    'edge: the demo counts units nobody started, ' + 'so a lone volunteer holding one replica of each is fed more',
    async () => {
      await store.createBatch({ app: 'signal-search', name: 'demo', units: tinyUnits(6), now });
      expect(await store.countFreshUnits('signal-search', 100)).toBe(6);
      expect(await store.countFreshUnits('signal-search', 4)).toBe(4);
      // One volunteer takes one replica of every unit: six unsent siblings remain, none of them for it.
      expect(await store.issueReplicas(await host(), 10, now)).toHaveLength(6);
      expect(await store.countFreshUnits('signal-search', 100)).toBe(0);
    },
  );

  test('edge: a project created a moment ago is served at once, though the table of projects is cached', async () => {
    const h = await host();
    expect(await store.issueReplicas(h, 5, now)).toEqual([]); // reads and caches the table: no project yet
    const research = new SqlResearchStore(db);
    const { projectId } = await research.createProject({
      name: 'Newcomer',
      researcherName: 'r',
      keyHash: 'k-new',
      now,
    });
    await research.createProjectBatch({ projectId, app: 'signal-search', name: 'n', units: tinyUnits(2), now });
    expect(await store.issueReplicas(h, 5, now)).toHaveLength(2);
  });
  test(
    'behavior: requests that arrive at once are served in one transaction, ' + 'a unit at most once per volunteer',
    async () => {
      await store.createBatch({ app: 'signal-search', name: 'crowd', units: tinyUnits(4), now });
      // a and b are one volunteer's two hosts; c is someone else's.
      const a = await host();
      const b = await host();
      const c = await host();
      await store.createLinkCode(a.volunteerId, 'code', now + 60_000);
      expect(await store.redeemLinkCode(b.id, 'code', now)).toBe(a.volunteerId);
      const transactions = vi.spyOn(db, 'transaction');
      const [forA, forB, forC] = await Promise.all([
        store.issueReplicas(a, 3, now),
        store.issueReplicas(b, 3, now),
        store.issueReplicas(c, 4, now),
      ]);
      expect(transactions).toHaveBeenCalledTimes(1);
      const units = (issued: IssuedReplica[]) => issued.map((r) => r.workUnitId);
      // The volunteer's hosts split the four units between them; the other volunteer gets the second replica of each.
      expect([...units(forA), ...units(forB)].sort()).toEqual([1, 2, 3, 4]);
      expect(units(forA)).toHaveLength(3);
      expect(units(forC).sort()).toEqual([1, 2, 3, 4]);
      const replicaIds = [...forA, ...forB, ...forC].map((r) => r.replicaId);
      expect(new Set(replicaIds).size).toBe(8);
      const rows = await db.all<{ host_id: number }>(
        `SELECT host_id FROM replicas WHERE id IN (${replicaIds.join(', ')})`,
      );
      expect(rows.filter((r) => Number(r.host_id) === c.id)).toHaveLength(4);
    },
  );
  test('edge: hosts of different capabilities in one batch never get the same replica', async () => {
    await store.createBatch({ app: 'signal-search', name: 'mixed', units: tinyUnits(2), now });
    const [plain, gpu, big] = await Promise.all([
      store.issueReplicas(await host(), 2, now),
      store.issueReplicas(await host(), { maxReplicas: 2, capabilities: { webgpu: true, memoryMb: 1024 } }, now),
      store.issueReplicas(await host(), { maxReplicas: 2, capabilities: { webgpu: false, memoryMb: 8192 } }, now),
    ]);
    // Two units of two replicas: the first two hosts take all four, each replica once; the third finds none left.
    const ids = [...plain, ...gpu].map((r) => r.replicaId);
    expect(new Set(ids).size).toBe(4);
    expect(big).toEqual([]);
  });
});
