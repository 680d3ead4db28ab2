import { describe, expect, test } from 'vitest';
import type { IssuedReplica, ResultToRecord } from '../store/types.ts';
import { backends } from '../testing/backends.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import { honest, insane, wrong } from '../testing/results.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { atMostEvery, backlogSized, transitioner, validator } from './passes.ts';

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
      const [unit] = await fixture.inspect.units();
      expect(unit).toMatchObject({ state: 'done', doneAt: now, transitionAt: null, needValidate: false });
      expect(await transitioner(store, now + 1)).toBe(false);
    },
  );

  test('behavior: an inconclusive pair gets its third replica from the validation, unsent and queued', async () => {
    const store = await reportedBy([honest, wrong]);
    expect(await validator(store, now)).toBe(true);
    const replicas = await fixture.inspect.replicas();
    expect(replicas.map(({ serverState, validateState }) => ({ serverState, validateState }))).toEqual([
      { serverState: 'over', validateState: 'inconclusive' },
      { serverState: 'over', validateState: 'inconclusive' },
      { serverState: 'unsent', validateState: 'init' },
    ]);
    const [unit] = await fixture.inspect.units();
    expect(unit).toMatchObject({ state: 'active', targetNresults: 3 });
    const third = await store.createHost({ tokenHash: 'third', now });
    expect(await store.issueReplicas(third, 4, now)).toHaveLength(1);
  });

  test('error: an insane result is invalid on its own, even when a colluder reports the same one', async () => {
    const store = await reportedBy([insane, insane]);
    expect(await validator(store, now)).toBe(true);
    const replicas = (await fixture.inspect.replicas()).filter((r) => r.outcome === 'success');
    expect(replicas.map(({ validateState, grantedCredit }) => ({ validateState, grantedCredit }))).toEqual([
      { validateState: 'invalid', grantedCredit: 0 },
      { validateState: 'invalid', grantedCredit: 0 },
    ]);
    const [unit] = await fixture.inspect.units();
    expect(unit?.canonicalReplicaId).toBeNull();
    // Two fresh replicas go out for the two thrown away.
    const next = await store.createHost({ tokenHash: 'next', now });
    expect(await store.issueReplicas(next, 4, now)).toHaveLength(1);
  });

  test('behavior: beside an honest result an insane one is invalid before any quorum; the other waits', async () => {
    const store = await reportedBy([honest, insane]);
    expect(await validator(store, now)).toBe(true);
    const replicas = (await fixture.inspect.replicas()).filter((r) => r.outcome === 'success');
    expect(replicas.map((r) => r.validateState)).toEqual(['init', 'invalid']);
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

describe('backlogSized', () => {
  test('a round found full doubles the next, up to four times the least; one found nearly empty halves it', () => {
    const round = backlogSized(1_000);
    const sizes = [round.size];
    // A backlog: every round full.
    for (let i = 0; i < 4; i++) {
      round.took(round.size);
      sizes.push(round.size);
    }
    expect(sizes).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
    round.took(1_500); // between a quarter and full: kept
    expect(round.size).toBe(4_000);
    round.took(999); // under a quarter: halved
    expect(round.size).toBe(2_000);
    round.took(0);
    round.took(0);
    expect(round.size).toBe(1_000); // never below the least
  });
});
