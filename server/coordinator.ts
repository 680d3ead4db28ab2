/**
 * @module server/coordinator
 * One coordinator: the store, the passes running over it, and the HTTP server that serves the API and the built
 * web app at one address. Tests start it on port 0 with a temporary data folder.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { startChain, type RunningChain } from './chain/start-chain.ts';
import type { Config } from './config.ts';
import { createApi } from './http/app.ts';
import { TrustedProxies } from './http/network.ts';
import { frameHeaders } from './http/frame-headers.ts';
import { renderError } from './http/errors.ts';
import { serveWebApp } from './http/web-app.ts';
import { chainPasses, storePasses } from './pass-list.ts';
import { startPasses, type PassRunner } from './passes/runner.ts';
import { openStore, storeLocation } from './store/open-store.ts';
import type { Stores } from './store/stores.ts';

export interface Coordinator {
  url: string;
  /** The store family; the passes and the host API use `stores.work`. */
  stores: Stores;
  passes: PassRunner;
  /** The chain side (contracts, epochs, poster), unless TERRAFLOP_CHAIN is off. */
  chain?: RunningChain | undefined;
  close(): Promise<void>;
}

export async function startCoordinator(config: Config): Promise<Coordinator> {
  mkdirSync(config.TERRAFLOP_DATA, { recursive: true });
  const stores = await openStore(storeLocation(config));
  const store = stores.work;
  const chain = await startChain(config, stores.chain).catch(async (e: unknown) => {
    await stores.close();
    throw e;
  });
  const passList = { ...storePasses(config), ...(chain && chainPasses(chain)) };
  const passes = startPasses(store, passList, { intervalMs: config.TERRAFLOP_PASS_INTERVAL_MS });

  const closing = new AbortController();
  const app = new Hono().use('*', frameHeaders()).route(
    '/api',
    createApi({
      store,
      onResults: () => passes.wake(),
      chain,
      research: stores.research,
      openSignup: config.TERRAFLOP_OPEN_SIGNUP,
      apps: stores.apps,
      closing: closing.signal,
      about: { operator: config.TERRAFLOP_OPERATOR, settlingS: config.TERRAFLOP_SETTLING_S },
      trustedProxies: new TrustedProxies(config.TERRAFLOP_TRUSTED_PROXIES),
      registrationsPerHour: config.TERRAFLOP_REGISTRATIONS_PER_HOUR,
      hostRate: { perSecond: config.TERRAFLOP_HOST_RATE, burst: config.TERRAFLOP_HOST_RATE * 4 },
      statsDir: join(config.TERRAFLOP_DATA, 'stats'),
    }),
  );
  if (existsSync(join(config.TERRAFLOP_WEB, 'index.html'))) {
    app.use('/*', serveWebApp(config.TERRAFLOP_WEB));
  } else {
    console.warn(`no built web app in ${config.TERRAFLOP_WEB}/ (run npm run build); serving the API only`);
  }
  app.onError(renderError);

  const server = await listen(app, config.TERRAFLOP_HOST, config.TERRAFLOP_PORT);
  const { port } = server.address() as AddressInfo;
  const host = config.TERRAFLOP_HOST.includes(':') ? `[${config.TERRAFLOP_HOST}]` : config.TERRAFLOP_HOST;
  return {
    url: `http://${host}:${port}/`,
    stores,
    passes,
    chain,
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await passes.stop();
      await chain?.stop();
      await stores.close();
    },
  };
}

function listen(app: Hono, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
