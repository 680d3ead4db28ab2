/**
 * @module server/coordinator
 * One coordinator: the store, the passes running over it, and the HTTP server that serves the API and the built
 * web app at one address. Tests start it on port 0 with a temporary data folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { startChain, type RunningChain } from './chain/start-chain.ts';
import type { Config } from './config.ts';
import { createApi } from './http/app.ts';
import { TrustedProxies } from './http/network.ts';
import { frameHeaders, WIDGET_FRAME_PATH } from './http/frame-headers.ts';
import { PartnerTickets } from './http/partner-ticket.ts';
import { renderError } from './http/errors.ts';
import { serveWebApp } from './http/web-app.ts';
import { chainPasses, storePasses, trainingPasses } from './pass-list.ts';
import { startPasses, type PassRunner } from './passes/runner.ts';
import { openStore, storeLocation } from './store/open-store.ts';
import { DEFAULT_HOSTS_PER } from './store/quota.ts';
import type { Stores } from './store/stores.ts';
import { BACKLOG_CAP, Metrics } from './metrics.ts';
import { createLogger, flushLog, logDecisions, type Logger } from './log.ts';
import { allOf } from './passes/events.ts';
import type { WorkRouteEvents } from './http/work.ts';
import { metricsRoute } from './http/metrics.ts';

export interface Coordinator {
  url: string;
  /** The store family; the passes and the host API use `stores.work`. */
  stores: Stores;
  passes: PassRunner;
  /** This process's metrics (served at GET /metrics) and log. */
  metrics: Metrics;
  log: Logger;
  /** The chain side (contracts, epochs, poster), unless TERRAFLOP_CHAIN is off. */
  chain?: RunningChain | undefined;
  close(): Promise<void>;
}

export async function startCoordinator(config: Config): Promise<Coordinator> {
  mkdirSync(config.TERRAFLOP_DATA, { recursive: true });
  const waitMs = config.TERRAFLOP_SIBLING_WAIT_S * 1000;
  const stores = await openStore(storeLocation(config), {
    siblingWait: { minMs: waitMs / 4, maxMs: waitMs },
    hostsPer: { ...DEFAULT_HOSTS_PER, network: config.TERRAFLOP_HOSTS_PER_NETWORK },
    newHostDaily: config.TERRAFLOP_NEW_HOST_DAILY,
  });
  const store = stores.work;
  const log = createLogger(config.TERRAFLOP_LOG_LEVEL);
  const settlingMs = config.TERRAFLOP_SETTLING_S * 1000;
  const metrics = new Metrics({
    backlog: () => store.backlog(Date.now(), Date.now() - settlingMs, BACKLOG_CAP),
    backlogEveryMs: config.TERRAFLOP_METRICS_BACKLOG_MS,
  });
  const chainLog = log.child({ part: 'chain' });
  const chain = await startChain(config, stores.chain, {
    log: (m) => chainLog.warn(m),
    onRpcError: (method, error) => metrics.rpcError(method, error),
    onEpochPosted: (epoch) => {
      metrics.epochPosted();
      chainLog.info({ epoch }, `epoch ${epoch} posted`);
    },
  }).catch(async (e: unknown) => {
    await stores.close();
    throw e;
  });
  const passList = {
    ...storePasses(config, allOf(metrics, logDecisions(log))),
    ...trainingPasses(stores.training),
    ...(chain && chainPasses(chain)),
  };
  const passes = startPasses(store, passList, {
    intervalMs: config.TERRAFLOP_PASS_INTERVAL_MS,
    onError: (pass, err) => log.error({ pass, err }, `pass ${pass} failed`),
    onRun: (pass, ms, failed) => metrics.passRound(pass, ms, failed),
  });

  const closing = new AbortController();
  const partnerTickets = new PartnerTickets(config.TERRAFLOP_PARTNER_SECRET);
  const app = new Hono()
    .use('*', metrics.http())
    .use('*', frameHeaders())
    .get(
      '/metrics',
      metricsRoute(() => metrics.text(), config.TERRAFLOP_METRICS_TOKEN),
    );
  app.route(
    '/api',
    createApi({
      store,
      onResults: () => passes.wake(),
      workEvents: workEvents(metrics, log),
      chain,
      research: stores.research,
      training: stores.training,
      openSignup: config.TERRAFLOP_OPEN_SIGNUP,
      apps: stores.apps,
      closing: closing.signal,
      about: { operator: config.TERRAFLOP_OPERATOR, settlingS: config.TERRAFLOP_SETTLING_S },
      trustedProxies: new TrustedProxies(config.TERRAFLOP_TRUSTED_PROXIES),
      registrationsPerHour: config.TERRAFLOP_REGISTRATIONS_PER_HOUR,
      registration: {
        secret:
          config.TERRAFLOP_REGISTRATION_SECRET ??
          (await store.sharedSecret('registration', randomBytes(32).toString('base64url'))),
        bits: config.TERRAFLOP_REGISTRATION_WORK_BITS,
      },
      hostRate: { perSecond: config.TERRAFLOP_HOST_RATE, burst: config.TERRAFLOP_HOST_RATE * 4 },
      networkRate: { perSecond: config.TERRAFLOP_NETWORK_RATE, burst: config.TERRAFLOP_NETWORK_RATE * 4 },
      statsDir: join(config.TERRAFLOP_DATA, 'stats'),
      publicCacheMs: config.TERRAFLOP_PUBLIC_CACHE_MS,
      partnerTickets,
    }),
  );
  // The widget page, served into a partner's frame, carries the ticket that vouches for that partner.
  app.use(WIDGET_FRAME_PATH, partnerTickets.issue());
  if (existsSync(join(config.TERRAFLOP_WEB, 'index.html'))) {
    app.use('/*', serveWebApp(config.TERRAFLOP_WEB));
  } else {
    log.warn(`no built web app in ${config.TERRAFLOP_WEB}/ (run npm run build); serving the API only`);
  }
  app.onError(renderError);

  const server = await listen(app, config.TERRAFLOP_HOST, config.TERRAFLOP_PORT);
  const { port } = server.address() as AddressInfo;
  const host = config.TERRAFLOP_HOST.includes(':') ? `[${config.TERRAFLOP_HOST}]` : config.TERRAFLOP_HOST;
  return {
    url: `http://${host}:${port}/`,
    stores,
    passes,
    metrics,
    log,
    chain,
    async close() {
      closing.abort();
      await closeServer(server, log);
      await passes.stop();
      await chain?.stop();
      await stores.close();
      await flushLog(log);
    },
  };
}

/**
 * Replicas issued and results recorded: counted, and logged as the replicas' state changes, one line per request
 * (its writes are one transaction) with the replicas' ids as fields: a host asks for dozens at a time, and a line
 * per replica, or their names spelled out in the message, had made the log a large share of the coordinator's work.
 */
function workEvents(metrics: Metrics, log: Logger): WorkRouteEvents {
  return {
    issued(host, replicas) {
      metrics.replicasIssued(replicas.length);
      if (!log.isLevelEnabled('info')) return;
      log.info(
        {
          host: host.id,
          volunteer: host.volunteerId,
          replicas: replicas.map((r) => r.replicaId),
          units: replicas.map((r) => r.workUnitId),
        },
        `host ${host.id}: ${replicas.length} replicas unsent=>in_progress`,
      );
    },
    recorded(host, outcomes) {
      if (!log.isLevelEnabled('info') || outcomes.length === 0) return;
      const refused = outcomes.flatMap((o) => (o.ok ? [] : [{ replica: o.replicaId, reason: o.error }]));
      log.info(
        {
          host: host.id,
          replicas: outcomes.flatMap((o) => (o.ok ? [o.replicaId] : [])),
          ...(refused.length > 0 && { refused }),
        },
        `host ${host.id}: ${outcomes.length - refused.length} replicas in_progress=>over` +
          (refused.length > 0 ? `, ${refused.length} refused` : ''),
      );
    },
  };
}

/** How long requests in flight may take to finish once the coordinator is told to stop. */
const DRAIN_MS = 5_000;

/**
 * Stops taking connections and waits for the requests in flight, at most DRAIN_MS: a page left open (a tab, a test's
 * browser) keeps requests coming on its kept-alive connection, and a stop must not wait on it. Cutting them is safe:
 * a request's writes are one transaction, and a host whose report was cut sends it again.
 */
function closeServer(server: ServerType, log: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const cut = setTimeout(() => {
      log.warn(`requests still open ${DRAIN_MS} ms after the stop: closing their connections`);
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, DRAIN_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}

function listen(app: Hono, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
