import { describe, expect, test } from 'vitest';
import type { Variant } from '../../protocol/apps.ts';
import { MIN_SAMPLES, SAMPLE_WEIGHT } from '../credit/app-version.ts';
import { creditForFlops } from '../credit/cobblestones.ts';
import type { Host } from '../store/types.ts';
import { backends } from '../testing/backends.ts';
import { customUnit } from '../testing/custom-units.ts';
import { honest } from '../testing/results.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { validator } from './passes.ts';

const DECLARED = 1e16;

let tokens = 0;

/** Issue 17, item 6: a researcher's app is credited per unit alike, normalised per app version. */
describe.each(backends)('credit normalised per app version on $name', (backend) => {
  const fixture = storePerTest(backend, () => 0.99);
  const t0 = 1_000_000;
  /** The FLOPs of the tiny unit each host's speed is measured on: a host timed at 1 s runs at this many FLOP/s. */
  let speed = 0;

  /** Hosts whose speed the coordinator measured on its own app, each taking `elapsedMs` for a tiny unit. */
  async function hostsTimed(...elapsedMs: number[]): Promise<Host[]> {
    const hosts = await Promise.all(
      elapsedMs.map(() => fixture.store.createHost({ tokenHash: `n-${++tokens}`, now: t0 })),
    );
    const units = tinyUnits(Math.ceil(elapsedMs.length / 2));
    speed = units[0]!.flopsEstimate;
    const same = units.map((u) => ({ ...u, flopsEstimate: speed }));
    await fixture.store.createBatch({ app: 'signal-search', name: 'speed', units: same, now: t0 });
    for (const [i, host] of hosts.entries()) {
      const [replica] = await fixture.store.issueReplicas(host, 1, t0);
      await fixture.store.recordResults(host, [{ ...honest(replica!), elapsedMs: elapsedMs[i]! }], t0 + 5_000);
    }
    return hosts;
  }

  /** One custom unit computed by these hosts, each reporting its own elapsed time, `outMs` after it was sent. */
  async function computed(by: Array<{ host: Host; elapsedMs: number; variant?: Variant }>, outMs: number) {
    const { store } = fixture;
    await store.createBatch({ app: 'custom', name: 'normalised', units: [customUnit(DECLARED, 'AAAA')], now: t0 });
    const ids: number[] = [];
    for (const { host, elapsedMs, variant = 'wasm' } of by) {
      const [replica] = await store.issueReplicas(host, 1, t0);
      ids.push(replica!.replicaId);
      const result = { app: 'custom' as const, output: { data: 'AAAA' } };
      await store.recordResults(
        host,
        [{ status: 'success', token: replica!.token, variant, elapsedMs, result }],
        t0 + outMs,
      );
    }
    await validator(store, t0 + outMs);
    const replicas = (await fixture.inspect.replicas()).filter((r) => ids.includes(r.id));
    expect(replicas.every((r) => r.validateState === 'valid')).toBe(true);
    return replicas.map((r) => r.grantedCredit);
  }

  test('behavior: liars gain nothing in a quorum with honest hosts, nor alone once the app is normalised', async () => {
    // The liars claim a speed ten times theirs (fast times on the coordinator's app), then slow times on the unit.
    const [h1, h2, l1, l2] = await hostsTimed(1_000, 1_000, 100, 100);
    const honestCredit = creditForFlops(1 * speed);
    for (let i = 0; i < MIN_SAMPLES; i++) {
      const granted = await computed(
        [
          { host: h1!, elapsedMs: 1_000 },
          { host: i % 2 ? l1! : l2!, elapsedMs: 2_000 },
        ],
        2_000,
      );
      expect(granted).toEqual([honestCredit, honestCredit]);
    }
    // With the app's average behind it, a quorum of liars alone is paid what honest hosts measured.
    const liars = await computed(
      [
        { host: l1!, elapsedMs: 2_000 },
        { host: l2!, elapsedMs: 2_000 },
      ],
      2_000,
    );
    expect(liars[0]).toBeCloseTo(honestCredit, 9);
    expect(liars[1]).toBe(liars[0]);
    // Their unit's sample moved the average at most a tenth (clamped), for everyone alike: the honest hosts' next.
    const next = await computed(
      [
        { host: h1!, elapsedMs: 1_000 },
        { host: h2!, elapsedMs: 1_000 },
      ],
      1_000,
    );
    expect(next[0]).toBeGreaterThanOrEqual(honestCredit * (1 - 1e-9));
    expect(next[0]).toBeLessThanOrEqual(honestCredit * (1 + SAMPLE_WEIGHT) * (1 + 1e-9));
  });

  test("behavior: a researcher's declaration of 1e16 FLOPs is paid what the hosts measured", async () => {
    const [a, b] = await hostsTimed(1_000, 1_000);
    for (let i = 0; i < MIN_SAMPLES + 1; i++) {
      const granted = await computed(
        [
          { host: a!, elapsedMs: 1_000 },
          { host: b!, elapsedMs: 1_000 },
        ],
        1_000,
      );
      expect(granted[0]).toBeCloseTo(creditForFlops(speed), 9);
      expect(granted[0]).toBeLessThan(creditForFlops(DECLARED) / 1e6);
    }
  });

  test('behavior: WebGPU and WASM hosts computing the same units are paid alike', async () => {
    // WebGPU hosts measured ten times faster on the coordinator's app, and a little less efficient on this one.
    const [w1, w2, g1, g2] = await hostsTimed(1_000, 1_000, 100, 100);
    const wasm = (i: number) =>
      computed(
        [
          { host: w1!, elapsedMs: 1_000, variant: 'wasm' },
          { host: w2!, elapsedMs: 1_000 + i, variant: 'wasm' },
        ],
        1_100,
      );
    const webgpu = () =>
      computed(
        [
          { host: g1!, elapsedMs: 150, variant: 'webgpu' },
          { host: g2!, elapsedMs: 150, variant: 'webgpu' },
        ],
        1_100,
      );
    for (let i = 0; i < MIN_SAMPLES; i++) {
      await wasm(i);
      await webgpu();
    }
    const [onWasm, onWebgpu] = [await wasm(0), await webgpu()];
    expect(onWebgpu[0]).toBe(onWasm[0]);
    expect(onWasm[0]).toBeCloseTo(creditForFlops(speed), 9);
  });
});
