import { startTestCoordinator, type TestCoordinator } from './testing/test-coordinator.ts';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Coordinator } from './coordinator.ts';
import { creditForFlops } from './credit/cobblestones.ts';
import { eventually, registrationProof, SimHost } from './testing/sim-host.ts';
import { tinyUnits } from './testing/tiny-units.ts';
import { signRequest } from '../protocol/auth.ts';
import { backends } from './testing/backends.ts';

describe.each(backends)('coordinator on $name', ({ name, available }) => {
  let running: TestCoordinator;
  let coordinator: Coordinator;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    running = await startTestCoordinator(name);
    coordinator = running.coordinator;
  });

  afterEach(async () => {
    if (available) await running.close();
  });

  async function batch(count: number, limits = {}) {
    const units = tinyUnits(count, limits);
    await coordinator.stores.work.createBatch({ app: 'signal-search', name: 'test', units, now: Date.now() });
    return units;
  }

  describe('work lifecycle over HTTP', () => {
    test('default: two honest hosts reach quorum and both are credited', async () => {
      const units = await batch(3);
      const [a, b] = await Promise.all([SimHost.register(coordinator.url), SimHost.register(coordinator.url)]);
      const gotA = await a.cycle(10);
      const gotB = await b.cycle(10);
      // Each host holds one replica of every unit (known by its input: a host is given no unit id): never two
      // replicas of a unit to one host.
      const inputs = (got: typeof gotA) => got.map((r) => JSON.stringify(r.input)).sort();
      expect(inputs(gotA)).toEqual(inputs(gotB));
      expect(new Set(inputs(gotA)).size).toBe(3);

      const expected = units.reduce((sum, u) => sum + creditForFlops(u.flopsEstimate), 0);
      const status = await eventually(async () => {
        const s = await a.status();
        return s.results.valid === 3 && s.credit.total > 0 && s;
      });
      expect(status.credit.total).toBeCloseTo(expected, 12);
      expect(status.credit.recentAverage).toBeGreaterThan(0);
      expect((await b.status()).credit.total).toBeCloseTo(expected, 12);
    });

    test('behavior: a wrong result is outvoted by a third replica and earns nothing', async () => {
      await batch(2);
      const honest = await SimHost.register(coordinator.url);
      const cheat = await SimHost.register(coordinator.url, 'cheat');
      await honest.cycle(10);
      await cheat.cycle(10);
      // The pair disagrees, so the validator asks for one more replica of each unit.
      const referee = await SimHost.register(coordinator.url);
      const third = await eventually(async () => {
        const work = await referee.cycle(10);
        return work.length === 2 && work;
      });
      expect(third).toHaveLength(2);

      await eventually(async () => (await referee.status()).results.valid === 2);
      const lied = await cheat.status();
      expect(lied.results.invalid).toBe(2);
      expect(lied.credit.total).toBe(0);
      expect((await honest.status()).results.valid).toBe(2);
      await eventually(async () => (await honest.status()).credit.total > 0);
    });

    test(
      'behavior: a replica past its deadline is reissued, ' + 'and its late result is still refused once decided',
      async () => {
        await batch(1, { delayBoundS: 1 });
        const [slow, a, b] = await Promise.all([1, 2, 3].map(() => SimHost.register(coordinator.url)));
        const [late] = await slow!.requestWork(1);
        await a!.cycle(1);
        // The second replica went to `slow`; after its deadline the transitioner issues a new one to b.
        const reissued = await eventually(async () => (await b!.requestWork(1))[0], 5_000);
        expect(reissued.input).toEqual(late!.input);
        expect(reissued.replicaId).not.toBe(late!.replicaId);
        await b!.report([b!.compute(reissued)]);
        await eventually(async () => (await a!.status()).results.valid === 1);
        const reply = await slow!.report([slow!.compute(late!)]);
        expect(reply.rejected[0]?.error).toMatch(/after its work unit was decided/);
      },
    );

    test('behavior: a late result counts while its unit is undecided', async () => {
      await batch(1, { delayBoundS: 1 });
      const [slow, a] = await Promise.all([1, 2].map(() => SimHost.register(coordinator.url)));
      const [late] = await slow!.requestWork(1);
      await new Promise((r) => setTimeout(r, 1_200));
      await a!.cycle(1);
      const reply = await slow!.report([slow!.compute(late!)]);
      expect(reply.accepted).toEqual([late!.replicaId]);
      await eventually(async () => (await slow!.status()).results.valid === 1);
    });
  });

  describe('bad input changes nothing', () => {
    async function counts() {
      const { hosts, sentReplicas, results } = await running.inspect.counts();
      return { hosts, sentReplicas, results };
    }

    async function expectError(res: Response, status: number, pattern: RegExp) {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { name: string; message: string } };
      expect(body.error.message).toMatch(pattern);
      return body;
    }

    test('error: registration with a bad name or malformed JSON', async () => {
      const before = await counts();
      const post = (body: string) =>
        fetch(new URL('api/hosts', coordinator.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      const proof = await registrationProof(coordinator.url);
      await expectError(await post(JSON.stringify({ proof, volunteerName: 5 })), 400, /volunteerName/);
      await expectError(await post(JSON.stringify({ proof, volunteerName: 'x', admin: true })), 400, /admin/);
      await expectError(await post('{not json'), 400, /not valid JSON/);
      expect(await counts()).toEqual(before);
    });

    test('error: work requests without a valid token or with a bad size', async () => {
      await batch(2);
      const host = await SimHost.register(coordinator.url);
      const before = await counts();
      await expectError(
        await fetch(new URL('api/work', coordinator.url), { method: 'POST', body: '{}' }),
        401,
        /Authorization/,
      );
      const forged = await fetch(new URL('api/work', coordinator.url), {
        method: 'POST',
        headers: { authorization: 'Bearer forged-token' },
        body: '{"maxReplicas":1}',
      });
      await expectError(forged, 401, /unknown host token/);
      await expectError(await host.call('POST', 'api/work', { maxReplicas: 0 }), 400, /maxReplicas/);
      await expectError(await host.call('POST', 'api/work', { maxReplicas: 1000 }), 400, /maxReplicas/);
      await expectError(await host.call('GET', 'api/nowhere'), 404, /no endpoint GET \/api\/nowhere/);
      expect(await counts()).toEqual(before);
    });

    test('error: results that are malformed, oversized, foreign or repeated', async () => {
      await batch(2);
      const [a, b] = await Promise.all([SimHost.register(coordinator.url), SimHost.register(coordinator.url)]);
      const [mine, other] = await a.requestWork(2);
      const result = a.compute(mine!);
      const before = await counts();

      await expectError(
        await a.call('POST', 'api/results', {
          results: [{ ...result, result: { app: 'signal-search', output: { peaks: 'many' } } }],
        }),
        400,
        /peaks/,
      );
      await expectError(await a.call('POST', 'api/results', { results: [] }), 400, /results/);
      // Hosts claim no credit: a unit's credit comes from its FLOP estimate, and a claim is refused outright.
      await expectError(
        await a.call('POST', 'api/results', { results: [{ ...result, claimedFlops: 1e18 }] }),
        400,
        /claimedFlops/,
      );
      const bad = {
        ...result,
        result: { app: 'signal-search', output: { peaks: [{ drift: 0, block: 0, bin: -1, snr: 5 }] } },
      };
      await expectError(await a.call('POST', 'api/results', { results: [bad] }), 400, /bin/);
      const huge = JSON.stringify({ results: [{ ...result, padding: 'x'.repeat(2 << 20) }] });
      const tooLarge = await postRaw(new URL('api/results', coordinator.url), a.identity.token!, huge);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body).toMatch(/larger than 1048576 bytes/);
      expect(await counts()).toEqual(before);

      // b was never sent this replica: refused by name (403), and a's own result still goes in.
      const stolen = await b.call('POST', 'api/results', { results: [result] });
      expect(stolen.status).toBe(403);
      expect(await stolen.json()).toMatchObject({
        error: { name: 'ForeignReplicaError', issues: [{ path: 'results.0.replicaId' }] },
      });
      expect(await counts()).toEqual(before);
      const first = await a.report([result]);
      expect(first.accepted).toEqual([mine!.replicaId]);
      const replay = await a.report([result, a.compute(other!)]);
      expect(replay.accepted).toEqual([other!.replicaId]);
      expect(replay.rejected[0]?.error).toMatch(/already reported/);
    });

    test('error: forged, replayed, stale and tampered signatures', async () => {
      await batch(2);
      const [host, other] = await Promise.all([SimHost.register(coordinator.url), SimHost.register(coordinator.url)]);
      const url = new URL('api/work', coordinator.url);
      const body = JSON.stringify({ maxReplicas: 1 });
      const send = (headers: Record<string, string>, text = body) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
      const before = await counts();

      // Signed by another host's key, claiming to be `host`.
      const forged = await signRequest(other.key!.privateKey, host.identity.hostId, 'POST', url.pathname, body);
      await expectError(await send(forged), 401, /signature does not verify/);
      // A body changed after signing.
      const signed = await host.authHeaders('POST', url, body);
      await expectError(await send(signed, JSON.stringify({ maxReplicas: 2 })), 401, /signature does not verify/);
      // An hour-old request.
      const stale = await signRequest(
        host.key!.privateKey,
        host.identity.hostId,
        'POST',
        url.pathname,
        body,
        Date.now() - 3_600_000,
      );
      await expectError(await send(stale), 401, /timestamp/);
      // Malformed headers.
      await expectError(await send({ ...signed, 'x-terraflop-signature': 'abc' }), 401, /x-terraflop-signature/);
      expect(await counts()).toEqual(before);

      // The genuine request works once; the same bytes again are a replay.
      const genuine = await host.authHeaders('POST', url, body);
      expect((await send(genuine)).status).toBe(200);
      await expectError(await send(genuine), 401, /replay/);
    });

    test('error: a host over its rate limit gets a 429 with Retry-After', async () => {
      const host = await SimHost.register(coordinator.url);
      let limited: Response | undefined;
      for (let i = 0; i < 200 && !limited; i++) {
        const res = await host.call('GET', 'api/hosts/me');
        if (res.status === 429) limited = res;
      }
      expect(limited).toBeDefined();
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
      await expectError(limited!, 429, /too many requests/);
    });

    test('error: the status of an unknown host', async () => {
      const res = await fetch(new URL('api/hosts/me', coordinator.url), { headers: { authorization: 'Bearer nope' } });
      await expectError(res, 401, /unknown host token/);
    });
  });
});

/**
 * A POST through node:http, which (unlike fetch) still reads the response when the server answers before the body
 * is fully sent, as it does for a body over the limit.
 */
function postRaw(url: URL, token: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', (error) => ('code' in error && error.code === 'EPIPE' ? undefined : reject(error)));
    req.end(body);
  });
}
