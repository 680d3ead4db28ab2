/**
 * @module bench/adversaries/world
 * What the adversary bench runs against: the coordinator's real store (a SQLite file, or a Postgres schema of its
 * own), its real passes, and a simulated clock. Every store call and pass takes `now`, so a day of deadlines and a
 * settling period pass in seconds of the bench, with nothing about the code under test changed.
 */
import { signalSearchUnit } from '../../server/demo/signal-search-feeder.ts';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignalSearchOutput } from '../../protocol/signal-search.ts';
import { SignalSearchInput } from '../../protocol/signal-search.ts';
import type { AppInput } from '../../protocol/apps.ts';
import { LINK_CODE_TTL_MS } from '../../protocol/volunteer.ts';
import { credit, type Pass, revoker, settler, transitioner, validator } from '../../server/passes/passes.ts';
import { openDb, type StoreLocation } from '../../server/store/open-store.ts';
import { StoreInspector } from '../../server/store/sql/inspect.ts';
import { freshPostgresSchema } from '../../server/store/sql/postgres-schemas.ts';
import { migrate } from '../../server/store/sql/schema.ts';
import { sqlStores } from '../../server/store/sql/sql-stores.ts';
import { HostHoldsUnitsError } from '../../server/store/store.ts';
import type {
  Host,
  IssuedReplica,
  NewWorkUnit,
  ReportedOutcome,
  ResultToRecord,
  WorkAsk,
} from '../../server/store/types.ts';
import { runReference } from '../../worker-kernels/registry.ts';
import { deriveSeed, mulberry32, Random } from '../../worker-kernels/random.ts';

export type Backend = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env['TERRAFLOP_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The clock the bench starts at: any fixed instant, so that runs repeat. */
const EPOCH = Date.parse('2026-01-01T00:00:00Z');

/**
 * A replica as its host is sent it (protocol/work.ts Assignment): its token, deadline, size and job, and nothing of
 * its unit, its siblings or whether it went out alone. The store's own ids stay with the store.
 */
export type SentReplica = Pick<IssuedReplica, 'token' | 'deadline' | 'flopsEstimate' | 'job'>;

/** What an identity can do: the host API's calls, as the routes make them of the store, or over HTTP. */
export interface Channel {
  /** Creates a volunteer and its host, reaching the coordinator from `network` (an IPv4 /24, as `a.b.c.0/24`). */
  register(network: string): Promise<Host>;
  issue(host: Host, ask: WorkAsk): Promise<SentReplica[]>;
  record(host: Host, results: ResultToRecord[]): Promise<ReportedOutcome[]>;
  /** The host's own count of valid and invalid results (GET /api/hosts/me). */
  results(host: Host): Promise<{ valid: number; invalid: number }>;
  /** A link code for the host's volunteer (POST /api/volunteer/link-code). */
  linkCode(host: Host): Promise<string>;
  /** Moves the host to the code's volunteer (POST /api/volunteer/join); undefined when refused. */
  join(host: Host, code: string): Promise<number | undefined>;
}

export interface World extends Channel {
  inspect: StoreInspector;
  /** Epoch milliseconds: the simulated clock, or the real one. */
  readonly now: number;
  random: Random;
  /** Milliseconds between the actors' turns, and what one unit takes a host (browsers differ several-fold). */
  tickMs: number;
  unitMs(random: Random): number;
  /** Submits a batch of units to the coordinator. */
  submit(name: string, units: NewWorkUnit[]): Promise<void>;
  /** Lets `ms` pass, with the passes run (a simulated clock jumps; the real one is waited for). */
  advance(ms: number): Promise<void>;
  /** Lets the settling period pass with no more work, and the passes finish with it. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/**
 * The coordinator's default wait for a unit's siblings (server/config.ts TERRAFLOP_SIBLING_WAIT_S): at most this many
 * seconds, at least a quarter of it.
 */
export const SIBLING_WAIT_S = 30;

export async function openWorld(
  backend: Backend,
  seed: number,
  settlingS: number,
  siblingWaitS = SIBLING_WAIT_S,
): Promise<World> {
  const dir = backend === 'sqlite' ? mkdtempSync(join(tmpdir(), 'terraflop-adversaries-')) : undefined;
  const schema = backend === 'postgres' ? await freshPostgresSchema(POSTGRES_URL) : undefined;
  const location: StoreLocation = schema ? { kind: 'postgres', url: schema.url } : { kind: 'sqlite', dataDir: dir! };
  const db = openDb(location);
  await migrate(db);
  // The scheduler's coin (spot checks, lotteries) is seeded, like everything else here.
  const stores = sqlStores(db, {
    random: mulberry32(deriveSeed(seed, 'scheduler')),
    siblingWait: { minMs: (siblingWaitS * 1000) / 4, maxMs: siblingWaitS * 1000 },
  });
  const passes: Record<string, Pass> = {
    transitioner,
    validator,
    revoker,
    credit,
    settler: settler(settlingS * 1000),
  };
  const store = stores.work;
  const runPasses = async () => {
    for (let round = 0; round < 20; round++) {
      let busy = false;
      for (const pass of Object.values(passes)) busy = (await pass(store, world.now)) || busy;
      if (!busy) return;
    }
  };
  const world: World = {
    inspect: new StoreInspector(db),
    now: EPOCH,
    random: new Random(deriveSeed(seed, 'world')),
    tickMs: 1_000,
    unitMs: (random) => Math.round(random.uniform(2, 8) * 1000),
    register: (network) => store.createHost({ network, now: world.now }),
    issue: async (host, ask) =>
      (await store.issueReplicas(host, ask, world.now)).map(({ token, deadline, flopsEstimate, job }) => ({
        token,
        deadline,
        flopsEstimate,
        job,
      })),
    record: (host, results) => store.recordResults(host, results, world.now),
    results: async (host) => (await store.hostSummary(host.id, world.now)).results,
    async linkCode(host) {
      const code = randomBytes(8).toString('hex');
      await store.createLinkCode(host.volunteerId, hashCode(code), world.now + LINK_CODE_TTL_MS);
      return code;
    },
    async join(host, code) {
      try {
        return await store.redeemLinkCode(host.id, hashCode(code), world.now);
      } catch (e) {
        // Refused, as POST /api/volunteer/join answers 409: the host still holds units.
        if (e instanceof HostHoldsUnitsError) return undefined;
        throw e;
      }
    },
    submit: async (name, units) =>
      void (await store.createBatch({ app: 'signal-search', name, units, now: world.now })),
    async advance(ms) {
      await runPasses();
      (world as { now: number }).now += ms;
    },
    async settle() {
      // A minute past the period: the settler runs at most every few seconds.
      (world as { now: number }).now += settlingS * 1000 + 60_000;
      await runPasses();
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
  return signalSearchUnit(input, 600);
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
