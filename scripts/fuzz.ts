/**
 * @module scripts/fuzz
 * `npm run fuzz [-- --requests 20000 --seed 1 --backend sqlite|postgres]`: a real coordinator gets bad and edge-case
 * requests for every endpoint, their bodies made by fast-check from the protocol's own schemas (scripts/fuzz-schema),
 * signed by a registered host, with its bearer token, with forged signature headers, or not at all; researchers'
 * routes with a real key, a forged one or none. Every answer must be a 2xx or a 4xx: a 5xx is a bug (the server
 * failed on input it should have refused). Prints the 5xx it met, then the last line
 * {"requests":N,"server_errors":E,"coordinator_alive":true}; exits 1 unless E is 0 and the coordinator still serves.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { HEADER, signRequest } from '../protocol/auth.ts';
import { createApi } from '../server/http/app.ts';
import { hashApiKey, newApiKey } from '../server/research/api-key.ts';
import { SimHost } from '../server/testing/sim-host.ts';
import { startTestCoordinator } from '../server/testing/test-coordinator.ts';
import { tinyUnits } from '../server/testing/tiny-units.ts';
import { type Endpoint, ENDPOINTS, fillPath, paramsOf, parameter } from './fuzz-endpoints.ts';
import { bodyOf } from './fuzz-schema.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    backend: { type: 'string', default: 'sqlite' },
    concurrency: { type: 'string', default: '16' },
  },
});
const REQUESTS = Number(args.requests),
  SEED = Number(args.seed),
  CONCURRENCY = Number(args.concurrency);
const backend = args.backend === 'postgres' ? 'postgres' : 'sqlite';

const running = await startTestCoordinator(backend, {
  // One address sends everything: the edge's limits would answer most of it with 429s before the handlers.
  TERRAFLOP_NETWORK_RATE: '100000',
  TERRAFLOP_REGISTRATIONS_PER_HOUR: '1000000',
  TERRAFLOP_HOST_RATE: '10000',
  TERRAFLOP_OPEN_SIGNUP: '1',
});
const base = running.coordinator.url;
checkCoverage();

// What the valid-looking requests need: hosts (signed and token), a project's key, a batch, demo units to issue.
const hosts = await Promise.all([0, 1, 2].map(() => SimHost.register(base)));
const tokenHost = await SimHost.register(base, { auth: 'token' });
const apiKey = newApiKey();
await running.research.createProject({ name: 'Fuzzed', researcherName: 'F', keyHash: hashApiKey(apiKey), now: 0 });
await running.coordinator.stores.work.createBatch({ app: 'signal-search', name: 'f', units: tinyUnits(50), now: 0 });
const research = (path: string, body: unknown) =>
  fetch(new URL(path, base), {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const created = await research('/api/research/batches', { name: 'fuzz', units: tinyUnits(3).map((u) => u.job) });
const { batchId } = (await created.json()) as { batchId: number };

interface Planned {
  endpoint: Endpoint;
  path: string;
  body: string | undefined;
  auth: string;
}

const authModes: Record<Endpoint['auth'], string[]> = {
  none: ['none', 'junk'],
  host: ['signed', 'signed', 'signed', 'token', 'forged', 'none'],
  research: ['key', 'key', 'key', 'forged', 'none'],
};

const plan: fc.Arbitrary<Planned> = fc.constantFrom(...ENDPOINTS).chain((endpoint) => {
  const names = [...paramsOf(endpoint.path), ...(endpoint.query ?? [])];
  return fc
    .record({
      params: fc.tuple(...names.map((n) => parameter(n, { batchIds: [batchId] }))),
      body: endpoint.method === 'GET' ? fc.constant(undefined) : bodyOf(endpoint.body),
      auth: fc.constantFrom(...authModes[endpoint.auth]),
      dropQuery: fc.boolean(),
    })
    .map(({ params, body, auth, dropQuery }) => {
      const values = Object.fromEntries(names.map((n, i) => [n, params[i]!]));
      const query = (endpoint.query ?? [])
        .map((q) => `${q}=${encodeURIComponent(values[q]!.toWellFormed())}`)
        .join('&');
      const path = fillPath(endpoint, values) + (query && !dropQuery ? `?${query}` : '');
      return { endpoint, path, body, auth };
    });
});

/** The headers for one request under its auth mode; a signature covers the path and body as sent. */
async function headersFor({ auth, endpoint, path, body }: Planned, n: number): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const host = hosts[n % hosts.length]!;
  const pathname = new URL(path, base).pathname;
  if (auth === 'signed') {
    Object.assign(
      headers,
      await signRequest(host.key!.privateKey, host.identity.hostId, endpoint.method, pathname, body ?? ''),
    );
  } else if (auth === 'token') headers.authorization = `Bearer ${tokenHost.identity.token}`;
  else if (auth === 'key') headers.authorization = `Bearer ${apiKey}`;
  else if (auth === 'forged' && endpoint.auth === 'host') {
    // The right shapes with a wrong signature, or a wrong shape in one header.
    const signed = await signRequest(host.key!.privateKey, host.identity.hostId, endpoint.method, pathname, body ?? '');
    signed[HEADER.signature] = n % 3 === 0 ? 'A'.repeat(86) : signed[HEADER.signature]!.slice(1);
    if (n % 5 === 0) signed[HEADER.host] = String(2 ** 53 + (n % 7));
    if (n % 7 === 0) signed[HEADER.timestamp] = '0';
    Object.assign(headers, signed);
  } else if (auth === 'forged') headers.authorization = `Bearer tf_${'A'.repeat(43)}`;
  else if (auth === 'junk') headers.authorization = 'Bearer \u00ff';
  return headers;
}

const statuses = new Map<number, number>();
const failures: string[] = [];
let sent = 0,
  transportErrors = 0;

async function send(planned: Planned, n: number) {
  const { endpoint, path, body } = planned;
  let status: number;
  try {
    const res = await fetch(new URL(path, base), {
      method: endpoint.method,
      headers: await headersFor(planned, n),
      ...(body !== undefined && { body }),
      signal: AbortSignal.timeout(30_000),
    });
    status = res.status;
    // A live stream never ends by itself: its headers are the answer.
    if (path.endsWith('/events') && status === 200) await res.body?.cancel();
    else {
      const text = await res.text();
      if (status >= 500) failures.push(`${endpoint.method} ${path} [${planned.auth}] ${status} ${text.slice(0, 300)}`);
    }
  } catch (e) {
    transportErrors++;
    failures.push(`${endpoint.method} ${path} [${planned.auth}]: ${String(e)} ${String((e as Error).cause)}`);
    status = 0;
  }
  if (status >= 500 && failures.length < 50) failures.push(`  body: ${String(body).slice(0, 300)}`);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  sent++;
}

const started = performance.now();
for (let chunk = 0; sent < REQUESTS; chunk++) {
  const batch = fc.sample(plan, { numRuns: Math.min(1000, REQUESTS - sent), seed: SEED + chunk });
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < batch.length; i = next++) await send(batch[i]!, sent + i);
    }),
  );
}
const seconds = (performance.now() - started) / 1000;

const health = await fetch(new URL('/api/health', base)).catch(() => undefined);
const me = await hosts[0]!.call('GET', 'api/hosts/me').catch(() => undefined);
const alive = health?.status === 200 && me?.status === 200;
const serverErrors = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
await running.close();

for (const line of failures.slice(0, 40)) console.error(line);
console.log(
  `fuzz: seed ${SEED}, ${backend}, ${sent} requests in ${seconds.toFixed(1)} s; statuses ` +
    `${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; ` +
    `${transportErrors} transport errors; ${cpus()[0]?.model}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
console.log(JSON.stringify({ requests: sent, server_errors: serverErrors, coordinator_alive: alive }));
process.exit(serverErrors === 0 && transportErrors === 0 && alive ? 0 : 1);

/** Stops the run if the API has a route that ENDPOINTS does not fuzz. */
function checkCoverage() {
  const { stores } = running.coordinator;
  const api = createApi({ store: stores.work, research: stores.research, apps: stores.apps, statsDir: '.' });
  const declared = new Set(ENDPOINTS.map((e) => `${e.method} ${e.path}`));
  const missing = [...new Set(api.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].filter(
    (r) => !declared.has(r),
  );
  if (missing.length > 0) {
    console.error(`fuzz: endpoints without an entry in scripts/fuzz-endpoints.ts: ${missing.join(', ')}`);
    process.exit(2);
  }
}
