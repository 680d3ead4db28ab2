import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { revoker, validator } from '../passes/passes.ts';
import { TRUST_THRESHOLD } from './trust.ts';
import { backends } from '../testing/backends.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { drain } from '../testing/drain.ts';
import { honest, wrong } from '../testing/results.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import type { Db } from './sql/db.ts';
import type { Store } from './store.ts';
import type { Host, IssuedReplica, ResultToRecord } from './types.ts';

/** Hosts' token hashes: unique, not random. */
let tokens = 0;

describe.each(backends)('adaptive replication on $name', ({ name, available }) => {
  let store: Store;
  let db: Db;
  let coin = 0.99;
  let cleanup = async () => {};
  let now = 1_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    coin = 0.99;
    ({ store, db, cleanup } = await freshStore(name, () => coin));
  });

  afterEach(async () => {
    if (available) await cleanup();
  });

  const host = (n: number) => store.createHost({ tokenHash: `token-${n}-${++tokens}`, now });

  /** Everything the host may get, a request at a time (a new host holds a few at most: server/store/quota.ts). */
  async function computeAll(h: Host, behave: (r: IssuedReplica) => ResultToRecord, max = 64) {
    const all: IssuedReplica[] = [];
    for (let got = -1; got !== 0 && all.length < max; ) {
      const work = await store.issueReplicas(h, max - all.length, now);
      if (work.length) await store.recordResults(h, work.map(behave), now);
      await drain(store, now);
      all.push(...work);
      got = work.length;
    }
    return all;
  }

  async function trusted(): Promise<{ a: Host; b: Host }> {
    const [a, b] = [await host(1), await host(2)];
    await store.createBatch({ app: 'signal-search', name: 'trust', units: tinyUnits(TRUST_THRESHOLD), now });
    await computeAll(a, honest);
    await computeAll(b, honest);
    return { a, b };
  }

  test('default: a host with enough verified results gets single replicas, credited as unverified', async () => {
    const { a, b } = await trusted();
    await store.createBatch({ app: 'signal-search', name: 'single', units: tinyUnits(3), now });
    const single = await computeAll(a, honest);
    expect(single).toHaveLength(3);
    // Their other replicas were withdrawn: b gets nothing of these units.
    expect(await store.issueReplicas(b, 10, now)).toEqual([]);
    const summary = await store.hostSummary(a.id, now);
    expect(summary.results.valid).toBe(TRUST_THRESHOLD + 3);
  });

  test('behavior: the spot check replicates even for a trusted host', async () => {
    const { a, b } = await trusted();
    coin = 0; // below every spot-check probability
    await store.createBatch({ app: 'signal-search', name: 'checked', units: tinyUnits(2), now });
    await computeAll(a, honest);
    expect(await computeAll(b, honest)).toHaveLength(2);
  });

  test('behavior: a host caught once loses every unsettled single result, and their units are recomputed', async () => {
    const { a, b } = await trusted();
    const creditBefore = (await store.hostSummary(a.id, now)).credit.total;
    await store.createBatch({ app: 'signal-search', name: 'patient cheat', units: tinyUnits(4), now });
    const lies = await computeAll(a, wrong); // accepted: nobody else computed them
    expect(lies).toHaveLength(4);
    expect((await store.hostSummary(a.id, now)).credit.total).toBeGreaterThan(creditBefore);

    coin = 0; // a spot check catches the next lie
    await store.createBatch({ app: 'signal-search', name: 'spot check', units: tinyUnits(1), now });
    await computeAll(a, wrong);
    const referee = await host(3);
    // One replica each: the spot check's.
    expect(await computeAll(b, honest, 1)).toHaveLength(1);
    expect(await computeAll(referee, honest, 1)).toHaveLength(1);

    const caught = await store.hostSummary(a.id, now);
    expect(caught.results.invalid).toBe(5);
    expect(caught.credit.total).toBeCloseTo(creditBefore, 12);
    // b and the referee decide the revoked units.
    expect(await computeAll(b, honest)).toHaveLength(4);
    expect(await computeAll(referee, honest)).toHaveLength(4);
    expect((await store.hostSummary(b.id, now)).results.valid).toBe(TRUST_THRESHOLD + 1 + 4);
  });

  test(
    'behavior: a host caught before its credit was added loses the queued credit; ' + 'nothing is withdrawn twice',
    async () => {
      const { a } = await trusted();
      const creditBefore = (await store.hostSummary(a.id, now)).credit.total;
      await store.createBatch({ app: 'signal-search', name: 'not yet credited', units: tinyUnits(2), now });
      const lies = await store.issueReplicas(a, 8, now);
      expect(lies).toHaveLength(2);
      await store.recordResults(a, lies.map(wrong), now);
      // Validated (accepted on a single replica) but not yet added up: the credit pass has not run.
      while (await validator(store, now));
      const pending = () => db.all('SELECT replica_id FROM pending_credit ORDER BY replica_id');
      expect(await pending()).toHaveLength(2);

      await db.run('UPDATE host_apps SET revoke_pending = 1 WHERE host_id = ?', [a.id]);
      expect(await revoker(store, now)).toBe(true);
      expect(await pending()).toEqual([]);
      expect(
        await db.all(
          'SELECT replica_id FROM unsettled_credit WHERE replica_id IN (?, ?)',
          lies.map((r) => r.replicaId),
        ),
      ).toEqual([]);
      await drain(store, now);
      const caught = await store.hostSummary(a.id, now);
      expect(caught.credit.total).toBeCloseTo(creditBefore, 12);
      expect(caught.results.invalid).toBe(2);
    },
  );

  test('behavior: settled credit is final and survives a later revocation', async () => {
    const { a, b } = await trusted();
    await store.createBatch({ app: 'signal-search', name: 'settles', units: tinyUnits(2), now });
    await computeAll(a, honest);
    const credited = (await store.hostSummary(a.id, now)).credit.total;
    now += 2 * 86_400_000; // past the settling period
    await drain(store, now);
    coin = 0;
    await store.createBatch({ app: 'signal-search', name: 'caught later', units: tinyUnits(1), now });
    await computeAll(a, wrong);
    await computeAll(b, honest);
    await computeAll(await host(4), honest);
    expect((await store.hostSummary(a.id, now)).credit.total).toBeCloseTo(credited, 12);
    const settled = await db.get<{ settled_credit: number }>('SELECT settled_credit FROM volunteers WHERE id = ?', [
      a.volunteerId,
    ]);
    expect(settled!.settled_credit).toBeCloseTo(credited, 12);
  });

  test('behavior: the purger drops raw results of closed units but keeps the canonical one', async () => {
    const [a, b, c] = [await host(1), await host(2), await host(3)];
    coin = 0;
    await store.createBatch({ app: 'signal-search', name: 'purge', units: tinyUnits(1), now });
    await computeAll(a, wrong);
    await computeAll(b, honest);
    await computeAll(c, honest);
    const kept = () => db.all<{ id: number }>('SELECT id FROM replicas WHERE result IS NOT NULL ORDER BY id');
    expect(await kept()).toHaveLength(3);
    expect(await store.purgeResults(now - 1, 100)).toBe(0); // closed at `now`: not before the cut-off yet
    expect(await store.purgeResults(now + 1, 100)).toBe(2);
    const unit = await db.get<{ canonical_replica_id: number }>('SELECT canonical_replica_id FROM work_units');
    expect(await kept()).toEqual([{ id: unit!.canonical_replica_id }]);
  });

  test('error: a client error resets trust', async () => {
    const { a } = await trusted();
    await store.createBatch({ app: 'signal-search', name: 'error', units: tinyUnits(1), now });
    await computeAll(a, (r) => ({
      status: 'error',
      token: r.token,
      elapsedMs: 1,
      error: { name: 'KernelError', message: 'out of memory' },
    }));
    coin = 0.99;
    await store.createBatch({ app: 'signal-search', name: 'after error', units: tinyUnits(1), now });
    const [replica] = await store.issueReplicas(a, 1, now);
    const unit = await db.get<{ single: number }>('SELECT single FROM work_units WHERE id = ?', [replica!.workUnitId]);
    expect(unit!.single).toBe(0);
  });
});
