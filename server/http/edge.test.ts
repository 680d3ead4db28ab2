import { request } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { exportPublicKey, generateHostKey, signRequest } from '../../protocol/auth.ts';
import { HostIdentity } from '../../protocol/host.ts';
import { eventually, registrationProof } from '../testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';

let running: TestCoordinator | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** A coordinator with this network's limits; every request of these tests comes from 127.0.0.1. */
async function start(env: Record<string, string>) {
  running = await startTestCoordinator('sqlite', env);
  return running;
}

const post = (base: string, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/**
 * Posts `body` and resolves with the reply as soon as it comes, whether or not the server read the whole body: it
 * answers a body over the limit early and closes the connection, which fetch reports as a failure.
 */
function postEarly(base: string, path: string, body: Uint8Array, chunked: boolean) {
  return new Promise<{ status: number; json: unknown }>((resolve, reject) => {
    const headers = { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': body.length }) };
    const req = request(new URL(path, base), { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) }));
      expect(res.headers.connection).toBe('close');
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e); // the server stopped reading: expected
    });
    for (let at = 0; at < body.length; at += 64 << 10) req.write(body.subarray(at, at + (64 << 10)));
    req.end();
  });
}

async function register(base: string) {
  const key = await generateHostKey();
  const proof = await registrationProof(base);
  const res = await post(base, 'api/hosts', JSON.stringify({ proof, publicKey: await exportPublicKey(key.publicKey) }));
  return { res, key };
}

describe('the edge: per-network limits before any signature check or database write', () => {
  test('behavior: fresh identities from one network share its bucket; the 429 spends no nonce', async () => {
    // 2 requests a second, bursts of 8, per network.
    const { coordinator } = await start({ TERRAFLOP_NETWORK_RATE: '2', TERRAFLOP_HOST_RATE: '1000' });
    const { res, key } = await register(coordinator.url);
    const { hostId } = HostIdentity.parse(await res.json());
    // Forty forged hosts' requests: no more get their 401 than the burst and the refill since allow, whatever the
    // machine's load (the bound grows with the time they took); every other one is a 429.
    const began = performance.now();
    const forged = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(new URL('api/hosts/me', coordinator.url), { headers: { authorization: `Bearer forged-${i}` } }),
      ),
    );
    const allowed = 8 + 2 * Math.ceil((performance.now() - began) / 1000);
    const statuses = forged.map((r) => r.status);
    const passed = statuses.filter((s) => s === 401).length;
    expect(passed).toBeLessThanOrEqual(allowed);
    expect(statuses.filter((s) => s === 429).length).toBe(40 - passed);
    const refused = forged.find((r) => r.status === 429);
    if (refused) {
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toMatchObject({ error: { name: 'RateLimitedError' } });
    }

    // A real host's signed request while the bucket is empty is refused before its signature is even read...
    const url = new URL('api/hosts/me', coordinator.url);
    const emptyBucket = async () => {
      while ((await fetch(url, { headers: { authorization: 'Bearer forged' } })).status !== 429);
    };
    let headers: Record<string, string> | undefined;
    // (A bucket refilled between the two requests lets the signed one through: then again, with a fresh nonce.)
    for (let tries = 0; !headers && tries < 50; tries++) {
      await emptyBucket();
      const signed = await signRequest(key.privateKey, hostId, 'GET', url.pathname, '');
      if ((await fetch(url, { headers: signed })).status === 429) headers = signed;
    }
    expect(headers).toBeDefined();
    // ...so its nonce was not spent: the very same request goes through once the bucket refills.
    const later = await eventually(async () => {
      const r = await fetch(url, { headers: headers! });
      return r.status === 429 ? undefined : r;
    });
    expect(later.status).toBe(200);
    // And a load balancer's health check is never refused.
    expect((await fetch(new URL('api/health', coordinator.url))).status).toBe(200);
  });

  test('behavior: registrations have a tighter bucket of their own, and a refused one writes nothing', async () => {
    const running = await start({ TERRAFLOP_REGISTRATIONS_PER_HOUR: '30' }); // bursts of 30, then one in 2 min
    const replies = [];
    for (let i = 0; i < 32; i++) replies.push((await register(running.coordinator.url)).res);
    expect(replies.slice(0, 30).map((r) => r.status)).toEqual(Array(30).fill(201));
    expect(replies.slice(30).map((r) => r.status)).toEqual([429, 429]);
    expect((await running.inspect.counts()).hosts).toBe(30);
    // The network's other requests are not counted against registrations.
    expect((await fetch(new URL('api/public/apps', running.coordinator.url))).status).toBe(200);
  });

  test("error: a junk body past a route's limit is a 413 naming the limit, refused before it is read", async () => {
    const { coordinator, inspect } = await start({});
    const junk = new Uint8Array(1 << 20).fill(0x7b);
    const res = await postEarly(coordinator.url, 'api/hosts', junk, false);
    expect(res).toMatchObject({
      status: 413,
      json: { error: { name: 'PayloadTooLargeError', message: /4096 bytes/ } },
    });
    // Streamed without a length, it is cut off at the route's limit, or at the API's for a larger one.
    const streamed = await postEarly(coordinator.url, 'api/hosts', junk.subarray(0, 64 << 10), true);
    expect(streamed).toMatchObject({ status: 413, json: { error: { message: /4096 bytes/ } } });
    const huge = await postEarly(coordinator.url, 'api/hosts', new Uint8Array(2 << 20).fill(0x7b), true);
    expect(huge).toMatchObject({ status: 413, json: { error: { message: /1048576 bytes/ } } });
    const rename = await post(coordinator.url, 'api/volunteer/name', JSON.stringify({ name: 'x'.repeat(8000) }));
    expect(rename.status).toBe(413);
    expect((await inspect.counts()).hosts).toBe(0);
  });
});
