/**
 * @module server/http/hosts
 * Host registration, priced with a proof of work, and a host's view of itself.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { HostIdentity, HostStatus, RegisterHost } from '../../protocol/host.ts';
import { RegistrationChallenge } from '../../protocol/registration-proof.ts';
import type { Store } from '../store/store.ts';
import { hashToken, newToken, requireHost, type HostEnv } from './auth.ts';
import { limitBody, SMALL_BODY_BYTES } from './edge.ts';
import { knownNetwork } from './network.ts';
import { parseBody } from './parse.ts';
import { PartnerTickets } from './partner-ticket.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { RegistrationChallenges } from './registration-challenges.ts';

/**
 * `registerLimit`: the per-network limit on registrations (server/http/edge.ts), spent before the body is read, so
 * that identities cost: a network past its share gets a 429 before anything is parsed or stored. Then the proof of
 * work is checked (an HMAC and a hash) before the store sees the request; the store spends its challenge, refuses a
 * banned network, and creates the host, all in one transaction. `tickets`: what vouches for a registration's partner
 * site (the coordinator's, shared with the widget page that issues them).
 */
export function hostRoutes(
  store: Store,
  challenges: RegistrationChallenges,
  limiter?: RateLimiter,
  registerLimit?: MiddlewareHandler,
  tickets: PartnerTickets = new PartnerTickets(),
) {
  return new Hono<HostEnv>()
    .get('/challenge', (c) => {
      c.header('cache-control', 'no-store');
      return c.json(RegistrationChallenge.parse(challenges.issue(Date.now())));
    })
    .post('/', registerLimit ?? ((_c, next) => next()), limitBody(SMALL_BODY_BYTES), async (c) => {
      const network = knownNetwork(c.get('network'));
      const { publicKey, partner, proof, ...body } = await parseBody(c, RegisterHost, 'host registration');
      const now = Date.now();
      const challenge = challenges.check(proof, now);
      const token = publicKey ? undefined : newToken();
      const host = await store.createHost({
        ...body,
        // A partner only where the browser vouched for it (partner-ticket.ts); else the host computes for no site.
        ...(partner && tickets.vouchesFor(c, partner) && { partner }),
        ...(publicKey ? { publicKey: JSON.stringify(publicKey) } : { tokenHash: hashToken(token!) }),
        network,
        challenge,
        now,
      });
      return c.json(
        HostIdentity.parse({ hostId: host.id, volunteerId: host.volunteerId, ...(token && { token }) }),
        201,
      );
    })
    .get('/me', requireHost(store, limiter), async (c) => {
      const summary = await store.hostSummary(c.get('host').id, Date.now());
      return c.json(HostStatus.parse(summary));
    });
}
