/**
 * @module bench/soak
 * `npm run bench:soak -- --hosts 100000 --minutes 10 --backend postgres --processes 2`
 *
 * The coordinator over a long run: real coordinator processes (node server/main.ts, as `npm run serve` starts
 * them) and a crowd of simulated hosts that each come back every `--interval` seconds (600 by default, spread
 * evenly), ask for work, compute it instantly and report it, as a population of volunteers would: an offered load
 * of hosts / interval visits a second, whatever the machine's speed, with at most `--concurrency` in flight (a
 * visit due while that many are open waits for a free slot, never dropped; `waiting_max` says how many waited).
 * Hosts are cheap: registered with bearer tokens (`--auth key` signs every request, as the page does, at more CPU a
 * request), and one unit's output serves both its replicas. Work is topped up as it is handed out.
 *
 * After a warm-up (a fifth of the run, at least 30 s) it measures:
 * - memory: each coordinator's resident memory at the end of the warm-up and at the end (the mean of the last three
 *   samples, 5 s apart, so one garbage collection does not decide it); flat when the end is within 10% of the start;
 * - latency: p50 and p99 of every request (work request and report) in the measured window; under 1 s wanted;
 * - the passes' backlog (units due for the transitioner or validator and credit to add, from /metrics every 5 s):
 *   bounded when its largest value in the second half of the window is no more than 2,000 (two validator rounds)
 *   or 1.5 times the largest in the first half, whichever is more: a coordinator falling behind grows it steadily.
 * Last line: {"hosts":…,"minutes":…,"p99_ms":…,"rss_start_mb":…,"rss_end_mb":…,"memory_flat":…,"backlog_max":…,
 * "backlog_bounded":…,"ok":…} and more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, type StoreLocation } from '../server/store/open-store.ts';
import { freshPostgresSchema } from '../server/testing/backends.ts';
import { SimHost } from '../server/testing/sim-host.ts';
import { onceAUnit, rssMb, smallestUnit, startCoordinatorProcess, type CoordinatorProcess } from './crowd.ts';
import { describeMachine, machine } from './machine.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'postgres' },
    processes: { type: 'string', default: '2' },
    hosts: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '10' },
    interval: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '64' },
    replicas: { type: 'string', default: '2' },
    auth: { type: 'string', default: 'token' },
    port: { type: 'string', default: '4235' },
  },
});
const BACKEND = values.backend;
if (BACKEND !== 'sqlite' && BACKEND !== 'postgres')
  throw new Error(`--backend must be sqlite or postgres, not ${BACKEND}`);
const AUTH = values.auth;
if (AUTH !== 'token' && AUTH !== 'key') throw new Error(`--auth must be token or key, not ${AUTH}`);
const PROCESSES = Number(values.processes);
const HOSTS = Number(values.hosts);
const RUN_S = Number(values.minutes) * 60;
const INTERVAL_S = Number(values.interval);
const CONCURRENCY = Number(values.concurrency);
const REPLICAS = Number(values.replicas);
const WARMUP_S = Math.max(30, RUN_S / 5);
const SAMPLE_MS = 5_000;
console.log(`soak: ${describeMachine(machine())}`);

const dir = mkdtempSync(join(tmpdir(), 'terraflop-soak-'));
const schema = BACKEND === 'postgres' ? await freshPostgresSchema() : undefined;
const location: StoreLocation = schema ? { kind: 'postgres', url: schema.url } : { kind: 'sqlite', dataDir: dir };
const env = {
  ...process.env,
  TERRAFLOP_DATA: dir,
  TERRAFLOP_WEB: dir,
  TERRAFLOP_DEMO: 'off',
  TERRAFLOP_CHAIN: 'off',
  TERRAFLOP_METRICS_BACKLOG_MS: '1000',
  // Limits far above what the crowd asks: they are not what is measured.
  TERRAFLOP_HOST_RATE: '10000',
  TERRAFLOP_NETWORK_RATE: '100000',
  TERRAFLOP_REGISTRATIONS_PER_HOUR: '1000000',
  TERRAFLOP_REGISTRATION_WORK_BITS: '4', // simulated hosts solve an easy proof of work
  // Each simulated host forwards an address of a network of its own through loopback (server/testing/sim-host.ts),
  // as volunteers come from many networks: without this all 100,000 would be one network, one network's caps would
  // bind the whole crowd, and each request would read every host's use of that one network.
  TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1',
  ...(schema && { TERRAFLOP_DATABASE_URL: schema.url }),
};

/** Work handed out as it is asked for: a batch of 5,000 units whenever fewer than 10,000 replicas wait. */
const stores = await openStore(location);
let unitsMade = 0;
let replicasIssued = 0;
async function topUp(): Promise<void> {
  while (unitsMade * 2 - replicasIssued < 10_000) {
    const units = Array.from({ length: 5_000 }, (_, i) => smallestUnit(unitsMade + i));
    await stores.work.createBatch({ app: 'signal-search', name: `soak ${unitsMade}`, units, now: Date.now() });
    unitsMade += units.length;
  }
}
await topUp();

const coordinators: CoordinatorProcess[] = [];
for (let p = 0; p < PROCESSES; p++) coordinators.push(await startCoordinatorProcess(env, Number(values.port) + p));
const urls = coordinators.map((c) => c.url);

const hosts: SimHost[] = [];
const registerStarted = performance.now();
for (let i = 0; i < HOSTS; i += 200) {
  const n = Math.min(200, HOSTS - i);
  const batch = Array.from({ length: n }, (_, k) => SimHost.register(urls[(i + k) % urls.length]!, { auth: AUTH }));
  hosts.push(...(await Promise.all(batch)));
}
const registerS = (performance.now() - registerStarted) / 1000;
console.log(`registered ${hosts.length} hosts (${AUTH}) in ${registerS.toFixed(0)} s over ${PROCESSES} process(es)`);

/** The passes' backlog as coordinator 0 reports it at /metrics (one database: every process sees the same). */
async function backlog(): Promise<number> {
  const text = await (await fetch(new URL('metrics', urls[0]))).text();
  let sum = 0;
  for (const m of text.matchAll(/^terraflop_pass_backlog\{queue="(transition|validate|credit)"\} (\d+)$/gm))
    sum += Number(m[2]);
  return sum;
}

const computeOnce = onceAUnit();
let measuring = false;
const latencies: number[] = [];
let errors = 0;
let firstError = '';
let visits = 0;
/** The most visits that were due at once while CONCURRENCY were open (0: the crowd never waited on a slot). */
let waitingMax = 0;
let inFlight = 0;
let next = 0;

async function timed<T>(call: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const value = await call();
  if (measuring) latencies.push(performance.now() - t);
  return value;
}

/** One host's visit: ask for work, compute it, report it. */
async function visit(host: SimHost): Promise<void> {
  try {
    const work = await timed(() => host.requestWork(REPLICAS));
    replicasIssued += work.length;
    if (work.length > 0) await timed(() => host.report(work.map((a) => computeOnce(host, a))));
    visits++;
  } catch (error) {
    errors++;
    firstError ||= String(error).slice(0, 300);
  }
}

/** Visits due at hosts / interval a second, in a ring over the hosts, at most CONCURRENCY at once. */
const perSecond = HOSTS / INTERVAL_S;
let owed = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  owed += ((now - last) / 1000) * perSecond;
  last = now;
  // Visits due while CONCURRENCY are open stay owed, made as slots free up: the offered load is never shed.
  waitingMax = Math.max(waitingMax, Math.floor(owed));
  while (owed >= 1 && inFlight < CONCURRENCY) {
    owed -= 1;
    const host = hosts[next++ % hosts.length]!;
    inFlight++;
    void visit(host).finally(() => inFlight--);
  }
}, 50);
const feeder = setInterval(() => void topUp().catch((e: unknown) => console.error('top-up failed:', e)), 2_000);

interface Sample {
  at: number;
  rss: number[];
  backlog: number;
}
const samples: Sample[] = [];
async function sample(): Promise<Sample> {
  return { at: performance.now(), rss: coordinators.map((c) => rssMb(c.child.pid!)), backlog: await backlog() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(WARMUP_S * 1000);
const warm = await sample();
console.log(`warmed up for ${WARMUP_S} s: rss ${warm.rss.map((r) => r.toFixed(0)).join(' / ')} MB`);
measuring = true;
const started = performance.now();
const visitsBefore = visits;
while (performance.now() - started < (RUN_S - WARMUP_S) * 1000) {
  await sleep(SAMPLE_MS);
  const s = await sample();
  samples.push(s);
  const elapsed = Math.round((s.at - started) / 1000);
  console.log(`+${elapsed} s: rss ${s.rss.map((r) => r.toFixed(0)).join(' / ')} MB, backlog ${s.backlog}`);
}
measuring = false;
clearInterval(ticker);
clearInterval(feeder);
while (inFlight > 0) await sleep(50);
const measuredS = (performance.now() - started) / 1000;

const tail = samples.slice(-3);
const rssEnd = coordinators.map((_, i) => tail.reduce((sum, s) => sum + s.rss[i]!, 0) / tail.length);
const growth = Math.max(...rssEnd.map((end, i) => end / warm.rss[i]!));
const half = Math.floor(samples.length / 2);
const maxOf = (xs: Sample[]) => xs.reduce((max, s) => Math.max(max, s.backlog), 0);
const firstHalfMax = maxOf(samples.slice(0, half));
const secondHalfMax = maxOf(samples.slice(half));
latencies.sort((a, b) => a - b);
const pct = (p: number) => Number((latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(1));

const figures = {
  backend: BACKEND,
  processes: PROCESSES,
  hosts: HOSTS,
  minutes: RUN_S / 60,
  warmup_s: WARMUP_S,
  offered_visits_per_s: Number(perSecond.toFixed(1)),
  visits_per_s: Number(((visits - visitsBefore) / measuredS).toFixed(1)),
  waiting_max: waitingMax,
  requests: latencies.length,
  errors,
  p50_ms: pct(0.5),
  p99_ms: pct(0.99),
  rss_start_mb: warm.rss.map((r) => Math.round(r)),
  rss_end_mb: rssEnd.map((r) => Math.round(r)),
  rss_growth: Number(growth.toFixed(3)),
  memory_flat: growth <= 1.1,
  backlog_max: Math.max(firstHalfMax, secondHalfMax),
  backlog_end: samples.at(-1)?.backlog ?? 0,
  backlog_bounded: secondHalfMax <= Math.max(2_000, 1.5 * firstHalfMax),
  load: machine().load,
};
const ok = figures.memory_flat && figures.p99_ms < 1000 && figures.backlog_bounded && errors === 0;
if (firstError) console.log(`first error: ${firstError}`);

await Promise.all(
  coordinators.map(({ child }) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))),
);
await stores.close();
await schema?.drop();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ ...figures, ok }));
