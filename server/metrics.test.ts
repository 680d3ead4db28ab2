import { afterEach, describe, expect, onTestFinished, test } from 'vitest';
import { creditForFlops } from './credit/cobblestones.ts';
import { backends } from './testing/backends.ts';
import { eventually, SimHost } from './testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from './testing/test-coordinator.ts';
import { tinyUnits } from './testing/tiny-units.ts';

/** One sample's value from Prometheus text: the line `name{labels} value`, labels in any order; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(new URL('metrics', url), { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe.each(backends)('GET /metrics on $name', ({ name, available }) => {
  let running: TestCoordinator | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function start(env: Record<string, string> = {}) {
    running = await startTestCoordinator(name, { TERRAFLOP_METRICS_BACKLOG_MS: '0', ...env });
    return running.coordinator;
  }

  test.skipIf(!available)('default: issuing, validating and outvoting over HTTP moves the counts', async () => {
    const coordinator = await start();
    const units = tinyUnits(2);
    await coordinator.stores.work.createBatch({ app: 'signal-search', name: 'm', units, now: Date.now() });
    const before = await scrape(coordinator.url);
    expect(sample(before, 'terraflop_replicas_issued_total')).toBe(0);

    const honest = await SimHost.register(coordinator.url);
    const cheat = await SimHost.register(coordinator.url, 'cheat');
    await honest.cycle(10);
    await cheat.cycle(10);
    // The pair disagrees; a referee gets the third replica of each unit and outvotes the cheat.
    const referee = await SimHost.register(coordinator.url);
    await eventually(async () => (await referee.cycle(10)).length === 2);
    await eventually(async () => (await referee.status()).results.valid === 2);

    const text = await eventually(async () => {
      const t = await scrape(coordinator.url);
      return sample(t, 'terraflop_units_total', { outcome: 'validated' }) === 2 && t;
    });
    expect(sample(text, 'terraflop_replicas_issued_total')).toBe(6);
    expect(sample(text, 'terraflop_results_judged_total', { verdict: 'valid' })).toBe(4);
    expect(sample(text, 'terraflop_results_judged_total', { verdict: 'invalid' })).toBe(2);
    const granted = units.reduce((sum, u) => sum + 2 * creditForFlops(u.flopsEstimate), 0);
    expect(sample(text, 'terraflop_credit_granted_total')).toBeCloseTo(granted, 9);
    const works = { method: 'POST', route: '/api/work', status: '200' };
    expect(sample(text, 'terraflop_http_requests_total', works)).toBeGreaterThanOrEqual(3);
    const reports = { method: 'POST', route: '/api/results', status: '200' };
    expect(sample(text, 'terraflop_http_requests_total', reports)).toBe(3);
    expect(sample(text, 'terraflop_http_requests_total', { route: '/api/hosts', status: '201' })).toBe(3);
    expect(sample(text, 'terraflop_http_request_duration_seconds_count', { route: '/api/results' })).toBe(3);
    expect(sample(text, 'terraflop_pass_round_seconds_count', { pass: 'validator' })).toBeGreaterThan(0);
    expect(sample(text, 'terraflop_pass_backlog', { queue: 'validate' })).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test.skipIf(!available)('behavior: results waiting for a stopped validator show as its backlog', async () => {
    const coordinator = await start();
    await coordinator.passes.stop();
    const units = tinyUnits(3);
    await coordinator.stores.work.createBatch({ app: 'signal-search', name: 'b', units, now: Date.now() });
    const [a, b] = await Promise.all([SimHost.register(coordinator.url), SimHost.register(coordinator.url)]);
    await a.cycle(10);
    await b.cycle(10);
    const text = await scrape(coordinator.url);
    expect(sample(text, 'terraflop_pass_backlog', { queue: 'validate' })).toBe(3);
    expect(sample(text, 'terraflop_units_total', { outcome: 'validated' })).toBe(0);
    expect(sample(text, 'terraflop_replicas_issued_total')).toBe(6);
  });

  test.skipIf(!available)('behavior: an unknown path is counted under one label, not its own', async () => {
    const coordinator = await start();
    for (const path of ['api/nope-1', 'api/nope-2', 'api/hosts/x/y']) await fetch(new URL(path, coordinator.url));
    const text = await scrape(coordinator.url);
    expect(text).not.toContain('nope');
    expect(sample(text, 'terraflop_http_requests_total', { route: '/api/*', status: '404' })).toBe(3);
  });
});

describe('GET /metrics with TERRAFLOP_METRICS_TOKEN', () => {
  test('behavior: with a token set, a scrape without it is 401', async () => {
    const token = 'a-metrics-token-of-some-length';
    const running = await startTestCoordinator('sqlite', { TERRAFLOP_METRICS_TOKEN: token });
    onTestFinished(() => running.close());
    const { coordinator } = running;
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`]) {
      const res = await fetch(new URL('metrics', coordinator.url), {
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('TERRAFLOP_METRICS_TOKEN');
    }
    expect(await scrape(coordinator.url, { authorization: `Bearer ${token}` })).toContain('terraflop_');
  });
});
