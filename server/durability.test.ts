import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { testRandom } from '../worker-kernels/testing/vitest-random.ts';
import { openStore } from './store/open-store.ts';
import { StoreInspector } from './store/sql/inspect.ts';
import { SimHost } from './testing/sim-host.ts';
import { tinyUnits } from './testing/tiny-units.ts';
import { readyUrl } from './testing/ready-url.ts';
import type { ReplicaRef } from '../protocol/work.ts';

/** Starts `node server/main.ts` on the data folder and resolves with its URL once it is ready. */
function startProcess(dir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['server/main.ts'], {
    env: {
      ...process.env,
      TERRAFLOP_DATA: dir,
      TERRAFLOP_WEB: dir,
      TERRAFLOP_PORT: String(port),
      TERRAFLOP_DEMO: 'off',
      TERRAFLOP_REGISTRATION_WORK_BITS: '4', // simulated hosts solve an easy proof of work
      TERRAFLOP_CHAIN: 'off',
      TERRAFLOP_PASS_INTERVAL_MS: '20',
      TERRAFLOP_SIBLING_WAIT_S: '0',
      TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1', // simulated hosts forward networks of their own
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return readyUrl(child).then((url) => ({ child, url }));
}

describe('durability', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  afterEach(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('behavior: a kill -9 under load loses no acknowledged result', async () => {
    dir = mkdtempSync(join(tmpdir(), 'terraflop-kill-'));
    const seed = await openStore({ kind: 'sqlite', dataDir: dir });
    await seed.work.createBatch({ app: 'signal-search', name: 'durability', units: tinyUnits(400), now: Date.now() });
    await seed.close();

    const random = testRandom();
    const port = random.int(18_300, 18_800);
    const started = await startProcess(dir, port);
    child = started.child;
    const hosts = await Promise.all(Array.from({ length: 8 }, () => SimHost.register(started.url)));
    const acknowledged = new Set<ReplicaRef>();
    let stop = false;
    const loops = hosts.map(async (host) => {
      while (!stop) {
        try {
          const work = await host.requestWork(4);
          if (work.length === 0) return;
          const reply = await host.report(work.map((a) => host.compute(a)));
          for (const id of reply.accepted) acknowledged.add(id);
        } catch {
          return; // the coordinator died mid-request: whatever was not acknowledged may be lost
        }
      }
    });
    // Kill once results are flowing, at an arbitrary moment in the middle of the load.
    while (acknowledged.size < 60) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, random.uniform(0, 50)));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);
    const ackedAtKill = [...acknowledged];

    // Restart on the same data folder: every acknowledged result is there, and work goes on.
    const again = await startProcess(dir, port + 1);
    child = again.child;
    const inspect = StoreInspector.open({ kind: 'sqlite', dataDir: dir });
    const stored = (await inspect.replicas()).filter((r) => r.outcome === 'success');
    const storedIds = new Set<ReplicaRef | null>(stored.map((r) => r.token));
    expect(ackedAtKill.filter((id) => !storedIds.has(id))).toEqual([]);
    await inspect.close();
    const survivor = await SimHost.register(again.url);
    expect((await survivor.cycle(4)).length).toBeGreaterThan(0);
    // Two coordinator processes start one after the other: on a busy machine that alone can take most of 30 s.
  }, 120_000);
});
