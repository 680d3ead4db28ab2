/**
 * @module bench/coordinator
 * `npm run bench:coordinator [-- --backend sqlite|postgres --processes 1 --hosts 10000 --seconds 20 --warmup 5
 *   --port 18400]`
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
 * {"backend":…,"processes":…,"units_per_s":…,"p50_ms":…,"p99_ms":…,"rss_mb":…,"coordinator_cpu_ms_per_unit":…,
 *  "hosts_cpu_ms_per_unit":…}
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_REPLICAS_PER_REQUEST } from '../protocol/work.ts';
import { openStore, type StoreLocation } from '../server/store/open-store.ts';
import { StoreInspector } from '../server/store/sql/inspect.ts';
import { SimHost } from '../server/testing/sim-host.ts';
import { freshPostgresSchema } from '../server/testing/backends.ts';
import { cpuSeconds as cpuOf, onceAUnit, rssMb, smallestUnit, startCoordinatorProcess } from './crowd.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    processes: { type: 'string', default: '1' },
    hosts: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: String(MAX_REPLICAS_PER_REQUEST) },
    // The first coordinator's port (the next ones take the ports after it): another checkout's bench may hold it.
    port: { type: 'string', default: '18400' },
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

const dir = mkdtempSync(join(tmpdir(), 'terraflop-bench-'));
const schema = BACKEND === 'postgres' ? await freshPostgresSchema() : undefined;
const env = {
  ...process.env,
  TERRAFLOP_DATA: dir,
  TERRAFLOP_DEMO: 'off',
  TERRAFLOP_WEB: dir,
  TERRAFLOP_PASS_INTERVAL_MS: '50',
  // Units' siblings wait as in production, but briefly: the warm-up fills the pipeline, the window measures the rate.
  TERRAFLOP_SIBLING_WAIT_S: '1',
  TERRAFLOP_CHAIN: 'off',
  // Ten thousand simulated hosts share this machine's address: the per-host limit is not what is measured.
  TERRAFLOP_HOST_RATE: '10000',
  TERRAFLOP_NETWORK_RATE: '100000',
  TERRAFLOP_REGISTRATIONS_PER_HOUR: '1000000',
  // Registering is not what is measured: the simulated hosts solve an easy proof of work.
  TERRAFLOP_REGISTRATION_WORK_BITS: '4',
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

const children: ChildProcess[] = [];
const urls: string[] = [];
for (let p = 0; p < PROCESSES; p++) {
  const { child, url } = await startCoordinatorProcess(env, Number(values.port) + p);
  children.push(child);
  urls.push(url);
}

const peakOf = () => children.reduce((max, c) => Math.max(max, rssMb(c.pid!)), 0);

/** CPU seconds (user + system) the coordinator processes have used: a figure the machine's other load disturbs less. */
const cpuSeconds = () => children.reduce((sum, c) => sum + cpuOf(c.pid!), 0);

const hosts: SimHost[] = [];
for (let i = 0; i < HOSTS; i += 200) {
  hosts.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(200, HOSTS - i) }, (_, k) => SimHost.register(urls[(i + k) % urls.length]!)),
    )),
  );
}
console.log(`registered ${hosts.length} hosts over ${PROCESSES} process(es)`);
// Steady state: the hosts are established volunteers (500 valid results each), so the new-host quotas, which cap a
// fresh identity at a few replicas, do not bound each request; bench:adversaries measures those quotas' cost.
await inspect.giveRecord('signal-search', 500);

const validated = async () => (await inspect.counts()).canonicalUnits;

const computeOnce = onceAUnit();

const latencies: number[] = [];
let peakRss = peakOf();
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
const sampler = setInterval(() => (peakRss = Math.max(peakRss, peakOf())), 500);
const workers = Array.from({ length: CONCURRENCY }, worker);
// Measured after a warm-up, as a coordinator that has run for a while: its code compiled by V8, its statements
// prepared on every pooled connection.
await new Promise((r) => setTimeout(r, WARMUP * 1000));
latencies.length = 0;
const before = await validated();
const cpuBefore = cpuSeconds();
const ownCpuBefore = process.cpuUsage();
const started = performance.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
stop = true;
await Promise.all(workers);
const elapsed = (performance.now() - started) / 1000;
const after = await validated();
// A coordinator that keeps up leaves little behind: results waiting for the validator, credit for the credit pass.
const backlog = await inspect.counts();
const cpuUsed = cpuSeconds() - cpuBefore;
const ownCpu = process.cpuUsage(ownCpuBefore);
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
  // The simulated hosts' share of the machine (signing, HTTP, parsing replies): on a machine of two cores it bounds
  // units_per_s as much as the coordinator's does.
  hosts_cpu_ms_per_unit: Number(((ownCpu.user + ownCpu.system) / 1000 / Math.max(after - before, 1)).toFixed(3)),
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
