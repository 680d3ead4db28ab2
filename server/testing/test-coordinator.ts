/**
 * @module server/testing/test-coordinator
 * A real coordinator in the test's process for HTTP-level tests: its own data folder (and, on Postgres, its own
 * schema), an OS-chosen port, the demo and the chain off, passes every 20 ms; `close` stops it and removes all of it
 * (a test that stops the coordinator itself may call `coordinator.close()` first: close is then a no-op for it).
 */
import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../coordinator.ts';
import { storeLocation } from '../store/open-store.ts';
import type { ResearchStore } from '../store/research.ts';
import { StoreInspector } from '../store/sql/inspect.ts';
import { freshPostgresSchema } from './backends.ts';

export interface TestCoordinator {
  coordinator: Coordinator;
  /** The research side of its store, to create projects and keys directly. */
  research: ResearchStore;
  /** A connection of its own to the coordinator's database, to read and arrange its tables. */
  inspect: StoreInspector;
  close(): Promise<void>;
}

export async function startTestCoordinator(
  backend: 'sqlite' | 'postgres' = 'sqlite',
  env: Record<string, string> = {},
): Promise<TestCoordinator> {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-test-'));
  const schema = backend === 'postgres' ? await freshPostgresSchema() : undefined;
  const config = loadConfig({
    TERRAFLOP_DATA: dir,
    TERRAFLOP_WEB: dir,
    TERRAFLOP_PORT: '0',
    TERRAFLOP_DEMO: 'off',
    TERRAFLOP_CHAIN: 'off', // the chain has its own tests (server/chain/)
    TERRAFLOP_PASS_INTERVAL_MS: '20',
    // Every simulated host shares this machine's address; tests of the per-network limits set their own.
    TERRAFLOP_NETWORK_RATE: '100000',
    TERRAFLOP_REGISTRATIONS_PER_HOUR: '1000000',
    // Registrations still solve a proof of work, an easy one; its difficulty has its own test.
    TERRAFLOP_REGISTRATION_WORK_BITS: '4',
    // Simulated hosts say where they compute from through a loopback "proxy" (server/testing/sim-host.ts).
    TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1',
    // Tests read the public figures right after changing them; the cache has its own test.
    TERRAFLOP_PUBLIC_CACHE_MS: '0',
    // Siblings go out at once, as tests of pairs expect; the wait has its own tests (set it in `env`).
    TERRAFLOP_SIBLING_WAIT_S: '0',
    // Pages of a test without a proxy all come from loopback's network; the shared quotas have their own tests.
    TERRAFLOP_HOSTS_PER_NETWORK: '1000000',
    ...(schema && { TERRAFLOP_DATABASE_URL: schema.url }),
    ...env,
  });
  const coordinator = await startCoordinator(config);
  const inspect = StoreInspector.open(storeLocation(config));
  let closed = false;
  const close = coordinator.close.bind(coordinator);
  coordinator.close = async () => {
    if (!closed) await close();
    closed = true;
  };
  return {
    coordinator,
    research: coordinator.stores.research,
    inspect,
    async close() {
      await coordinator.close();
      await inspect.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test coordinator for each test of a `describe.each(backends)`, started before and closed after it; the tests
 * of a backend not available here are skipped. Read `running` and `url` inside the tests.
 */
export function coordinatorPerTest(
  backend: { name: 'sqlite' | 'postgres'; available: boolean },
  env: Record<string, string> = {},
): { running: TestCoordinator; url: string } {
  const fixture = {} as { running: TestCoordinator; url: string };
  beforeEach(async (ctx) => {
    if (!backend.available) return ctx.skip();
    fixture.running = await startTestCoordinator(backend.name, env);
    fixture.url = fixture.running.coordinator.url;
  });
  afterEach(async () => {
    if (backend.available) await fixture.running.close();
  });
  return fixture;
}
