import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../testing/backends.ts';
import { drain } from '../testing/drain.ts';
import { honest, wrong } from '../testing/results.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { testRandom } from '../../worker-kernels/testing/vitest-random.ts';
import { dayOf } from './quota.ts';
import type { Db } from './sql/db.ts';
import { ESTABLISHED_CHECK_MS } from './sql/established.ts';
import type { StoreInspector } from './sql/inspect.ts';
import type { Store } from './store.ts';
import { ESTABLISHED_AGE_MS, ESTABLISHED_VALID } from './trust.ts';
import type { Host } from './types.ts';

/** Hosts' token hashes and networks: unique, not random. */
let hosts = 0;

/**
 * Issue 17, item 2: a unit's sibling replicas wait a randomized time and go to whoever asks after, and where the
 * coordinator has established hosts, a quorum of hosts without a track record is no quorum.
 */
describe.each(backends)('sibling assignment on $name', ({ name, available }) => {
  let store: Store;
  let db: Db;
  let inspect: StoreInspector;
  let cleanup = async () => {};
  const now = 50 * 86_400_000;
  const wait = { minMs: 10_000, maxMs: 20_000 };

  const setUp = async (siblingWait?: typeof wait) => {
    ({ store, db, inspect, cleanup } = await freshStore(name, testRandom().next, siblingWait ? { siblingWait } : {}));
  };
  beforeEach((ctx) => {
    if (!available) ctx.skip();
  });
  afterEach(async () => {
    await cleanup();
    cleanup = async () => {};
  });

  /** A host of a volunteer of its own, on a network of its own. */
  const host = async (): Promise<Host & { network: string }> => {
    const network = `198.18.${++hosts % 250}.0/24`;
    return { ...(await store.createHost({ tokenHash: `s-${hosts}`, network, now })), network };
  };
  const ask = (h: Host & { network: string }, at: number) =>
    store.issueReplicas(h, { maxReplicas: 4, network: h.network }, at);
  /** Makes `h` established for signal-search: a record of valid results, two days old, working today. */
  const establish = async (h: Host, at: number) => {
    await db.run(
      `INSERT INTO host_apps (host_id, app, valid) VALUES (?, 'signal-search', ?)
        ON CONFLICT (host_id, app) DO UPDATE SET valid = excluded.valid`,
      [h.id, ESTABLISHED_VALID + 5],
    );
    await db.run('UPDATE hosts SET created_at = ?, quota_day = ? WHERE id = ?', [
      at - 2 * ESTABLISHED_AGE_MS,
      dayOf(at),
      h.id,
    ]);
  };
  const replicasOf = async (unit: number) =>
    (await db.all<{ n: number }>('SELECT count(*) AS n FROM replicas WHERE work_unit_id = ?', [unit]))[0]!.n;

  test('behavior: the sibling waits its randomized time, then goes to whoever asks after', async () => {
    await setUp(wait);
    await store.createBatch({ app: 'signal-search', name: 'wait', units: tinyUnits(1), now });
    const [a, b] = [await host(), await host()];
    const [first] = await ask(a, now);
    expect(first?.workUnitId).toBe(1);
    // Asking right after, or before the shortest wait is over, gets nothing: the sibling is not even queued.
    expect(await ask(b, now)).toEqual([]);
    expect(Number(await replicasOf(1))).toBe(1);
    await drain(store, now + wait.minMs - 1);
    expect(await ask(b, now + wait.minMs - 1)).toEqual([]);
    // After the longest, the transitioner has made it, and the next asker gets it.
    await drain(store, now + wait.maxMs);
    const [second] = await ask(b, now + wait.maxMs);
    expect(second?.workUnitId).toBe(1);
    expect(second?.replicaId).not.toBe(first?.replicaId);
  });

  test('behavior: a unit that went to a new host goes next to an established host only', async () => {
    await setUp();
    const established = await host();
    await establish(established, now);
    await store.createBatch({ app: 'signal-search', name: 'route', units: tinyUnits(1), now });
    const [fresh, sybil] = [await host(), await host()];
    expect(await ask(fresh, now)).toHaveLength(1);
    expect(await ask(sybil, now)).toEqual([]);
    expect((await ask(established, now)).map((r) => r.workUnitId)).toEqual([1]);
  });

  test('behavior: agreeing new hosts are no quorum beside established ones; an established host decides', async () => {
    await setUp();
    await store.createBatch({ app: 'signal-search', name: 'quorum', units: tinyUnits(1), now });
    // Two new hosts take the unit's replicas while the coordinator has no established host (it starts out so)...
    const [f1, f2] = [await host(), await host()];
    const [r1] = await ask(f1, now);
    const [r2] = await ask(f2, now);
    expect(r1 && r2).toBeTruthy();
    // ...then established hosts appear (noticed within ESTABLISHED_CHECK_MS), and the two report one lie.
    const later = now + ESTABLISHED_CHECK_MS + 1;
    const [e1, e2, f3] = [await host(), await host(), await host()];
    await establish(e1, later);
    await establish(e2, later);
    await store.recordResults(f1, [wrong(r1!)], later);
    await store.recordResults(f2, [wrong(r2!)], later);
    await drain(store, later);
    const canonical = async () => (await inspect.units())[0]!.canonicalReplicaId;
    expect(await canonical()).toBeNull();
    // The replica the set now needs is for an established host, not a third new one.
    expect(await ask(f3, later)).toEqual([]);
    const [r3] = await ask(e1, later);
    await store.recordResults(e1, [honest(r3!)], later);
    await drain(store, later);
    // Two lies against one honest result: still no quorum, since the lies have no established host among them.
    expect(await canonical()).toBeNull();
    const [r4] = await ask(e2, later);
    await store.recordResults(e2, [honest(r4!)], later);
    await drain(store, later);
    expect(await canonical()).toBe(r3!.replicaId);
    const state = new Map((await inspect.replicas()).map((r) => [r.id, r.validateState]));
    expect([r1, r2, r3, r4].map((r) => state.get(r!.replicaId))).toEqual(['invalid', 'invalid', 'valid', 'valid']);
  });
});
