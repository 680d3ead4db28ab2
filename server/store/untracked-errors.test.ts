import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../testing/backends.ts';
import { drain } from '../testing/drain.ts';
import { honest } from '../testing/results.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import type { Db } from './sql/db.ts';
import type { Store } from './store.ts';
import { TRACK_RECORD } from './trust.ts';
import type { Host, IssuedReplica, ResultToRecord } from './types.ts';

let tokens = 0;

const failure = (r: IssuedReplica): ResultToRecord => ({
  status: 'error',
  token: r.token,
  elapsedMs: 1,
  error: { name: 'KernelError', message: 'out of memory' },
});

/** Errors of hosts without a track record do not fail a unit (issue 17, item 3). */
describe.each(backends)('errors from new hosts on $name', ({ name, available }) => {
  let store: Store;
  let db: Db;
  let cleanup = async () => {};
  const now = 1_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, db, cleanup } = await freshStore(name, () => 0));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const host = () => store.createHost({ tokenHash: `err-${++tokens}`, now });
  async function computeAll(h: Host, behave: (r: IssuedReplica) => ResultToRecord) {
    const work = await store.issueReplicas(h, 64, now);
    if (work.length) await store.recordResults(h, work.map(behave), now);
    await drain(store, now);
    return work;
  }
  const unit = () => db.get<{ state: string; failure: string | null }>('SELECT state, failure FROM work_units');

  test('default: a crowd of fresh hosts reporting errors cannot fail a unit; honest hosts then decide it', async () => {
    // max_error_results 3 (tinyUnits): without the rule, the fourth error fails the unit.
    await store.createBatch({ app: 'signal-search', name: 'target', units: tinyUnits(1), now });
    for (let i = 0; i < 6; i++) expect(await computeAll(await host(), failure)).toHaveLength(1);
    expect(await unit()).toMatchObject({ state: 'active', failure: null });
    await computeAll(await host(), honest);
    await computeAll(await host(), honest);
    expect((await unit())!.state).toBe('done');
  });

  test('behavior: errors of hosts with a track record count in full', async () => {
    const tracked: Host[] = [];
    for (let i = 0; i < 4; i++) tracked.push(await host());
    // Two by two, each pair validating the other's TRACK_RECORD units.
    for (const pair of [tracked.slice(0, 2), tracked.slice(2)]) {
      await store.createBatch({ app: 'signal-search', name: 'record', units: tinyUnits(TRACK_RECORD), now });
      for (const h of pair) expect(await computeAll(h, honest)).toHaveLength(TRACK_RECORD);
    }
    await store.createBatch({ app: 'signal-search', name: 'broken', units: tinyUnits(1), now });
    for (const h of tracked) await computeAll(h, failure);
    const broken = await db.get<{ state: string; failure: string }>(
      'SELECT state, failure FROM work_units ORDER BY id DESC LIMIT 1',
    );
    expect(broken).toMatchObject({ state: 'failed', failure: expect.stringMatching(/too many errors: 4/) });
  });

  test('edge: a unit that fails everywhere still fails on new hosts alone, at eight times the errors', async () => {
    await store.createBatch({ app: 'signal-search', name: 'broken', units: tinyUnits(1), now });
    let reported = 0;
    while ((await unit())!.state === 'active' && reported < 100)
      reported += (await computeAll(await host(), failure)).length;
    expect((await unit())!.state).toBe('failed');
    expect(reported).toBeGreaterThan(3 * 8);
  });
});
