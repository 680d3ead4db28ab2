import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { exportPublicKey, generateHostKey, type PublicKeyJwk } from '../../protocol/auth.ts';
import { backends } from '../testing/backends.ts';
import { registrationProof, SimHost } from '../testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';

describe.each(backends)('registering a host on $name: bad keys and names are 4xx naming the field', (backend) => {
  let running: TestCoordinator;
  beforeEach(async (ctx) => {
    if (!backend.available) return ctx.skip();
    running = await startTestCoordinator(backend.name);
  });
  afterEach(async () => {
    if (backend.available) await running.close();
  });

  /** Each registration pays its own proof of work (server/http/registration.test.ts tests the proof itself). */
  const register = async (body: object) => {
    const proof = await registrationProof(running.coordinator.url);
    const res = await fetch(new URL('api/hosts', running.coordinator.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ proof, ...body }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { name: string; message: string } } };
  };
  const freshKey = async () => exportPublicKey((await generateHostKey()).publicKey);

  test('error: an off-curve key is a 400 naming publicKey, and nothing is stored', async () => {
    const key = await freshKey();
    // The same x with another y: the right shape, but no point of the curve (a valid y has one other value only).
    const flipped = key.y.startsWith('A') ? `B${key.y.slice(1)}` : `A${key.y.slice(1)}`;
    const offCurve: PublicKeyJwk = { ...key, y: flipped };
    const reply = await register({ publicKey: offCurve });
    expect(reply).toMatchObject({ status: 400, body: { error: { name: 'InvalidRequestError' } } });
    expect(reply.body.error!.message).toContain('publicKey.y: is not a point on the P-256 curve');
    const zero = 'A'.repeat(43);
    expect((await register({ publicKey: { ...key, x: zero, y: zero } })).status).toBe(400);
    expect((await running.inspect.counts()).hosts).toBe(0);
  });

  test('error: a second spelling of a key (its spare bits set) is refused, so one key has one spelling', async () => {
    const key = await freshKey();
    const last = key.x.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = { ...key, x: key.x.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1] };
    const reply = await register({ publicKey: respelled });
    expect(reply.status).toBe(400);
    expect(reply.body.error!.message).toContain('publicKey.x: must be 32 bytes in base64url, its last 2 bits zero');
    // Not base64url at all (found by npm run fuzz: the curve check decoded it, and atob threw a 500).
    const garbled = await register({ publicKey: { ...key, x: `${'A'.repeat(42)}!` } });
    expect(garbled.status).toBe(400);
    expect(garbled.body.error!.message).toContain('publicKey.x: must be 32 bytes in base64url');
  });

  test('error: a key registered twice, even by racing requests, is one host and 409s naming publicKey', async () => {
    const publicKey = await freshKey();
    const replies = await Promise.all(Array.from({ length: 5 }, () => register({ publicKey })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const refused = replies.find((r) => r.status === 409)!;
    expect(refused.body.error).toMatchObject({ name: 'KeyTakenError', message: expect.stringMatching(/^publicKey: /) });
    // The refused registrations left no volunteer behind either.
    expect(await running.inspect.counts()).toMatchObject({ hosts: 1, volunteers: 1 });
  });

  test.each([
    ['NUL', 'Ada\u0000'],
    ['a bidi override', 'Ada\u202Egnp.exe'],
    ['a bidi isolate', '\u2066Ada'],
    ['an escape', 'Ada\u001b[31m'],
    ['a line break', 'Ada\nAdmin'],
  ])('error: a volunteer name with %s is a 400 naming the field, at registration and rename', async (_, name) => {
    const reply = await register({ volunteerName: name });
    expect(reply.status).toBe(400);
    expect(reply.body.error!.message).toContain(
      'volunteerName: must not contain control characters or bidirectional overrides',
    );
    const host = await SimHost.register(running.coordinator.url, { volunteerName: 'Ada Lovelace' });
    const rename = await host.call('PUT', 'api/volunteer/name', { name });
    expect(rename.status).toBe(400);
    expect(await rename.text()).toContain('name: must not contain control characters');
    expect((await (await host.call('GET', 'api/volunteer')).json()) as object).toMatchObject({ name: 'Ada Lovelace' });
  });
});
