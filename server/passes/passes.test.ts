import { describe, expect, test } from 'vitest';
import type { IssuedReplica, ResultToRecord } from '../store/types.ts';
import { backends } from '../testing/backends.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import { honest, insane, wrong } from '../testing/results.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { atMostEvery, transitioner, validator } from './passes.ts';

/** Hosts' token hashes: unique, not random. */
let tokens = 0;

describe.each(backends)('the validator on $name', (backend) => {
  const fixture = storePerTest(backend, () => 0.99);
  const now = 1_000_000;

  async function reportedBy(behaviours: Array<(r: IssuedReplica) => ResultToRecord>) {
    const { store } = fixture;
    await store.createBatch({ app: 'signal-search', name: 'one', units: tinyUnits(1), now });
    for (const behave of behaviours) {
      const host = await store.createHost({ tokenHash: `t-${++tokens}`, now });
      const [replica] = await store.issueReplicas(host, 1, now);
      await store.recordResults(host, [behave(replica!)], now);
    }
    return store;
  }

  test(
    'default: a quorum closes its unit in the validation itself, ' + 'with nothing left for the transitioner',
    async () => {
      const store = await reportedBy([honest, honest]);
      expect(await validator(store, now)).toBe(true);
      const unit = (await store.db.get<{
        state: string;
        done_at: number | null;
        transition_at: number | null;
        need_validate: number;
      }>('SELECT state, done_at, transition_at, need_validate FROM work_units'))!;
      expect(unit).toEqual({ state: 'done', done_at: now, transition_at: null, need_validate: 0 });
      expect(await transitioner(store, now + 1)).toBe(false);
    },
  );

  test('behavior: an inconclusive pair gets its third replica from the validation, unsent and queued', async () => {
    const store = await reportedBy([honest, wrong]);
    expect(await validator(store, now)).toBe(true);
    const replicas = await store.db.all<{ server_state: string; validate_state: string }>(
      'SELECT server_state, validate_state FROM replicas ORDER BY id',
    );
    expect(replicas).toEqual([
      { server_state: 'over', validate_state: 'inconclusive' },
      { server_state: 'over', validate_state: 'inconclusive' },
      { server_state: 'unsent', validate_state: 'init' },
    ]);
    const unit = await store.db.get<{ state: string; target_nresults: number }>(
      'SELECT state, target_nresults FROM work_units',
    );
    expect(unit).toEqual({ state: 'active', target_nresults: 3 });
    const third = await store.createHost({ tokenHash: 'third', now });
    expect(await store.issueReplicas(third, 4, now)).toHaveLength(1);
  });

  test('error: an insane result is invalid on its own, even when a colluder reports the same one', async () => {
    const store = await reportedBy([insane, insane]);
    expect(await validator(store, now)).toBe(true);
    const replicas = await store.db.all<{ validate_state: string; granted_credit: number }>(
      "SELECT validate_state, granted_credit FROM replicas WHERE outcome = 'success' ORDER BY id",
    );
    expect(replicas).toEqual([
      { validate_state: 'invalid', granted_credit: 0 },
      { validate_state: 'invalid', granted_credit: 0 },
    ]);
    const unit = await store.db.get<{ canonical_replica_id: number | null }>(
      'SELECT canonical_replica_id FROM work_units',
    );
    expect(unit?.canonical_replica_id).toBeNull();
    // Two fresh replicas go out for the two thrown away.
    const next = await store.createHost({ tokenHash: 'next', now });
    expect(await store.issueReplicas(next, 4, now)).toHaveLength(1);
  });

  test('behavior: beside an honest result an insane one is invalid before any quorum; the other waits', async () => {
    const store = await reportedBy([honest, insane]);
    expect(await validator(store, now)).toBe(true);
    const replicas = await store.db.all<{ validate_state: string }>(
      "SELECT validate_state FROM replicas WHERE outcome = 'success' ORDER BY id",
    );
    expect(replicas).toEqual([{ validate_state: 'init' }, { validate_state: 'invalid' }]);
  });
});

describe('atMostEvery', () => {
  test('default: a pass runs at most once an interval while idle, and every round while it finds work', async () => {
    const runs: number[] = [];
    let work = 0;
    const pass = atMostEvery(1_000, async (_store: null, now: number) => {
      runs.push(now);
      return work-- > 0;
    });
    expect(await pass(null, 0)).toBe(false);
    expect(await pass(null, 999)).toBe(false); // idle, too soon: not run
    work = 2;
    expect(await pass(null, 1_000)).toBe(true);
    expect(await pass(null, 1_001)).toBe(true); // found work last time: runs again at once
    expect(await pass(null, 1_002)).toBe(false);
    expect(await pass(null, 1_500)).toBe(false); // idle again: waits for its interval
    expect(runs).toEqual([0, 1_000, 1_001, 1_002]);
  });
});
