import { describe, expect, test } from 'vitest';
import { creditForFlops } from '../credit/cobblestones.ts';
import { backends } from '../testing/backends.ts';
import { customUnit } from '../testing/custom-units.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import { honest } from '../testing/results.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { validator } from './passes.ts';

let tokens = 0;

describe.each(backends)("a researcher's app's credit on $name", (backend) => {
  const fixture = storePerTest(backend, () => 0.99);
  const t0 = 1_000_000;

  /** Two fresh hosts each take the unit and report it `elapsedMs` after `after` ms; the validator runs. */
  async function computedBy(hosts: Array<{ id: number; volunteerId: number }>, elapsedMs: number, after: number) {
    const { store } = fixture;
    for (const host of hosts) {
      const [replica] = await store.issueReplicas(host, 1, t0);
      const output = { data: 'AAAA' };
      const result = { app: 'custom' as const, output };
      const entry = { status: 'success' as const, token: replica!.token, variant: 'wasm' as const, elapsedMs };
      await store.recordResults(host, [{ ...entry, result }], t0 + after);
    }
    await validator(store, t0 + after);
    const valid = (await fixture.inspect.replicas()).filter((r) => r.validateState === 'valid');
    return valid.map((r) => r.grantedCredit);
  }

  const twoHosts = () =>
    Promise.all([0, 1].map(() => fixture.store.createHost({ tokenHash: `c-${++tokens}`, now: t0 })));

  test('behavior: declared FLOPs past what the hosts were measured to spend earn the measurement', async () => {
    const hosts = await twoHosts();
    // Measured speeds first, on the coordinator's own app: the tiny unit's estimate in a second each.
    const [measuring] = tinyUnits(1);
    await fixture.store.createBatch({ app: 'signal-search', name: 'speed', units: [measuring!], now: t0 });
    for (const host of hosts) {
      const [replica] = await fixture.store.issueReplicas(host, 1, t0);
      await fixture.store.recordResults(host, [{ ...honest(replica!), elapsedMs: 1_000 }], t0 + 1_000);
    }
    const speed = measuring!.flopsEstimate;
    await fixture.store.createBatch({
      app: 'custom',
      name: 'self-dealing',
      units: [customUnit(1e16, 'AAAA')],
      now: t0,
    });
    // Each says it computed for 5 s, but was out for 2 s only: credited for 2 s at its measured speed.
    const granted = await computedBy(hosts, 5_000, 2_000);
    expect(granted.slice(-2)).toEqual([creditForFlops(2 * speed), creditForFlops(2 * speed)]);
  });

  test('behavior: an honest declaration below the measurement is credited as declared', async () => {
    const hosts = await twoHosts();
    await fixture.store.createBatch({ app: 'custom', name: 'modest', units: [customUnit(1e6, 'AAAA')], now: t0 });
    expect(await computedBy(hosts, 2_000, 2_000)).toEqual([creditForFlops(1e6), creditForFlops(1e6)]);
  });

  test("behavior: a researcher's app's times never raise a host's measured speed", async () => {
    const hosts = await twoHosts();
    const units = [customUnit(1e16, 'AAAA'), customUnit(1e16, 'AAAA')];
    await fixture.store.createBatch({ app: 'custom', name: 'inflating', units, now: t0 });
    // The first unit would measure 1e16 FLOP/s if its declaration counted; the second is credited as before.
    const first = await computedBy(hosts, 1_000, 1_000);
    const both = await computedBy(hosts, 1_000, 1_000);
    expect(first[0]).toBeLessThan(creditForFlops(1e10));
    expect(both).toEqual([first[0], first[0], first[0], first[0]]);
  });
});
