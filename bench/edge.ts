/**
 * @module bench/edge
 * `node bench/edge.ts [--root DIR ...] [--only health,refusal,status,progress] [--units N] [--active N]`: what abuse
 * costs the coordinator, for each checkout given (this one by default; pass the main checkout too to compare in one
 * run). Each coordinator runs as its own process, as in production, with its clients in this one:
 * - /api/health's median and p90 latency, alone and while 6 clients post 1 MiB junk bodies to POST /api/hosts;
 * - the coordinator's CPU per 429 when one host floods signed requests past its limit (TERRAFLOP_HOST_RATE and
 *   TERRAFLOP_NETWORK_RATE both 0.1/s, so nearly every request is refused wherever the checkout refuses it);
 * - GET /api/public/status with 50,000 units in the store (and `--active` hosts, each holding four replicas or
 *   having returned their results): its median latency (cached), and the median cost of a refresh of its cache
 *   (each request computed afresh).
 * - with `--only progress`: GET /api/research/batches/:id of one batch of `--units` units, as a researcher's
 *   dashboard reads it each second of its live stream: its median latency.
 * Prints the CPU model and load average with the figures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signRequest } from '../protocol/auth.ts';
import { freshApiKey } from '../server/research/api-key.ts';
import { openStore } from '../server/store/open-store.ts';
import { honest } from '../server/testing/results.ts';
import { SimHost } from '../server/testing/sim-host.ts';
import { tinyUnits } from '../server/testing/tiny-units.ts';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string', multiple: true, default: ['.'] },
    port: { type: 'string', default: '4233' },
    units: { type: 'string', default: '50000' },
    // Hosts active in the status's window, half holding their replicas, half having returned them.
    active: { type: 'string', default: '0' },
    // Which figures: any of health, refusal, status, progress (e.g. --only status); all but progress by default.
    only: { type: 'string', default: 'health,refusal,status' },
  },
});
const PORT = Number(args.port);
const base = `http://127.0.0.1:${PORT}/`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

/** The coordinator of checkout `root` on a data folder, as its own process; resolves once it answers. */
async function start(root: string, dataDir: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'server/main.ts')], {
    env: {
      ...process.env,
      TERRAFLOP_PORT: String(PORT),
      TERRAFLOP_DATA: dataDir,
      TERRAFLOP_WEB: dataDir,
      TERRAFLOP_DEMO: 'off',
      TERRAFLOP_REGISTRATION_WORK_BITS: '4', // simulated hosts solve an easy proof of work
      TERRAFLOP_CHAIN: 'off',
      ...env,
    },
    // Its output goes to a file beside its data, read back if it dies.
    stdio: ['ignore', openSync(join(dataDir, 'coordinator.log'), 'w'), openSync(join(dataDir, 'coordinator.log'), 'a')],
  });
  child.once('exit', (code) => {
    if (code !== null && code !== 0)
      console.error(`${root} exited ${code}: ${readFileSync(join(dataDir, 'coordinator.log'), 'utf8').slice(-2000)}`);
  });
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(new URL('api/health', base)).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child;
    await sleep(100);
  }
  throw new Error(`the coordinator of ${root} did not start`);
}

async function stop(child: ChildProcess) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** CPU seconds the process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function healthLatencies(count: number): Promise<number[]> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await (await fetch(new URL('api/health', base))).text();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * One junk post on a connection of its own: a coordinator that refuses the body early closes the connection, which
 * must not take a health check queued on it down too.
 */
function postJunk(junk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const headers = { 'content-type': 'application/json', 'content-length': junk.length };
    const req = request(new URL('api/hosts', base), { method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('close', () => resolve());
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve()); // however it ended: answered, refused early, reset
    req.end(junk);
  });
}

/** /api/health alone, then while six clients post 1 MiB junk bodies in a loop. */
async function junkBodies(root: string) {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-edge-'));
  const child = await start(root, dir, {});
  process.once('exit', () => child.kill());
  const quiet = await healthLatencies(100);
  let running = true,
    posted = 0;
  const junk = new Uint8Array(1 << 20).fill(0x7b);
  const clients = Array.from({ length: 6 }, async () => {
    while (running) {
      await postJunk(junk);
      posted++;
    }
  });
  await sleep(500);
  const busy = await healthLatencies(200);
  running = false;
  await Promise.all(clients);
  await stop(child);
  return { quietMedianMs: median(quiet), junkMedianMs: median(busy), junkP90Ms: p90(busy), junkPosts: posted };
}

/** CPU per refused request when one signed host floods past its limit. */
async function refusalCost(root: string) {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-edge-'));
  const child = await start(root, dir, { TERRAFLOP_HOST_RATE: '0.1', TERRAFLOP_NETWORK_RATE: '0.25' });
  process.once('exit', () => child.kill());
  const host = await SimHost.register(base);
  const url = new URL('api/hosts/me', base);
  const signed = await Promise.all(
    Array.from({ length: 3000 }, () =>
      signRequest(host.key!.privateKey, host.identity.hostId, 'GET', url.pathname, ''),
    ),
  );
  const before = cpuSeconds(child.pid!);
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < signed.length; i = next++) {
        const res = await fetch(url, { headers: signed[i]! });
        await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const cpu = cpuSeconds(child.pid!) - before;
  await stop(child);
  return { cpuUsPerRequest: (cpu / signed.length) * 1e6, statuses: Object.fromEntries(statuses) };
}

/**
 * The status endpoint with `units` units in the store: its median latency as served (from the public cache), and
 * the median cost of computing it afresh, which the coordinator pays on each refresh of that cache (the cache off:
 * TERRAFLOP_PUBLIC_CACHE_MS=0).
 */
async function statusLatency(root: string, units: number, active: number) {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-edge-'));
  const stores = await openStore({ kind: 'sqlite', dataDir: dir });
  for (let made = 0; made < units; made += 5000) {
    await stores.work.createBatch({ app: 'signal-search', name: `b${made}`, units: tinyUnits(5000), now: Date.now() });
  }
  for (let i = 0; i < active; i++) {
    const host = await stores.work.createHost({ tokenHash: `edge-active-${i}`, now: Date.now() });
    const replicas = await stores.work.issueReplicas(host, 4, Date.now());
    if (i % 2 === 0) await stores.work.recordResults(host, replicas.map(honest), Date.now());
  }
  await stores.close();
  const medianOf = async (env: Record<string, string>) => {
    const child = await start(root, dir, env);
    process.once('exit', () => child.kill());
    const latencies = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await (await fetch(new URL('api/public/status', base))).text();
      latencies.push(performance.now() - t);
    }
    await stop(child);
    return { firstMs: latencies[0]!, medianMs: median(latencies) };
  };
  const cached = await medianOf({});
  const refresh = await medianOf({ TERRAFLOP_PUBLIC_CACHE_MS: '0' });
  return { ...cached, refreshMedianMs: refresh.medianMs };
}

/**
 * A researcher's progress of one batch of `units` units (GET /api/research/batches/:id, what the dashboard and each
 * tick of its live stream read): the median latency of 30 requests, a few replicas out and results in.
 */
async function progressLatency(root: string, units: number) {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-edge-'));
  const stores = await openStore({ kind: 'sqlite', dataDir: dir });
  const { apiKey, stored } = freshApiKey();
  const now = Date.now();
  const { projectId } = await stores.research.createProject({ name: 'edge', researcherName: 'ada', ...stored, now });
  const batch = { projectId, app: 'signal-search' as const, name: 'edge', units: tinyUnits(units), now };
  const batchId = await stores.research.createProjectBatch(batch);
  for (let i = 0; i < 20; i++) {
    const host = await stores.work.createHost({ tokenHash: `edge-progress-${i}`, now });
    const replicas = await stores.work.issueReplicas(host, 4, now);
    if (i % 2 === 0) await stores.work.recordResults(host, replicas.map(honest), now);
  }
  await stores.close();
  const child = await start(root, dir, {});
  process.once('exit', () => child.kill());
  const latencies = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const res = await fetch(new URL(`api/research/batches/${batchId}`, base), {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    if (!res.ok) throw new Error(`progress answered ${res.status}: ${await res.text()}`);
    await res.text();
    latencies.push(performance.now() - t);
  }
  await stop(child);
  return { firstMs: latencies[0]!, medianMs: median(latencies) };
}

console.log(
  `${cpus()[0]?.model}, ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const root of args.root) {
  const only = new Set(args.only.split(','));
  const figures = {
    root,
    ...(only.has('health') && { health: await junkBodies(root) }),
    ...(only.has('refusal') && { refusal: await refusalCost(root) }),
    ...(only.has('status') && { status: await statusLatency(root, Number(args.units), Number(args.active)) }),
    ...(only.has('progress') && { progress: await progressLatency(root, Number(args.units)) }),
  };
  console.log(JSON.stringify(figures));
}
console.log(
  `load after ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
