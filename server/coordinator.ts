/**
 * @module server/coordinator
 * One coordinator: the store, the passes running over it, and the HTTP server that serves the API and the built
 * web app at one address. Tests start it on port 0 with a temporary data folder.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { Config } from './config.ts';
import { demoFeeder } from './demo/signal-search-feeder.ts';
import { createApi } from './http/app.ts';
import { renderError } from './http/errors.ts';
import { credit, revoker, settler, transitioner, validator, type Pass } from './passes/passes.ts';
import { startPasses, type PassRunner } from './passes/runner.ts';
import { openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';

export interface Coordinator {
  url: string;
  store: Store;
  passes: PassRunner;
  close(): Promise<void>;
}

export async function startCoordinator(config: Config): Promise<Coordinator> {
  mkdirSync(config.TERRAFLOP_DATA, { recursive: true });
  const store = await openStore(
    config.TERRAFLOP_DATABASE_URL
      ? { kind: 'postgres', url: config.TERRAFLOP_DATABASE_URL }
      : { kind: 'sqlite', dataDir: config.TERRAFLOP_DATA },
  );
  const passList: Record<string, Pass> = {
    transitioner,
    validator,
    revoker,
    credit,
    settler: settler(config.TERRAFLOP_SETTLING_S * 1000),
  };
  if (config.TERRAFLOP_DEMO !== 'off') passList['demo feeder'] = demoFeeder(config.TERRAFLOP_DEMO);
  const passes = startPasses(store, passList, { intervalMs: config.TERRAFLOP_PASS_INTERVAL_MS });

  const app = new Hono().route('/api', createApi({ store, onResults: () => passes.wake() }));
  if (existsSync(join(config.TERRAFLOP_WEB, 'index.html'))) {
    app.use('/*', serveStatic({ root: config.TERRAFLOP_WEB }));
  } else {
    console.warn(`no built web app in ${config.TERRAFLOP_WEB}/ (run npm run build); serving the API only`);
  }
  app.onError(renderError);

  const server = await listen(app, config.TERRAFLOP_HOST, config.TERRAFLOP_PORT);
  const { port } = server.address() as AddressInfo;
  const host = config.TERRAFLOP_HOST.includes(':') ? `[${config.TERRAFLOP_HOST}]` : config.TERRAFLOP_HOST;
  return {
    url: `http://${host}:${port}/`,
    store,
    passes,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await passes.stop();
      await store.close();
    },
  };
}

function listen(app: Hono, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
