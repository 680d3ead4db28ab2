import { beforeEach, describe, expect, test } from 'vitest';
import { OVERDUE_SHARE } from './store/tail.ts';
import { backends } from './testing/backends.ts';
import { eventually, SimHost } from './testing/sim-host.ts';
import { coordinatorPerTest } from './testing/test-coordinator.ts';
import { tinyUnits } from './testing/tiny-units.ts';

const APP = 'signal-search';
const UNITS = 20;

/**
 * Issue 17, item 5: a batch's last units, held by a host that vanished (a closed tab), are reissued early to a
 * reliable host, over HTTP against a coordinator whose passes run as in production (every 20 ms here).
 */
describe.each(backends)("a batch's tail over HTTP on $name", (backend) => {
  const fixture = coordinatorPerTest(backend);
  beforeEach(async () => {
    if (!backend.available) return;
    await fixture.running.coordinator.stores.work.createBatch({
      app: APP,
      name: 'tail',
      units: tinyUnits(UNITS),
      now: now(),
    });
  });

  const now = () => Date.now();
  /** A host with a record of 20 valid results, the last `streak` in a row: reliable from ten. */
  async function veteran(streak: number) {
    const host = await SimHost.register(fixture.url);
    await fixture.running.inspect.giveStreak(host.identity.hostId, APP, { valid: 20, streak, at: now() });
    return host;
  }
  const decided = async () =>
    (await fixture.running.inspect.units()).filter((u) => u.canonicalReplicaId !== null).length;
  const replicasOf = async (unit: number) =>
    (await fixture.running.inspect.replicas()).filter((r) => r.workUnitId === unit);
  /** The unit a host's replica is of, as the coordinator knows it: the host sees only the replica's token. */
  const unitOf = async ({ replicaId }: { replicaId: string }) =>
    (await fixture.running.inspect.replicas()).find((r) => r.token === replicaId)!.workUnitId;
  /** The hosts compute whatever they are given until `count` units are decided. */
  const computeUntil = (hosts: SimHost[], count: number) =>
    eventually(async () => {
      for (const h of hosts) await h.cycle(8);
      return (await decided()) >= count;
    }, 60_000);
  /** The vanished host's replicas, moved back until they are overdue for the tail (their deadlines still ahead). */
  async function overdueNow(vanished: SimHost) {
    const [first] = await fixture.running.inspect.heldBy(vanished.identity.hostId);
    const ms = Math.ceil((first!.deadline - first!.sentAt) * OVERDUE_SHARE) + 1_000;
    await fixture.running.inspect.backdateHeld(vanished.identity.hostId, ms);
  }

  test('behavior: the last unit, held by a vanished host, completes via a reliable host long before its deadline', {
    timeout: 120_000,
  }, async () => {
    const vanished = await SimHost.register(fixture.url);
    const [held] = await vanished.requestWork(1);
    // An established host whose streak a timeout broke computes the unit's other replica: not reliable.
    const steady = await veteran(2);
    const [sibling] = await steady.requestWork(1);
    const unit = await unitOf(held!);
    expect(await unitOf(sibling!)).toBe(unit);
    await steady.report([steady.compute(sibling!)]);
    const [reliable, fresh] = [await veteran(20), await SimHost.register(fixture.url)];
    await computeUntil([reliable, fresh], UNITS - 1);
    // Another established host whose streak a timeout broke, and which computed nothing since.
    const unsteady = await veteran(3);
    expect(await replicasOf(unit)).toHaveLength(2);

    await overdueNow(vanished);
    const tail = await eventually(async () => (await replicasOf(unit)).length === 3, 10_000);
    expect(tail).toBe(true);
    // The tail replica is the only work queued, and neither a host without a record nor an unreliable one gets it.
    expect(await fresh.requestWork(8)).toEqual([]);
    expect(await unsteady.requestWork(8)).toEqual([]);
    const [extra] = await reliable.requestWork(8);
    expect(await unitOf(extra!)).toBe(unit);
    await reliable.report([reliable.compute(extra!)]);
    await eventually(async () => (await decided()) === UNITS);
    const [stillOut] = await fixture.running.inspect.heldBy(vanished.identity.hostId);
    expect(stillOut!.deadline - now()).toBeGreaterThan(60_000);

    // The closed tab comes back: its late result is checked against the canonical one and credited alike, once.
    const reply = await vanished.report([vanished.compute(held!)]);
    expect(reply.accepted).toEqual([held!.replicaId]);
    const replicas = await eventually(async () => {
      const all = await replicasOf(unit);
      return all.every((r) => r.validateState === 'valid') && all;
    });
    expect(new Set(replicas.map((r) => r.grantedCredit)).size).toBe(1);
    expect(replicas[0]!.grantedCredit).toBeGreaterThan(0);
    await eventually(async () => (await fixture.running.inspect.units()).every((u) => u.state === 'done'));
    await eventually(async () =>
      (await fixture.running.inspect.volunteerCredit()).every((v) => Math.abs(v.total - v.validGranted) < 1e-9),
    );
  });

  test('behavior: no tail replica while much of the batch is undecided', { timeout: 120_000 }, async () => {
    const vanished = await SimHost.register(fixture.url);
    const held = await vanished.requestWork(4);
    expect(held).toHaveLength(4);
    const steady = await veteran(2);
    const siblings = await steady.requestWork(4);
    await steady.report(siblings.map((s) => steady.compute(s)));
    const reliable = await veteran(20);
    await computeUntil([reliable, steady], UNITS - held.length);

    // Four of twenty undecided is no tail: the transitioner looks (the units' next look moves from the past it was
    // backdated to into the future) and only schedules its next look.
    await overdueNow(vanished);
    const stuck = new Set(await Promise.all(held.map(unitOf)));
    const nextLooks = async () =>
      (await fixture.running.inspect.units()).filter((u) => stuck.has(u.id)).map((u) => u.transitionAt ?? 0);
    await eventually(async () => (await nextLooks()).every((at) => at > now()));
    for (const id of stuck) expect(await replicasOf(id)).toHaveLength(2);
    expect(await reliable.requestWork(8)).toEqual([]);
  });
});
