import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../testing/backends.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { runKernel } from '../../worker-kernels/registry.ts';
import type { SqlStore } from './sql/sql-store.ts';

describe.each(backends)('scheduler on $name', ({ name, available }) => {
  let store: SqlStore;
  let cleanup = async () => {};
  const now = 5_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, cleanup } = await freshStore(name, () => 0));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const host = () => store.createHost({ tokenHash: `t-${Math.random()}`, now });

  test('default: a unit that needs WebGPU or more memory goes only to a host that offers it', async () => {
    await store.createBatch({ app: 'signal-search', name: 'gpu', units: tinyUnits(2, { needs: { webgpu: true } }), now });
    await store.createBatch({ app: 'signal-search', name: 'big', units: tinyUnits(2, { needs: { memoryMb: 4096 } }), now });
    const h = await host();
    expect(await store.issueReplicas(h, { maxReplicas: 10, capabilities: { webgpu: false, memoryMb: 1024 } }, now)).toEqual([]);
    const gpu = await store.issueReplicas(h, { maxReplicas: 10, capabilities: { webgpu: true, memoryMb: 1024 } }, now);
    expect(gpu).toHaveLength(2);
    const big = await store.issueReplicas(await host(), { maxReplicas: 10, capabilities: { webgpu: false, memoryMb: 8192 } }, now);
    expect(big.map((r) => r.workUnitId).sort()).toEqual([3, 4]);
  });

  test('behavior: the buffer in seconds is filled from the host measured speed', async () => {
    const units = tinyUnits(20);
    await store.createBatch({ app: 'signal-search', name: 'buffer', units, now });
    const h = await host();
    // One result that took as long as 1 GFLOP/s would: the host's speed is measured at 1e9.
    const [first] = await store.issueReplicas(h, 1, now);
    const elapsedMs = (first!.flopsEstimate / 1e9) * 1000;
    await store.recordResults(h, [{ status: 'success', replicaId: first!.replicaId, elapsedMs, variant: 'reference',
      result: runKernel(first!.job, { progress() {}, checkpoint() {} }) }], now);
    const perUnitS = units[0]!.flopsEstimate / 1e9;
    const buffered = await store.issueReplicas(h, { maxReplicas: 64, bufferSeconds: perUnitS * 5.5 }, now);
    expect(buffered).toHaveLength(6);
    expect(await store.issueReplicas(h, { maxReplicas: 3, bufferSeconds: 1e6 }, now)).toHaveLength(3);
  });
});
