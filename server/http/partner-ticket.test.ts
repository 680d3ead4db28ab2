import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HostIdentity } from '../../protocol/host.ts';
import { registrationProof } from '../testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';
import { TICKET_COOKIE } from './partner-ticket.ts';

const PARTNER = 'https://magazine.example';
/** What a browser sends when a page of `origin` frames the widget (its referrer policy the default). */
const framedBy = (origin: string) => ({
  'sec-fetch-dest': 'iframe',
  'sec-fetch-site': 'cross-site',
  referer: `${origin}/`,
});

/** Partner attribution over real HTTP: the widget page's ticket vouches for a registration's partner (issue 18). */
describe('partner tickets', () => {
  let running: TestCoordinator;
  let web: string;
  let base: string;

  beforeAll(async () => {
    web = mkdtempSync(join(tmpdir(), 'terraflop-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(web, 'widget-frame.html'), '<!doctype html><title>widget</title>');
    running = await startTestCoordinator('sqlite', { TERRAFLOP_WEB: web });
    base = running.coordinator.url;
  });
  afterAll(async () => {
    await running.close();
    rmSync(web, { recursive: true, force: true });
  });

  /** The ticket cookie the widget page is served with (`name=value`), or undefined. */
  async function ticket(headers: Record<string, string>): Promise<string | undefined> {
    const res = await fetch(new URL('widget-frame.html', base), { headers });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${TICKET_COOKIE}=`));
    return cookie?.split(';')[0];
  }
  /** Registers a host for `partner` with these headers; returns the partner it was recorded with. */
  async function partnerOf(partner: string, headers: Record<string, string> = {}): Promise<string | null> {
    const res = await fetch(new URL('api/hosts', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ platform: 'widget', partner, proof: await registrationProof(base) }),
    });
    expect(res.status).toBe(201);
    return running.inspect.hostPartner(HostIdentity.parse(await res.json()).hostId);
  }

  test('default: a frame of the partner gets a ticket, and a registration with it counts for the partner', async () => {
    const res = await fetch(new URL('widget-frame.html', base), { headers: framedBy(PARTNER) });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${TICKET_COOKIE}=`))!;
    // Only the registration gets it back, scripts cannot read it, and across sites it is the embedding site's own.
    expect(cookie).toMatch(/; Path=\/api\/hosts/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/); // loopback counts as a secure context for browsers
    expect(cookie).toMatch(/; SameSite=None/);
    expect(cookie).toMatch(/; Partitioned/);
    const value = cookie.split(';')[0]!;
    expect(await partnerOf(PARTNER, { cookie: value, 'sec-fetch-site': 'same-origin' })).toBe(PARTNER);
    // A browser that sends no fetch metadata on the registration (older ones) is taken at its cookie.
    expect(await partnerOf(PARTNER, { cookie: value })).toBe(PARTNER);
  });

  test('behavior: without a ticket, or with one for another site, the host is registered for no partner', async () => {
    expect(await partnerOf(PARTNER)).toBeNull();
    const other = await ticket(framedBy('https://copycat.example'));
    expect(await partnerOf(PARTNER, { cookie: other! })).toBeNull();
    expect(await partnerOf('https://copycat.example', { cookie: other! })).toBe('https://copycat.example');
  });

  test('behavior: no ticket for a page loaded outside a frame, or a frame whose page sent no referrer', async () => {
    expect(await ticket({ referer: `${PARTNER}/` })).toBeUndefined();
    expect(await ticket({ 'sec-fetch-dest': 'document', referer: `${PARTNER}/` })).toBeUndefined();
    expect(await ticket({ 'sec-fetch-dest': 'iframe' })).toBeUndefined();
    expect(await ticket({ 'sec-fetch-dest': 'iframe', referer: 'javascript:alert(1)' })).toBeUndefined();
  });

  test('error: a forged, altered or borrowed ticket vouches for nothing', async () => {
    const value = (await ticket(framedBy(PARTNER)))!;
    const [name, rest] = value.split('=') as [string, string];
    const [origin, expires, signature] = rest.split('.') as [string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [
      `${name}=${origin}.${expires}.${flip(signature)}`,
      `${name}=${origin}.${Number(expires) + 1}.${signature}`,
      `${name}=${Buffer.from('https://other.example').toString('base64url')}.${expires}.${signature}`,
      `${name}=${origin}.${expires}`,
      `${name}=garbage`,
    ])
      expect(await partnerOf(PARTNER, { cookie: forged }), forged).toBeNull();
    // The ticket sent by a page of another site (its own script calling the API), not by the frame.
    expect(await partnerOf(PARTNER, { cookie: value, 'sec-fetch-site': 'cross-site' })).toBeNull();
    // A ticket of another coordinator's secret: a second coordinator without the shared TERRAFLOP_PARTNER_SECRET.
    const other = await startTestCoordinator('sqlite', { TERRAFLOP_WEB: web });
    try {
      const res = await fetch(new URL('api/hosts', other.coordinator.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: value },
        body: JSON.stringify({ partner: PARTNER, proof: await registrationProof(other.coordinator.url) }),
      });
      expect(await other.inspect.hostPartner(HostIdentity.parse(await res.json()).hostId)).toBeNull();
    } finally {
      await other.close();
    }
  });

  test('behavior: coordinators sharing TERRAFLOP_PARTNER_SECRET accept each other’s tickets', async () => {
    const secret = 'a'.repeat(40);
    const [a, b] = [
      await startTestCoordinator('sqlite', { TERRAFLOP_WEB: web, TERRAFLOP_PARTNER_SECRET: secret }),
      await startTestCoordinator('sqlite', { TERRAFLOP_WEB: web, TERRAFLOP_PARTNER_SECRET: secret }),
    ];
    try {
      const res = await fetch(new URL('widget-frame.html', a.coordinator.url), { headers: framedBy(PARTNER) });
      const value = res.headers.getSetCookie()[0]!.split(';')[0]!;
      const registered = await fetch(new URL('api/hosts', b.coordinator.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: value },
        body: JSON.stringify({ partner: PARTNER, proof: await registrationProof(b.coordinator.url) }),
      });
      expect(await b.inspect.hostPartner(HostIdentity.parse(await registered.json()).hostId)).toBe(PARTNER);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
