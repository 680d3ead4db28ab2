import { describe, expect, test } from 'vitest';
import type { Assignment } from '../protocol/work.ts';
import { creditForFlops } from './credit/cobblestones.ts';
import { backends } from './testing/backends.ts';
import { customUnit } from './testing/custom-units.ts';
import { eventually, SimHost } from './testing/sim-host.ts';
import { coordinatorPerTest } from './testing/test-coordinator.ts';
import { tinyUnits } from './testing/tiny-units.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 17, item 6, over HTTP: hosts that claim a fast speed on the coordinator's own app and then a slow time on a
 * researcher's app, each in a quorum with an honest host, are paid what the honest host measured, as it is.
 */
describe.each(backends)("a researcher's app's credit over HTTP on $name", (backend) => {
  const fixture = coordinatorPerTest(backend);

  test('behavior: coordinated liars in quorums with honest hosts raise nothing', { timeout: 60_000 }, async () => {
    const work = fixture.running.coordinator.stores.work;
    await work.createBatch({ app: 'signal-search', name: 'speed', units: tinyUnits(2), now: Date.now() });
    const [h1, h2, l1, l2] = await Promise.all([1, 2, 3, 4].map(() => SimHost.register(fixture.url)));
    // Speeds as the coordinator measures them on its own app: the honest take 100 ms a unit, the liars claim 1 ms.
    const speed = new Map<SimHost, number>();
    for (const [host, ms] of [
      [h1!, 100],
      [h2!, 100],
      [l1!, 1],
      [l2!, 1],
    ] as const) {
      const [a] = await host.requestWork(1);
      speed.set(host, a!.flopsEstimate / (ms / 1000));
      await host.report([{ ...host.compute(a!), elapsedMs: ms }]);
    }
    await eventually(async () => (await fixture.running.inspect.units()).every((u) => u.state === 'done'));

    await work.createBatch({
      app: 'custom',
      name: 'self-dealing',
      units: [customUnit(1e16, 'AAAA'), customUnit(1e16, 'AAAA')],
      now: Date.now(),
    });
    // Each unit's two replicas: an honest host's and a liar's, who says it computed for 5 s (it held it 0.4 s).
    const pairs = [
      [h1!, l1!],
      [h2!, l2!],
    ] as const;
    const held: Array<{ host: SimHost; a: Assignment }> = [];
    for (const pair of pairs) for (const host of pair) held.push({ host, a: (await host.requestWork(1))[0]! });
    await sleep(400);
    for (const { host, a } of held) {
      const elapsedMs = host === l1 || host === l2 ? 5_000 : 300;
      const result = { app: 'custom' as const, output: { data: 'AAAA' } };
      await host.report([{ status: 'success', replicaId: a.replicaId, variant: 'wasm', elapsedMs, result }]);
    }
    const replicas = await eventually(async () => {
      const tokens = new Set(held.map((h) => h.a.replicaId));
      const mine = (await fixture.running.inspect.replicas()).filter((r) => r.token !== null && tokens.has(r.token));
      return mine.every((r) => r.validateState === 'valid') && mine;
    });
    const granted = new Map(replicas.map((r) => [r.token, r.grantedCredit]));
    for (const [honest, liar] of pairs) {
      const measured = creditForFlops((300 / 1000) * speed.get(honest)!);
      const [mine, theirs] = [honest, liar].map((h) => granted.get(held.find((x) => x.host === h)!.a.replicaId)!);
      expect(mine! / measured).toBeCloseTo(1, 9);
      expect(theirs).toBe(mine);
    }
  });
});
