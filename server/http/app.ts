/**
 * @module server/http/app
 * The coordinator's HTTP API: it only issues work and accepts results (and registers hosts); everything else
 * happens in the passes. Every body is size-limited and parsed with the protocol schemas; every error is an
 * ApiErrorBody.
 */
import { Hono } from 'hono';
import { MAX_BODY_BYTES } from '../../protocol/work.ts';
import type { Store } from '../store/store.ts';
import { chainRoutes, type ChainFace } from './chain.ts';
import { limitBody, networkLimitOf, type NetworkOf, type Rate } from './edge.ts';
import { NotFoundError, renderError } from './errors.ts';
import { hostRoutes } from './hosts.ts';
import { randomBytes } from 'node:crypto';
import { DEFAULT_REGISTRATION_BITS } from '../../protocol/registration-proof.ts';
import { RegistrationChallenges, type RegistrationPricing } from './registration-challenges.ts';
import { partnerRoutes } from './partners.ts';
import type { PartnerTickets } from './partner-ticket.ts';
import { volunteerRoutes } from './volunteer.ts';
import { statsRoutes } from './stats.ts';
import { hostAppRoutes, researchAppRoutes } from './apps.ts';
import type { AppStore } from '../store/apps.ts';
import { RateLimiter } from './rate-limit.ts';
import { type NetEnv, networkOf, TrustedProxies } from './network.ts';
import { workRoutes, type WorkRouteEvents } from './work.ts';
import type { ResearchStore } from '../store/research.ts';
import type { TrainingStore } from '../store/training.ts';
import { openApiRoute, publicRoutes } from './public.ts';
import { researchRoutes } from './research.ts';
import type { AboutSettings } from '../research/about.ts';
import { signupRoutes } from './research-signup.ts';

export interface ApiOptions {
  store: Store;
  /** Folder of the daily statistics exports, served publicly; none when absent. */
  statsDir?: string;
  /** Per-host request limit, checked after the host's signature; none when absent. */
  hostRate?: Rate;
  /** Per-network request limit over the whole API but /health, checked before anything else; none when absent. */
  networkRate?: Rate | undefined;
  /** Proxies whose X-Forwarded-For names the client (server/http/network.ts); none when absent. */
  trustedProxies?: TrustedProxies | undefined;
  /** Host registrations per network and hour (a token bucket as deep), on top of networkRate; none when absent. */
  registrationsPerHour?: number | undefined;
  /**
   * The registration proof of work: its secret and difficulty. By default a secret of this process alone and the
   * production difficulty; a coordinator of several processes passes the secret they share.
   */
  registration?: RegistrationPricing | undefined;
  /** How long public figures (status, boards, about) are served before being computed again; 0: every request. */
  publicCacheMs?: number | undefined;
  /** Called when results were stored, so the validator can run now rather than at its next tick. */
  onResults?: () => void;
  /** Told of replicas issued and results recorded (the coordinator's metrics and log). */
  workEvents?: WorkRouteEvents | undefined;
  /** The chain side, when TERRAFLOP_CHAIN is not off. */
  chain?: ChainFace | undefined;
  /** Researchers' own apps (uploads and the modules hosts fetch). */
  apps?: AppStore | undefined;
  /** The research side (researchers' API, public status); absent in tests of the host API alone. */
  research?: ResearchStore | undefined;
  /** Training jobs, part of the research API; absent, it has none. */
  training?: TrainingStore | undefined;
  /** Whether anyone may create a project (POST /api/research/projects); else only the operator's command. */
  openSignup?: boolean | undefined;
  /** Aborted when the coordinator shuts down, to end the research API's live streams. */
  closing?: AbortSignal | undefined;
  /** What volunteers are told about this coordinator (GET /api/public/about); defaults otherwise. */
  about?: AboutSettings | undefined;
  /** What vouches for a host's partner site: the tickets the widget page was served with; a fresh secret if absent. */
  partnerTickets?: PartnerTickets | undefined;
}

export function createApi({
  store,
  onResults = () => {},
  chain,
  hostRate,
  research,
  training,
  statsDir,
  closing,
  apps,
  openSignup = false,
  about,
  workEvents,
  networkRate,
  trustedProxies = new TrustedProxies(''),
  registrationsPerHour,
  registration = { secret: randomBytes(32).toString('base64url'), bits: DEFAULT_REGISTRATION_BITS },
  publicCacheMs,
  partnerTickets,
}: ApiOptions) {
  const registrations =
    registrationsPerHour === undefined
      ? undefined
      : { perSecond: registrationsPerHour / 3600, burst: registrationsPerHour };
  const limiter = hostRate && new RateLimiter(hostRate);
  const byNetwork: NetworkOf = (c) => c.get('network') as string;
  const api = new Hono<NetEnv>()
    // Every route may ask where the request comes from; worked out once, from the socket and trusted proxies only.
    .use(async (c, next) => {
      c.set('network', networkOf(c, trustedProxies));
      await next();
    })
    // Before the limit: a load balancer's health check is never refused.
    .get('/health', (c) => c.json({ ok: true }))
    .use(networkLimitOf(networkRate, byNetwork, 'network'))
    .use(limitBody(MAX_BODY_BYTES))
    .route(
      '/hosts',
      hostRoutes(
        store,
        new RegistrationChallenges(registration),
        limiter,
        networkLimitOf(registrations, byNetwork, 'register'),
        partnerTickets,
      ),
    )
    .route('/volunteer', volunteerRoutes(store, limiter))
    .route('/stats', statsDir ? statsRoutes(statsDir) : new Hono())
    .route('/partners', research ? partnerRoutes(research, publicCacheMs) : new Hono())
    .route('/', workRoutes(store, onResults, limiter, workEvents))
    .route('/', chainRoutes(chain))
    .route('/apps', apps ? hostAppRoutes(apps) : new Hono())
    .route('/', research && apps ? new Hono().route('/research/apps', researchAppRoutes(research, apps)) : new Hono())
    // Sign-up comes before the research routes, whose key check covers everything else under /research.
    .route(
      '/',
      research ? new Hono().route('/research/projects', signupRoutes(research, { open: openSignup })) : new Hono(),
    )
    .route(
      '/',
      research
        ? new Hono()
            .route('/research', researchRoutes(research, { closing, apps, training }))
            .route('/public', publicRoutes(research, about, publicCacheMs))
            .route('/', openApiRoute())
        : new Hono(),
    )
    .all('*', (c) => {
      throw new NotFoundError(`no endpoint ${c.req.method} ${c.req.path}`);
    });
  api.onError(renderError);
  return api;
}
