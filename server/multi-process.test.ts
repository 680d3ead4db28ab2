import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from './config.ts';
import { startCoordinator } from './coordinator.ts';
import { freshPostgresSchema, postgresAvailable } from './testing/backends.ts';
import { SimHost } from './testing/sim-host.ts';
import { tinyUnits } from './testing/tiny-units.ts';
import { StoreInspector } from './store/sql/inspect.ts';

describe.skipIf(!postgresAvailable)('two coordinators on one Postgres', () => {
  test('behavior: issuing at once from both never sends a replica twice, and every unit is validated', async () => {
    const schema = await freshPostgresSchema();
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'terraflop-mp-')));
    const coordinators = await Promise.all(
      dirs.map((dir) =>
        startCoordinator(
          loadConfig({
            TERRAFLOP_DATA: dir,
            TERRAFLOP_WEB: dir,
            TERRAFLOP_PORT: '0',
            TERRAFLOP_DEMO: 'off',
            TERRAFLOP_CHAIN: 'off',
            TERRAFLOP_PASS_INTERVAL_MS: '20',
            TERRAFLOP_SIBLING_WAIT_S: '0',
            TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1',
            TERRAFLOP_REGISTRATION_WORK_BITS: '4', // an easy proof of work, each process checking the other's
            TERRAFLOP_DATABASE_URL: schema.url,
          }),
        ),
      ),
    );
    const inspect = StoreInspector.open({ kind: 'postgres', url: schema.url });
    try {
      await coordinators[0]!.stores.work.createBatch({
        app: 'signal-search',
        name: 'mp',
        units: tinyUnits(60),
        now: Date.now(),
      });
      // Hosts alternate between the two coordinators, as behind a load balancer, all asking at once.
      const hosts = await Promise.all(Array.from({ length: 12 }, (_, i) => SimHost.register(coordinators[i % 2]!.url)));
      const issued: string[] = [];
      const validated = async () => (await inspect.counts()).canonicalUnits;
      const deadline = Date.now() + 20_000;
      await Promise.all(
        hosts.map(async (host, i) => {
          for (let round = 0; Date.now() < deadline && (await validated()) < 60; round++) {
            host.baseUrl = coordinators[(i + round) % 2]!.url;
            const work = await host.requestWork(4);
            issued.push(...work.map((a) => a.replicaId));
            if (work.length > 0) await host.report(work.map((a) => host.compute(a)));
            else await new Promise((r) => setTimeout(r, 20));
          }
        }),
      );
      expect(new Set(issued).size).toBe(issued.length);
      expect(await validated()).toBe(60);
      // No volunteer was sent two replicas of one unit.
      const sent = (await inspect.replicas()).filter((r) => r.volunteerId !== null);
      const pairs = sent.map((r) => `${r.workUnitId}/${r.volunteerId}`);
      expect(pairs.filter((p, i) => pairs.indexOf(p) !== i)).toEqual([]);
    } finally {
      await Promise.all(coordinators.map((c) => c.close()));
      await inspect.close();
      await schema.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});
