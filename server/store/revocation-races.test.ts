import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { credit, revoker, settler, transitioner, validator } from '../passes/passes.ts';
import { backends } from '../testing/backends.ts';
import { drain } from '../testing/drain.ts';
import { honest, wrong } from '../testing/results.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import type { Db } from './sql/db.ts';
import type { Store } from './store.ts';
import { TRUST_THRESHOLD } from './trust.ts';
import type { Host, IssuedReplica, ResultToRecord } from './types.ts';

let tokens = 0;

/**
 * Revocation covers every single replica its host was issued before it was caught, whatever order the catch, the
 * revoker, the result's report, its validation and the settler run in (issue 17, item 4).
 */
describe.each(backends)('revocation without races on $name', ({ name, available }) => {
  let store: Store;
  let db: Db;
  let coin = 0.99;
  let cleanup = async () => {};
  let now = 1_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    coin = 0.99;
    now = 1_000_000;
    ({ store, db, cleanup } = await freshStore(name, () => coin));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const host = () => store.createHost({ tokenHash: `race-${++tokens}`, now });
  const report = (h: Host, work: IssuedReplica[], behave: (r: IssuedReplica) => ResultToRecord) =>
    store.recordResults(h, work.map(behave), now);

  async function computeAll(h: Host, behave: (r: IssuedReplica) => ResultToRecord) {
    const work = await store.issueReplicas(h, 64, now);
    if (work.length) await report(h, work, behave);
    await drain(store, now);
    return work;
  }

  /** `a` trusted (single replicas at coin 0.99); `b` and `c` to make quorums. */
  async function trustedHosts() {
    const [a, b, c] = [await host(), await host(), await host()];
    await store.createBatch({ app: 'signal-search', name: 'trust', units: tinyUnits(TRUST_THRESHOLD), now });
    await computeAll(a, honest);
    await computeAll(b, honest);
    return { a, b, c };
  }

  /** A spot check catches `a` lying: b and c outvote it. */
  async function catchA(a: Host, b: Host, c: Host) {
    coin = 0;
    await store.createBatch({ app: 'signal-search', name: 'spot check', units: tinyUnits(1), now });
    const [checked] = await store.issueReplicas(a, 1, now);
    await report(a, [checked!], wrong);
    await computeAll(b, honest);
    await computeAll(c, honest);
    coin = 0.99;
    expect((await store.hostSummary(a.id, now)).results.invalid).toBe(1);
  }

  const stateOf = (replicaId: number) =>
    db.get<{ validate_state: string; granted_credit: number }>(
      'SELECT validate_state, granted_credit FROM replicas WHERE id = ?',
      [replicaId],
    );
  const unitOf = (unitId: number) =>
    db.get<{ single: number; min_quorum: number; canonical_replica_id: number | null }>(
      'SELECT single, min_quorum, canonical_replica_id FROM work_units WHERE id = ?',
      [unitId],
    );

  test('default: a single issued before the catch, reported after the revoker ran, is not accepted', async () => {
    const { a, b, c } = await trustedHosts();
    await store.createBatch({ app: 'signal-search', name: 'held', units: tinyUnits(2), now });
    const held = await store.issueReplicas(a, 64, now);
    expect(held).toHaveLength(2);
    expect((await unitOf(held[0]!.workUnitId))!.single).toBe(1);

    await catchA(a, b, c); // caught, and the revoker has run (drain): these were not yet reported
    await report(a, held, wrong);
    await drain(store, now);
    for (const r of held) {
      expect((await stateOf(r.replicaId))!.validate_state).not.toBe('valid');
      // Back to the quorum it was made with; its other replica goes out to someone else.
      expect(await unitOf(r.workUnitId)).toMatchObject({ single: 0, min_quorum: 2, canonical_replica_id: null });
    }
    const rechecked = await computeAll(b, honest);
    expect(rechecked.map((r) => r.workUnitId).sort()).toEqual(held.map((r) => r.workUnitId).sort());
    await computeAll(c, honest);
    for (const r of held) expect((await stateOf(r.replicaId))!.validate_state).toBe('invalid');
    expect((await store.hostSummary(a.id, now)).results.valid).toBe(TRUST_THRESHOLD);
  });

  test('behavior: a single judged on catches read before the catch is revoked when it would settle', async () => {
    const { a, b, c } = await trustedHosts();
    await store.createBatch({ app: 'signal-search', name: 'raced', units: tinyUnits(1), now });
    const [lie] = await store.issueReplicas(a, 1, now);
    await report(a, [lie!], wrong);
    while (await validator(store, now));
    while (await credit(store, now));
    expect((await stateOf(lie!.replicaId))!.validate_state).toBe('valid');
    // Another process's validator read a's catches before the catch committed and committed after the revoker ran:
    // the result stands valid, with no revocation pending. (Arranged directly: SQLite cannot interleave them.)
    await db.run('UPDATE host_apps SET invalid = invalid + 1, consecutive_valid = 0 WHERE host_id = ?', [a.id]);
    expect(await revoker(store, now)).toBe(false);

    now += 2 * 86_400_000;
    await settler(86_400_000)(store, now);
    const settled = await db.get<{ settled_credit: number }>('SELECT settled_credit FROM volunteers WHERE id = ?', [
      a.volunteerId,
    ]);
    const trustCredit = settled!.settled_credit; // the honest results that earned a's trust settled, not the lie
    expect(await revoker(store, now)).toBe(true);
    expect((await stateOf(lie!.replicaId))!.validate_state).toBe('invalid');
    await drain(store, now);
    const after = await db.get<{ settled_credit: number }>('SELECT settled_credit FROM volunteers WHERE id = ?', [
      a.volunteerId,
    ]);
    expect(after!.settled_credit).toBe(trustCredit);
    await computeAll(b, honest);
    await computeAll(c, honest);
    expect((await unitOf(lie!.workUnitId))!.canonical_replica_id).not.toBeNull();
    expect((await stateOf(lie!.replicaId))!.validate_state).toBe('invalid');
  });

  test('behavior: a single replica that times out goes back to its quorum, not alone to the next asker', async () => {
    const { a, b, c } = await trustedHosts();
    await store.createBatch({ app: 'signal-search', name: 'abandoned', units: tinyUnits(1), now });
    const [gone] = await store.issueReplicas(a, 1, now);
    expect((await unitOf(gone!.workUnitId))!.single).toBe(1);
    now = gone!.deadline + 1;
    while (await transitioner(store, now));
    expect(await unitOf(gone!.workUnitId)).toMatchObject({ single: 0, min_quorum: 2 });
    const fresh = await host();
    const [reissued] = await store.issueReplicas(fresh, 1, now);
    await report(fresh, [reissued!], wrong);
    await drain(store, now);
    expect((await stateOf(reissued!.replicaId))!.validate_state).not.toBe('valid');
    await computeAll(b, honest);
    await computeAll(c, honest);
    expect((await stateOf(reissued!.replicaId))!.validate_state).toBe('invalid');
  });
});
