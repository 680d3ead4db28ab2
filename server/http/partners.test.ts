import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HostIdentity } from '../../protocol/host.ts';
import { PartnerLeaderboard } from '../../protocol/partner.ts';
import type { StoreInspector } from '../store/sql/inspect.ts';
import type { Store } from '../store/store.ts';
import type { Stores } from '../store/stores.ts';
import { backends } from '../testing/backends.ts';
import { testRandom } from '../../worker-kernels/testing/vitest-random.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { createApi } from './app.ts';
import { PartnerTickets, TICKET_COOKIE } from './partner-ticket.ts';
import { solveChallenge } from '../../protocol/registration-work.ts';
import { challengeOf, EASY_REGISTRATION } from '../testing/registration.ts';

describe.each(backends)('partner attribution on $name', ({ name, available }) => {
  let store: Store;
  let inspect: StoreInspector;
  let cleanup = async () => {};
  let api: ReturnType<typeof createApi>;
  // The widget page's tickets vouch for a partner (partner-ticket.test.ts serves and checks them over HTTP).
  const tickets = new PartnerTickets();

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    let stores: Stores;
    ({ store, stores, inspect, cleanup } = await freshStore(name, testRandom().next));
    api = createApi({ store, research: stores.research, partnerTickets: tickets, registration: EASY_REGISTRATION });
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const register = async (body: { partner?: unknown; platform?: string }) =>
    api.request('/hosts', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(typeof body.partner === 'string' && {
          cookie: `${TICKET_COOKIE}=${tickets.ticket(body.partner, Date.now())}`,
        }),
      },
      body: JSON.stringify({ proof: await solveChallenge(await challengeOf(api)), ...body }),
    });

  async function registerFor(partner?: string): Promise<number> {
    const res = await register(partner ? { platform: 'widget', partner } : { platform: 'page' });
    expect(res.status).toBe(201);
    return HostIdentity.parse(await res.json()).hostId;
  }

  const hostCount = async () => (await inspect.counts()).hosts;

  test('default: credit of hosts registered through a widget counts for their partner', async () => {
    const a1 = await registerFor('https://magazine.example');
    const a2 = await registerFor('https://magazine.example');
    const b = await registerFor('http://localhost:5173');
    const plain = await registerFor();
    // Credit as the credit pass grants it, set directly: this test is about the sum, not the passes.
    for (const [id, credit] of [
      [a1, 10],
      [a2, 5.5],
      [b, 20],
      [plain, 1000],
    ] as const) {
      await inspect.setHost(id, { totalCredit: credit });
    }
    const res = await api.request('/partners/leaderboard');
    expect(res.status).toBe(200);
    expect(PartnerLeaderboard.parse(await res.json())).toEqual({
      partners: [
        { rank: 1, partner: 'http://localhost:5173', hosts: 1, totalCredit: 20 },
        { rank: 2, partner: 'https://magazine.example', hosts: 2, totalCredit: 15.5 },
      ],
    });
    const top = PartnerLeaderboard.parse(await (await api.request('/partners/leaderboard?limit=1')).json());
    expect(top.partners.map((p) => p.partner)).toEqual(['http://localhost:5173']);
  });

  test('error: a partner that is not a web origin is refused, naming the field, and no host is created', async () => {
    for (const partner of [
      'magazine.example',
      'https://magazine.example/articles',
      'javascript:alert(1)',
      'https://a.example/',
      42,
    ]) {
      const res = await register({ partner });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('partner');
    }
    expect(await hostCount()).toBe(0);
  });

  test('error: a bad limit is refused', async () => {
    const res = await api.request('/partners/leaderboard?limit=0');
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('limit');
  });
});
