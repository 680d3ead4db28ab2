import { describe, expect, test, vi } from 'vitest';
import { runReference } from '../../worker-kernels/registry.ts';
import { backends } from '../testing/backends.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import type { IssuedReplica, ResultToRecord } from './types.ts';
import { ForeignReplicaError } from './store.ts';

/** Hosts' token hashes: unique, not random. */
let tokens = 0;

describe.each(backends)('reports on $name', (backend) => {
  const fixture = storePerTest(backend);
  const now = 7_000_000;

  const host = () => fixture.store.createHost({ tokenHash: `t-${++tokens}`, now });
  const success = (r: IssuedReplica, elapsedMs: number): ResultToRecord => ({
    status: 'success',
    token: r.token,
    elapsedMs,
    variant: 'reference',
    result: runReference(r.job, { progress() {}, checkpoint() {} }),
  });

  test(
    'behavior: reports that arrive at once are recorded in one transaction, ' + 'a replica reported twice taken once',
    async () => {
      await fixture.store.createBatch({ app: 'signal-search', name: 'r', units: tinyUnits(2), now });
      const a = await host();
      const b = await host();
      const forA = await fixture.store.issueReplicas(a, 2, now);
      const forB = await fixture.store.issueReplicas(b, 2, now);
      const transactions = vi.spyOn(fixture.db, 'transaction');
      const [first, again, fromB, stolen] = await Promise.allSettled([
        fixture.store.recordResults(a, [success(forA[0]!, 1000)], now),
        fixture.store.recordResults(a, [success(forA[0]!, 1000), success(forA[1]!, 4000)], now),
        fixture.store.recordResults(
          b,
          forB.map((r) => success(r, 2000)),
          now,
        ),
        fixture.store.recordResults(b, [success(forA[1]!, 1)], now),
      ]);
      expect(transactions).toHaveBeenCalledTimes(1);
      const [a0, a1] = [forA[0]!.token, forA[1]!.token];
      expect(first).toEqual({ status: 'fulfilled', value: [{ token: a0, replicaId: forA[0]!.replicaId, ok: true }] });
      expect(again).toEqual({
        status: 'fulfilled',
        value: [
          { token: a0, replicaId: forA[0]!.replicaId, ok: false, error: `replica ${a0} was already reported` },
          { token: a1, replicaId: forA[1]!.replicaId, ok: true },
        ],
      });
      expect(fromB.status === 'fulfilled' && fromB.value.every((o) => o.ok)).toBe(true);
      // b names a's replica: its report is refused whole, the others of the batch are not.
      expect(stolen.status === 'rejected' && stolen.reason).toBeInstanceOf(ForeignReplicaError);
      // Every unit has its two results: both go to the validator.
      expect(
        Number(
          (await fixture.db.get<{ n: number }>('SELECT count(*) AS n FROM work_units WHERE need_validate = 1'))!.n,
        ),
      ).toBe(2);
      // Each host's speed folds its own results, in the order reported: a took 1 s then 4 s, b 2 s twice.
      const speeds = await fixture.db.all<{ id: number; flops: number }>('SELECT id, flops FROM hosts ORDER BY id');
      const speedOf = (h: { id: number }) => speeds.find((s) => Number(s.id) === h.id)!.flops;
      expect(speedOf(a)).toBeCloseTo(forA[0]!.flopsEstimate * 0.8 + (0.2 * forA[1]!.flopsEstimate) / 4, 3);
      expect(speedOf(b)).toBeCloseTo((forB[0]!.flopsEstimate / 2) * 0.8 + (0.2 * forB[1]!.flopsEstimate) / 2, 3);
    },
  );
});
