import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../testing/backends.ts';
import { drain } from '../testing/drain.ts';
import { honest } from '../testing/results.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { DAY_MS, DEFAULT_HOSTS_PER, inProgressCap, NEW_HOST_DAILY, NEW_HOST_IN_PROGRESS } from './quota.ts';
import type { Store } from './store.ts';

let tokens = 0;

/** A new host holds a few replicas and takes few a day; both grow with valid results (issue 17, item 3). */
describe.each(backends)('quotas against hoarding on $name', ({ name, available }) => {
  let store: Store;
  let cleanup = async () => {};
  const now = 10 * DAY_MS + 1000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, cleanup } = await freshStore(name, () => 0));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const host = () => store.createHost({ tokenHash: `hoard-${++tokens}`, now });

  test('default: two fresh hosts asking for 64 by turns hold a few replicas; a newcomer still gets work', async () => {
    await store.createBatch({ app: 'signal-search', name: 'hoard', units: tinyUnits(100), now });
    const [x, y] = [await host(), await host()];
    let held = 0;
    for (let i = 0; i < 10; i++) for (const h of [x, y]) held += (await store.issueReplicas(h, 64, now)).length;
    expect(held).toBe(2 * NEW_HOST_IN_PROGRESS);
    expect(await store.issueReplicas(await host(), 64, now)).toHaveLength(NEW_HOST_IN_PROGRESS);
  });

  test('behavior: the new hosts of one network, or of one volunteer, share a few hosts’ worth of caps', async () => {
    await store.createBatch({ app: 'signal-search', name: 'home', units: tinyUnits(200), now });
    const home = '203.0.113.0/24';
    const crowd = [];
    for (let i = 0; i < DEFAULT_HOSTS_PER.network + 4; i++)
      crowd.push(await store.createHost({ tokenHash: `hoard-${++tokens}`, network: home, now }));
    let held = 0;
    for (const h of crowd) held += (await store.issueReplicas(h, { maxReplicas: 64, network: home }, now)).length;
    expect(held).toBe(DEFAULT_HOSTS_PER.network * NEW_HOST_IN_PROGRESS);
    // A host elsewhere is not held back by them.
    const elsewhere = await store.createHost({ tokenHash: `hoard-${++tokens}`, network: '198.51.100.0/24', now });
    expect(await store.issueReplicas(elsewhere, { maxReplicas: 64 }, now)).toHaveLength(NEW_HOST_IN_PROGRESS);
    // One volunteer's hosts, each on a network of its own, likewise share its few hosts' worth.
    const [first, ...more] = await Promise.all(Array.from({ length: DEFAULT_HOSTS_PER.volunteer + 2 }, () => host()));
    for (const h of more) {
      await store.createLinkCode(first!.volunteerId, `code-${h.id}`, now + DAY_MS);
      h.volunteerId = (await store.redeemLinkCode(h.id, `code-${h.id}`, now))!;
    }
    let volunteerHeld = 0;
    for (const [i, h] of [first!, ...more].entries())
      volunteerHeld += (await store.issueReplicas(h, { maxReplicas: 64, network: `192.0.${i}.0/24` }, now)).length;
    expect(volunteerHeld).toBe(DEFAULT_HOSTS_PER.volunteer * NEW_HOST_IN_PROGRESS);
  });

  test('behavior: the daily quota ends a new host’s taking until the next day, however fast it reports', async () => {
    await store.createBatch({ app: 'signal-search', name: 'day', units: tinyUnits(100), now });
    const lone = await host();
    const takeAll = async (at: number) => {
      let taken = 0;
      for (let got = -1; got !== 0; ) {
        const work = await store.issueReplicas(lone, 64, at);
        if (work.length) await store.recordResults(lone, work.map(honest), at);
        await drain(store, at);
        got = work.length;
        taken += got;
      }
      return taken;
    };
    // Its results wait for a second volunteer, so its record stays empty: in progress never passes the cap...
    expect(inProgressCap({ valid: 0, invalid: 0, errors: 0 })).toBe(NEW_HOST_IN_PROGRESS);
    // ...and what it takes in a day stops at the quota.
    expect(await takeAll(now)).toBe(NEW_HOST_DAILY);
    expect(await takeAll(now + DAY_MS)).toBe(NEW_HOST_DAILY);
  });
});
