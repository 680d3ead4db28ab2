/**
 * @module bench/coordinator
 * `npm run bench:coordinator [-- --backend sqlite|postgres --processes 1 --hosts 10000 --seconds 20 --warmup 5]`
 *
 * The coordinator under a crowd: real coordinator processes (node server/main.ts) on loopback, and simulated hosts
 * in this process that register, ask for work, compute it instantly (the smallest signal-search unit, reference
 * kernel, run once a unit) and report it, many requests in flight. Each asks for as many replicas as the page asks
 * for units this short (the protocol's most, MAX_REPLICAS_PER_REQUEST; `--batch` for fewer). Quorum 2, so every unit
 * takes two hosts. Figures: validated units per second over the measured window (after a warm-up, 5 s by default),
 * request latency percentiles (work request and report, each), the coordinator's peak resident memory, and what the
 * passes left behind at the end (a coordinator that keeps up leaves about one round's worth). With --processes 2 the
 * hosts spread over two coordinator processes sharing one database, as behind a load balancer.
 *
 * Anchor: BOINC's published 8.8 million jobs a day on one server, about 100 a second.
 * coordinator_cpu_ms_per_unit is the coordinators' CPU time per validated unit, steadier than units_per_s on a busy
 * machine (1000 / it is the units per second one core could sustain).
 * Last line:
 * {"backend":…,"processes":…,"units_per_s":…,"p50_ms":…,"p99_ms":…,"rss_mb":…,"coordinator_cpu_ms_per_unit":…}
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignalSearchInput } from '../protocol/signal-search.ts';
import { MAX_REPLICAS_PER_REQUEST, type Assignment, type SuccessEntry } from '../protocol/work.ts';
import { estimateFlops } from '../worker-kernels/registry.ts';
import { openStore, type StoreLocation } from '../server/store/open-store.ts';
import { StoreInspector } from '../server/store/sql/inspect.ts';
import { SimHost } from '../server/testing/sim-host.ts';
import { freshPostgresSchema } from '../server/testing/backends.ts';
import { readyUrl } from '../server/testing/ready-url.ts';
import type { NewWorkUnit } from '../server/store/types.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    processes: { type: 'string', default: '1' },
    hosts: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: String(MAX_REPLICAS_PER_REQUEST) },
  },
});
const BACKEND = values.backend;
if (BACKEND !== 'sqlite' && BACKEND !== 'postgres')
  throw new Error(`--backend must be sqlite or postgres, not ${BACKEND}`);
const PROCESSES = Number(values.processes);
const HOSTS = Number(values.hosts);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);

function smallestUnit(seed: number): NewWorkUnit {
  const input = SignalSearchInput.parse({
    signal: { seed, sampleCount: 256, noise: 1, tones: [{ frequency: 0.25, drift: 0, amplitude: 2 }] },
    fftSize: 16,
    driftRates: [0],
    threshold: 8,
    maxPeaks: 4,
  });
  const job = { app: 'signal-search' as const, input };
  return {
    job,
    flopsEstimate: estimateFlops(job),
    minQuorum: 2,
    targetNresults: 2,
    maxErrorResults: 3,
    maxTotalResults: 6,
    delayBoundS: 3600,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'terraflop-bench-'));
const schema = BACKEND === 'postgres' ? await freshPostgresSchema() : undefined;
const env = {
  ...process.env,
  TERRAFLOP_DATA: dir,
  TERRAFLOP_DEMO: 'off',
  TERRAFLOP_WEB: dir,
  TERRAFLOP_PASS_INTERVAL_MS: '50',
  TERRAFLOP_CHAIN: 'off',
  // Ten thousand simulated hosts share this machine's address: the per-host limit is not what is measured.
  TERRAFLOP_HOST_RATE: '10000',
  // Simulated hosts forward addresses of their own networks through loopback (server/testing/sim-host.ts).
  TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1',
  ...(schema && { TERRAFLOP_DATABASE_URL: schema.url }),
};

// Work for the whole run, created before the clock starts.
const location: StoreLocation = schema ? { kind: 'postgres', url: schema.url } : { kind: 'sqlite', dataDir: dir };
const stores = await openStore(location);
const unitsNeeded = Math.max(20_000, 15_000 * (WARMUP + SECONDS) * PROCESSES);
for (let made = 0; made < unitsNeeded; made += 5_000) {
  const units = Array.from({ length: 5_000 }, (_, i) => smallestUnit(made + i));
  await stores.work.createBatch({ app: 'signal-search', name: `bench ${made}`, units, now: Date.now() });
}
await stores.close();
const inspect = StoreInspector.open(location);
// Fresh tables have no statistics until autovacuum gets to them; a deployment's have. Give Postgres its statistics,
// and write the setup's gigabyte of log out now, so that its checkpoint does not fall inside the measured window.
await inspect.prepareForMeasurement();
console.log(`created ${unitsNeeded} units (${BACKEND})`);

/**
 * The coordinator runs as `npm run serve` runs it: the environment and Node flags of that script in package.json
 * (a smaller young generation and fewer malloc arenas keep its memory down), plus BENCH_NODE_ARGS (e.g. --cpu-prof).
 */
function serveCommand(): { env: Record<string, string>; flags: string[] } {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts[
    'serve'
  ]!;
  const words = script.split(/\s+/);
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=') as [string, string]));
  return { env, flags: words.filter((w) => w.startsWith('--')) };
}
const serve = serveCommand();

const children: ChildProcess[] = [];
const urls: string[] = [];
// Should the bench die (a coordinator answering 500 fails it), its coordinators must not outlive it.
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
for (let p = 0; p < PROCESSES; p++) {
  const port = 18_400 + p;
  const args = [...serve.flags, ...(process.env['BENCH_NODE_ARGS']?.split(' ') ?? []), 'server/main.ts'];
  const child = spawn(process.execPath, args, {
    env: { ...env, ...serve.env, TERRAFLOP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  urls.push(await readyUrl(child));
}

const rssMb = () =>
  children.reduce((max, c) => {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.max(max, kb / 1024);
  }, 0);

/** CPU seconds (user + system) the coordinator processes have used: a figure the machine's other load disturbs less. */
const cpuSeconds = () =>
  children.reduce((sum, c) => {
    const fields = readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);

const hosts: SimHost[] = [];
for (let i = 0; i < HOSTS; i += 200) {
  hosts.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(200, HOSTS - i) }, (_, k) => SimHost.register(urls[(i + k) % urls.length]!)),
    )),
  );
}
console.log(`registered ${hosts.length} hosts over ${PROCESSES} process(es)`);

const validated = async () => (await inspect.counts()).canonicalUnits;

/**
 * Hosts compute instantly: a unit's second replica is given the output its first one got (what an honest host
 * computes anyway), so the kernel runs once a unit and the benchmark's own CPU goes to its requests.
 */
const computed = new Map<number, SuccessEntry['result']>();
function computeOnce(host: SimHost, a: Assignment): SuccessEntry {
  const known = computed.get(a.workUnitId);
  if (!known) {
    const entry = host.compute(a);
    computed.set(a.workUnitId, entry.result);
    return entry;
  }
  computed.delete(a.workUnitId);
  return { status: 'success', replicaId: a.replicaId, variant: 'reference', elapsedMs: 1, result: known };
}

const latencies: number[] = [];
let peakRss = rssMb();
let stop = false;
async function worker(): Promise<void> {
  while (!stop) {
    const host = hosts[Math.floor(Math.random() * hosts.length)]!;
    let t = performance.now();
    const work = await host.requestWork(BATCH);
    latencies.push(performance.now() - t);
    if (work.length === 0) continue;
    const results = work.map((a) => computeOnce(host, a));
    t = performance.now();
    await host.report(results);
    latencies.push(performance.now() - t);
  }
}
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb())), 500);
const workers = Array.from({ length: CONCURRENCY }, worker);
// Measured after a warm-up, as a coordinator that has run for a while: its code compiled by V8, its statements
// prepared on every pooled connection.
await new Promise((r) => setTimeout(r, WARMUP * 1000));
latencies.length = 0;
const before = await validated();
const cpuBefore = cpuSeconds();
const started = performance.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
stop = true;
await Promise.all(workers);
const elapsed = (performance.now() - started) / 1000;
const after = await validated();
// A coordinator that keeps up leaves little behind: results waiting for the validator, credit for the credit pass.
const backlog = await inspect.counts();
const cpuUsed = cpuSeconds() - cpuBefore;
clearInterval(sampler);

latencies.sort((a, b) => a - b);
const pct = (p: number) => Number(latencies[Math.floor((latencies.length - 1) * p)]!.toFixed(2));
const figures = {
  backend: BACKEND,
  processes: PROCESSES,
  units_per_s: Math.round((after - before) / elapsed),
  p50_ms: pct(0.5),
  p99_ms: pct(0.99),
  rss_mb: Math.round(peakRss),
  coordinator_cpu_ms_per_unit: Number(((cpuUsed * 1000) / Math.max(after - before, 1)).toFixed(3)),
};
console.log(`${latencies.length} requests in ${elapsed.toFixed(1)} s; ${after - before} units validated`);
console.log(
  `left behind: ${backlog.awaitingValidation} units awaiting validation, ` +
    `${backlog.awaitingCredit} valid results awaiting credit`,
);
await Promise.all(
  children.map(
    (c) =>
      new Promise((resolve) => {
        c.once('exit', resolve);
        c.kill('SIGTERM');
      }),
  ),
);
await inspect.close();
await schema?.drop();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(figures));
