import { describe, expect, test, vi } from 'vitest';
import { backends } from '../testing/backends.ts';
import { storePerTest } from '../testing/store-fixture.ts';

/** Hosts' token hashes: unique, not random. */
let tokens = 0;

describe.each(backends)('request nonces on $name', (backend) => {
  const fixture = storePerTest(backend);
  const now = 9_000_000;

  const host = () => fixture.store.createHost({ tokenHash: `t-${++tokens}`, now });

  test(
    'behavior: nonces spent at once go in one statement; ' + 'a nonce is good once per host, within a batch too',
    async () => {
      const a = await host();
      const b = await host();
      const statements = vi.spyOn(fixture.db, 'all');
      const spent = await Promise.all([
        fixture.store.useNonce(a.id, 'n1', now),
        fixture.store.useNonce(a.id, 'n1', now), // the same request twice: a replay
        fixture.store.useNonce(b.id, 'n1', now), // another host may use the same nonce
        fixture.store.useNonce(a.id, 'n2', now),
      ]);
      expect(statements).toHaveBeenCalledTimes(1);
      expect(spent).toEqual([a, undefined, b, a]);
      // Later, each spent nonce is a replay and a new one is fine.
      expect(
        await Promise.all([
          fixture.store.useNonce(a.id, 'n2', now),
          fixture.store.useNonce(b.id, 'n1', now),
          fixture.store.useNonce(b.id, 'n3', now),
        ]),
      ).toEqual([undefined, undefined, b]);
    },
  );

  test('behavior: a spent nonce gives the host with its volunteer as it stands, after linking too', async () => {
    const a = await host();
    const b = await host();
    await fixture.store.createLinkCode(a.volunteerId, 'code', now + 60_000);
    await fixture.store.redeemLinkCode(b.id, 'code', now);
    expect(await fixture.store.useNonce(b.id, 'n', now)).toEqual({ id: b.id, volunteerId: a.volunteerId });
  });
  test(
    'behavior: hosts looked up at once come from one statement, ' +
      'each with its own key; an unknown one is undefined',
    async () => {
      const a = await fixture.store.createHost({ publicKey: '{"kty":"EC","x":"a"}', now });
      const b = await fixture.store.createHost({ publicKey: '{"kty":"EC","x":"b"}', now });
      const statements = vi.spyOn(fixture.db, 'all');
      const found = await Promise.all([
        fixture.store.findHost(b.id),
        fixture.store.findHost(a.id),
        fixture.store.findHost(b.id + 100),
        fixture.store.findHost(a.id),
      ]);
      expect(statements).toHaveBeenCalledTimes(1);
      expect(found).toEqual([
        { ...b, publicKey: '{"kty":"EC","x":"b"}' },
        { ...a, publicKey: '{"kty":"EC","x":"a"}' },
        undefined,
        { ...a, publicKey: '{"kty":"EC","x":"a"}' },
      ]);
    },
  );

  test('behavior: purging forgets expired nonces only, about `limit` at a time, oldest first', async () => {
    const a = await host();
    await Promise.all(Array.from({ length: 10 }, (_, i) => fixture.store.useNonce(a.id, `old-${i}`, now + i)));
    await fixture.store.useNonce(a.id, 'live', now + 1_000);
    expect(await fixture.store.purgeNonces(now + 100, 4)).toBe(5); // the 5 oldest: up to and including the 5th expiry
    expect(await fixture.store.purgeNonces(now + 100, 100)).toBe(5);
    expect(await fixture.store.purgeNonces(now + 100, 100)).toBe(0);
    // The live nonce is still spent; an expired one could be used again (its timestamp is out of the window anyway).
    expect(await fixture.store.useNonce(a.id, 'live', now)).toBeUndefined();
    expect(await fixture.store.useNonce(a.id, 'old-0', now)).toEqual(a);
  });
});
