/**
 * @module bench/adversaries/world
 * What the adversary bench runs against: the coordinator's real store (a SQLite file, or a Postgres schema of its
 * own), its real passes, and a simulated clock. Every store call and pass takes `now`, so a day of deadlines and a
 * settling period pass in seconds of the bench, with nothing about the code under test changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignalSearchOutput } from '../../protocol/signal-search.ts';
import { SignalSearchInput } from '../../protocol/signal-search.ts';
import type { AppInput } from '../../protocol/apps.ts';
import { credit, type Pass, revoker, settler, transitioner, validator } from '../../server/passes/passes.ts';
import { openDb, type StoreLocation } from '../../server/store/open-store.ts';
import { StoreInspector } from '../../server/store/sql/inspect.ts';
import { freshPostgresSchema } from '../../server/store/sql/postgres-schemas.ts';
import { migrate } from '../../server/store/sql/schema.ts';
import { sqlStores } from '../../server/store/sql/sql-stores.ts';
import type { Store } from '../../server/store/store.ts';
import type { Host, NewWorkUnit } from '../../server/store/types.ts';
import { estimateFlops, runReference } from '../../worker-kernels/registry.ts';
import { deriveSeed, mulberry32, Random } from '../../worker-kernels/random.ts';

export type Backend = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env['TERRAFLOP_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The clock the bench starts at: any fixed instant, so that runs repeat. */
const EPOCH = Date.parse('2026-01-01T00:00:00Z');

export interface World {
  store: Store;
  inspect: StoreInspector;
  /** Simulated epoch milliseconds; only the bench's loop moves it. */
  now: number;
  random: Random;
  /** Creates a volunteer and its host, reaching the coordinator from `network` (an IPv4 /24, as `a.b.c.0/24`). */
  register(network: string): Promise<Host>;
  /** Runs the passes until none finds work (a round of the coordinator's runner). */
  runPasses(): Promise<void>;
  close(): Promise<void>;
}

export async function openWorld(backend: Backend, seed: number, settlingS: number): Promise<World> {
  const dir = backend === 'sqlite' ? mkdtempSync(join(tmpdir(), 'terraflop-adversaries-')) : undefined;
  const schema = backend === 'postgres' ? await freshPostgresSchema(POSTGRES_URL) : undefined;
  const location: StoreLocation = schema ? { kind: 'postgres', url: schema.url } : { kind: 'sqlite', dataDir: dir! };
  const db = openDb(location);
  await migrate(db);
  // The scheduler's coin (spot checks, lotteries) is seeded, like everything else here.
  const stores = sqlStores(db, { random: mulberry32(deriveSeed(seed, 'scheduler')) });
  const passes: Record<string, Pass> = {
    transitioner,
    validator,
    revoker,
    credit,
    settler: settler(settlingS * 1000),
  };
  const world: World = {
    store: stores.work,
    inspect: new StoreInspector(db),
    now: EPOCH,
    random: new Random(deriveSeed(seed, 'world')),
    register: (network) => stores.work.createHost({ network, now: world.now }),
    async runPasses() {
      for (let round = 0; round < 20; round++) {
        let busy = false;
        for (const pass of Object.values(passes)) busy = (await pass(world.store, world.now)) || busy;
        if (!busy) return;
      }
    },
    async close() {
      await stores.close();
      await schema?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/**
 * A small signal-search unit: real work (about a millisecond of the reference here), limits as the demo feeder's
 * tiny units have them.
 */
export function benchUnit(random: Random): NewWorkUnit {
  const drifts = 4;
  const fftSize = 256;
  const driftRates = Array.from({ length: drifts }, (_, i) => (i - drifts / 2) * 2e-7);
  const input = SignalSearchInput.parse({
    signal: {
      seed: random.u32(),
      sampleCount: 4096,
      noise: 1,
      tones: Array.from({ length: random.int(1, 4) }, () => ({
        frequency: random.int(0, fftSize) / fftSize,
        drift: random.pick(driftRates),
        amplitude: random.uniform(0.5, 1.5),
      })),
    },
    fftSize,
    driftRates,
    threshold: 20,
    maxPeaks: 64,
  });
  const job = { app: 'signal-search' as const, input };
  return {
    job,
    flopsEstimate: estimateFlops(job),
    minQuorum: 2,
    targetNresults: 2,
    maxErrorResults: 3,
    maxTotalResults: 6,
    delayBoundS: 600,
  };
}

/** What names a unit to a host that sees only its job: its input, whatever ids the coordinator gives it. */
export const fingerprint = (job: AppInput) => JSON.stringify(job.input);

/** Each unit's honest output, computed once with the reference kernel. */
export class Outputs {
  private readonly honestOutputs = new Map<string, SignalSearchOutput>();

  honest(job: AppInput): SignalSearchOutput {
    const key = fingerprint(job);
    let out = this.honestOutputs.get(key);
    if (!out) {
      const result = runReference(job, { progress() {}, checkpoint() {} });
      if (result.app !== 'signal-search') throw new Error(`the bench's units are signal-search, not ${result.app}`);
      out = result.output;
      this.honestOutputs.set(key, out);
    }
    return out;
  }

  /**
   * A sane wrong answer that agrees with every other made with the same `key` (colluders share one) and with no
   * other: the honest output's amplitude sums (key mod 97 + 1) per mille low, far past the tolerance (1e-5) and
   * well inside the sanity check's bounds.
   */
  lie(job: AppInput, key: number): SignalSearchOutput {
    const honest = this.honest(job);
    const factor = 1 - ((key % 97) + 1) * 1e-3;
    return { peaks: honest.peaks, amplitudeSums: honest.amplitudeSums.map((x) => x * factor) };
  }
}
