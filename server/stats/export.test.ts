import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { drain } from '../testing/drain.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { runReference } from '../../worker-kernels/registry.ts';
import type { Store } from '../store/store.ts';
import { statsRoutes } from '../http/stats.ts';
import { statsExporter, type StatsManifest } from './export.ts';

let store: Store;
let cleanup: () => Promise<void>;
let dir: string;

beforeEach(async () => {
  ({ store, cleanup } = await freshStore('sqlite', () => 0));
  dir = mkdtempSync(join(tmpdir(), 'terraflop-stats-'));
});
afterEach(async () => {
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('default: the export holds every volunteer and host, and its manifest checks out', async () => {
  const now = Date.UTC(2026, 10, 25, 12);
  await store.createBatch({ app: 'signal-search', name: 'stats', units: tinyUnits(2), now });
  const hosts = [
    await store.createHost({ tokenHash: 'a', now }),
    await store.createHost({ tokenHash: 'b', volunteerName: 'Grace', now }),
  ];
  for (const h of hosts) {
    const work = await store.issueReplicas(h, 10, now);
    await store.recordResults(
      h,
      work.map((r) => ({
        status: 'success' as const,
        token: r.token,
        elapsedMs: 5,
        variant: 'reference' as const,
        result: runReference(r.job, { progress() {}, checkpoint() {} }),
      })),
      now,
    );
  }
  await drain(store, now);

  const exporter = statsExporter(dir);
  expect(await exporter(store, now)).toBe(true);
  expect(await exporter(store, now + 1000)).toBe(false); // once a day

  const folder = join(dir, '2026-11-25');
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as StatsManifest;
  expect(manifest.format).toBe('terraflop-stats/1');
  for (const [name, entry] of Object.entries(manifest.files)) {
    const text = readFileSync(join(folder, name), 'utf8');
    expect(createHash('sha256').update(text).digest('hex')).toBe(entry.sha256);
    const rows = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { total_credit: number });
    expect(rows).toHaveLength(entry.lines);
    expect(rows.reduce((s, r) => s + r.total_credit, 0)).toBeCloseTo(entry.total_credit, 12);
    expect(entry.total_credit).toBeGreaterThan(0);
  }
  const volunteers = readFileSync(join(folder, 'volunteers.jsonl'), 'utf8');
  expect(volunteers).toContain('"name":"Grace"');

  const api = statsRoutes(dir);
  expect(await (await api.request('/')).json()).toEqual({ dates: ['2026-11-25'] });
  expect(await (await api.request('/2026-11-25/volunteers.jsonl')).text()).toBe(volunteers);
  expect((await api.request('/2026-11-25/..%2f..%2fcoordinator.sqlite')).status).toBe(404);
});
