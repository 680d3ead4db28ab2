/**
 * What a host is sent over real HTTP names each replica by an opaque token and nothing else (issue 17, item 2): the
 * tokens are unique, look random, relate to no database id and to no other token, and a spot-checked single cannot
 * be told from a replica of a replicated unit by anything but its input. A report naming another host's token (or
 * one that is nobody's) is refused by name and changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { ReplicaToken, type Assignment } from '../protocol/work.ts';
import { backends } from './testing/backends.ts';
import { SimHost } from './testing/sim-host.ts';
import { coordinatorPerTest } from './testing/test-coordinator.ts';
import { tinyUnits } from './testing/tiny-units.ts';

/** A token's 128 bits. */
const bitsOf = (token: string) =>
  [...Buffer.from(token, 'base64url')].flatMap((b) => [...b.toString(2).padStart(8, '0')]);
const hamming = (a: string, b: string) => bitsOf(a).filter((bit, i) => bit !== bitsOf(b)[i]).length;

describe.each(backends)('opaque replica ids on $name', (backend) => {
  const fixture = coordinatorPerTest(backend);

  const batch = (count: number) =>
    fixture.running.coordinator.stores.work.createBatch({
      app: 'signal-search',
      name: 'ids',
      units: tinyUnits(count),
      now: Date.now(),
    });

  /** Each sent replica's unit and whether that unit went out as a single replica, read from the tables. */
  async function truth(sent: readonly Assignment[]) {
    const unitOf = new Map((await fixture.running.inspect.replicas()).map((r) => [r.token, r.workUnitId]));
    const singles = await fixture.running.inspect.singleUnits();
    return sent.map((a) => ({ a, unit: unitOf.get(a.replicaId)!, single: singles.has(unitOf.get(a.replicaId)!) }));
  }

  test('default: singles and replicas of replicated units look alike: one shape, random tokens', async () => {
    await batch(200);
    const trusted = await SimHost.register(fixture.url);
    await fixture.running.inspect.trustHost(trusted.identity.hostId, 'signal-search', 1000);
    const sent: Assignment[] = [];
    for (let ask = 0; ask < 3; ask++) sent.push(...(await trusted.requestWork(64)));
    const seen = await truth(sent);
    const singles = seen.filter((s) => s.single);
    const checked = seen.filter((s) => !s.single);
    // A 10% spot check over 192 units: both kinds are there (each missing has a chance under 1e-8).
    expect(singles.length).toBeGreaterThan(0);
    expect(checked.length).toBeGreaterThan(0);

    // One shape: the same fields, a token of the one spelling, and no unit id, whichever kind.
    const shapes = new Set(sent.map((a) => Object.keys(a).sort().join()));
    expect([...shapes]).toEqual([['app', 'deadline', 'flopsEstimate', 'input', 'project', 'replicaId'].join()]);
    for (const a of sent) expect(ReplicaToken.safeParse(a.replicaId).success).toBe(true);
    expect(new Set(sent.map((a) => a.replicaId)).size).toBe(sent.length);

    // Nothing relates a token to the database's ids: no token is an id, and none is near another token.
    const ids = new Set(
      (await fixture.running.inspect.replicas()).flatMap((r) => [String(r.id), String(r.workUnitId)]),
    );
    for (const { a } of seen) expect(ids.has(a.replicaId)).toBe(false);
    // Consecutive tokens differ in about half their bits (sequential ids differed in one or two); a pair of random
    // tokens falls outside 24..104 with a chance near 1e-12.
    for (let i = 1; i < sent.length; i++) {
      const d = hamming(sent[i - 1]!.replicaId, sent[i]!.replicaId);
      expect(d, `tokens ${i - 1} and ${i}`).toBeGreaterThanOrEqual(24);
      expect(d).toBeLessThanOrEqual(104);
    }
    // Every bit of the tokens is a coin: over all of them, half are set (±0.03, nine standard deviations).
    const ones = sent.flatMap((a) => bitsOf(a.replicaId)).filter((bit) => bit === '1').length;
    expect(Math.abs(ones / (sent.length * 128) - 0.5)).toBeLessThan(0.03);
  });

  test("error: a report naming another host's token, or nobody's, is refused by name and changes nothing", async () => {
    await batch(4);
    const [a, b] = await Promise.all([SimHost.register(fixture.url), SimHost.register(fixture.url)]);
    const [mine] = await a.requestWork(1);
    const [theirs] = await b.requestWork(1);
    const before = await fixture.running.inspect.counts();
    const refused = async (host: SimHost, results: unknown[]) => {
      const res = await host.call('POST', 'api/results', { results });
      return {
        status: res.status,
        body: (await res.json()) as { error: { name: string; issues?: { path: string }[] } },
      };
    };

    // b names a's replica, alone or after one of its own: refused whole, the foreign entry named.
    const stolen = await refused(b, [a.compute(mine!)]);
    expect(stolen.status).toBe(403);
    expect(stolen.body.error).toMatchObject({ name: 'ForeignReplicaError', issues: [{ path: 'results.0.replicaId' }] });
    const mixed = await refused(b, [b.compute(theirs!), a.compute(mine!)]);
    expect(mixed.status).toBe(403);
    expect(mixed.body.error.issues).toEqual([expect.objectContaining({ path: 'results.1.replicaId' })]);
    // A well-formed token that is nobody's gets the same answer: a host cannot probe which tokens exist.
    const made = await refused(b, [{ ...b.compute(theirs!), replicaId: `${'A'.repeat(21)}w` }]);
    expect(made.status).toBe(403);
    expect(made.body.error.issues).toEqual([expect.objectContaining({ path: 'results.0.replicaId' })]);
    // A malformed one fails the schema, by the same name of field.
    const malformed = await refused(b, [{ ...b.compute(theirs!), replicaId: `${'A'.repeat(21)}B` }]);
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toMatch(/results\.0\.replicaId/);
    // A number reaches only replicas sent before migration 21: a's replica by its database id is not a's to report.
    const [row] = (await fixture.running.inspect.replicas()).filter((r) => r.token === mine!.replicaId);
    const byNumber = await refused(a, [{ ...a.compute(mine!), replicaId: row!.id }]);
    expect(byNumber.status).toBe(403);
    expect(await fixture.running.inspect.counts()).toEqual(before);

    // Their own tokens still go in.
    expect((await b.report([b.compute(theirs!)])).accepted).toEqual([theirs!.replicaId]);
    expect((await a.report([a.compute(mine!)])).accepted).toEqual([mine!.replicaId]);
  });
});
