import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BatchProgress, CanonicalResultLine, Leaderboard, Project, PublicStatus } from '../../protocol/research.ts';
import type { Coordinator } from '../coordinator.ts';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import type { ResearchStore } from '../store/research.ts';
import { backends } from '../testing/backends.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';
import { tinyUnits } from '../testing/tiny-units.ts';

describe.each(backends)('research API on $name', ({ name, available }) => {
  let running: TestCoordinator;
  let coordinator: Coordinator;
  let research: ResearchStore;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    running = await startTestCoordinator(name);
    ({ coordinator, research } = running);
  });

  afterEach(async () => {
    if (available) await running.close();
  });

  async function project(projectName: string) {
    const key = newApiKey();
    const { projectId } = await research.createProject({
      name: projectName,
      researcherName: 'Ada',
      keyHash: hashApiKey(key),
      now: Date.now(),
    });
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(new URL(path, coordinator.url), {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    return { key, projectId, call };
  }

  const submission = (count: number, batchName = 'pulsar sweep') => ({
    name: batchName,
    units: tinyUnits(count).map((u) => u.job),
  });

  test('default: a submitted batch is computed, its progress moves and its canonical results download', async () => {
    const { call } = await project('Pulsars');
    const created = await call('POST', '/api/research/batches', submission(3));
    expect(created.status).toBe(201);
    const { batchId, units } = (await created.json()) as { batchId: number; units: number };
    expect(units).toBe(3);

    const before = BatchProgress.parse(await (await call('GET', `/api/research/batches/${batchId}`)).json());
    expect(before.units).toEqual({ total: 3, waiting: 3, inProgress: 0, validated: 0, failed: 0 });
    expect(before.estimatedCompletion).toBeNull();

    const [a, b] = await Promise.all([
      SimHost.register(coordinator.url, { volunteerName: 'alice' }),
      SimHost.register(coordinator.url, { volunteerName: 'bob' }),
    ]);
    const work = await a.requestWork(10);
    const midway = BatchProgress.parse(await (await call('GET', `/api/research/batches/${batchId}`)).json());
    expect(midway.units.inProgress).toBe(3);
    expect(midway.replicasInFlight).toBe(3);
    expect(midway.activeHosts).toBe(1);
    await a.report(work.map((w) => a.compute(w)));
    await b.cycle(10);
    const after = await eventually(async () => {
      const p = BatchProgress.parse(await (await call('GET', `/api/research/batches/${batchId}`)).json());
      return p.units.validated === 3 && p;
    });
    expect(after.units).toMatchObject({ total: 3, waiting: 0, failed: 0, validated: 3 });
    expect(after.throughput.reduce((s, [, n]) => s + n, 0)).toBe(3);
    expect(after.gflops).toBeGreaterThan(0);
    expect(after.activeVolunteers).toBe(2);
    expect(after.estimatedCompletion).not.toBeNull();

    const download = await call('GET', `/api/research/batches/${batchId}/results`);
    expect(download.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await download.text())
      .trim()
      .split('\n')
      .map((l) => CanonicalResultLine.parse(JSON.parse(l)));
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.app === 'signal-search' && typeof l.output === 'object')).toBe(true);
    const newer = await call('GET', `/api/research/batches/${batchId}/results?after=${lines[1]!.workUnitId}`);
    expect((await newer.text()).trim().split('\n')).toHaveLength(1);

    const status = PublicStatus.parse(await (await fetch(new URL('/api/public/status', coordinator.url))).json());
    expect(status.projects).toEqual([
      expect.objectContaining({ name: 'Pulsars', batches: 1, units: expect.objectContaining({ validated: 3 }) }),
    ]);
    // The credit pass runs after validation: both volunteers reach the board with equal credit.
    const board = await eventually(async () => {
      const l = Leaderboard.parse(await (await fetch(new URL('/api/public/leaderboard', coordinator.url))).json());
      return l.volunteers.length === 2 && l;
    });
    expect(board.volunteers.map((v) => v.name).sort()).toEqual(['alice', 'bob']);
    expect(board.volunteers[0]!.totalCredit).toBeGreaterThan(0);
    expect(board.volunteers[0]!.totalCredit).toBeCloseTo(board.volunteers[1]!.totalCredit, 9);
    expect(board.volunteers.map((v) => v.rank)).toEqual([1, 2]);
    expect(board.partners).toEqual([]);
    // A host that computes in a partner site's widget counts for the partner.
    const { hostId } = await a.status();
    await running.inspect.setHost(hostId, { partner: 'https://partner.example' });
    const withPartner = Leaderboard.parse(
      await (await fetch(new URL('/api/public/leaderboard', coordinator.url))).json(),
    );
    expect(withPartner.partners).toEqual([
      {
        rank: 1,
        name: 'https://partner.example',
        hosts: 1,
        totalCredit: board.volunteers[0]!.totalCredit,
        recentAverageCredit: expect.any(Number),
      },
    ]);
    expect(withPartner.partners[0]!.recentAverageCredit).toBeGreaterThan(0);
  });

  test("error: one project's key can neither read nor change another's batches", async () => {
    const owner = await project('Owner');
    const other = await project('Other');
    const { batchId } = (await (await owner.call('POST', '/api/research/batches', submission(1))).json()) as {
      batchId: number;
    };
    for (const path of [
      `/api/research/batches/${batchId}`,
      `/api/research/batches/${batchId}/results`,
      `/api/research/batches/${batchId}/events`,
    ]) {
      const res = await other.call('GET', path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        `no batch ${batchId} in your project`,
      );
    }
    const cancel = await other.call('POST', `/api/research/batches/${batchId}/cancel`);
    expect(cancel.status).toBe(404);
    const list = (await (await other.call('GET', '/api/research/batches')).json()) as { batches: unknown[] };
    expect(list.batches).toEqual([]);
    const untouched = BatchProgress.parse(await (await owner.call('GET', `/api/research/batches/${batchId}`)).json());
    expect(untouched.units).toMatchObject({ total: 1, waiting: 1, failed: 0 });
  });

  test('behavior: cancelling a batch fails its undecided units and refuses their late results', async () => {
    const { call } = await project('Cancelling');
    const { batchId } = (await (await call('POST', '/api/research/batches', submission(3))).json()) as {
      batchId: number;
    };
    const host = await SimHost.register(coordinator.url);
    const out = await host.requestWork(1);
    const res = await call('POST', `/api/research/batches/${batchId}/cancel`);
    expect(await res.json()).toEqual({ batchId, cancelled: 3 });
    const p = BatchProgress.parse(await (await call('GET', `/api/research/batches/${batchId}`)).json());
    expect(p.units).toMatchObject({ total: 3, waiting: 0, inProgress: 0, failed: 3 });
    expect(p.replicasInFlight).toBe(0);
    expect(p.errors).toEqual([{ kind: 'unit', reason: 'cancelled by the researcher', count: 3 }]);
    expect(await host.requestWork(10)).toEqual([]);
    const late = await host.report(out.map((a) => host.compute(a)));
    expect(late.rejected).toEqual([
      { replicaId: out[0]!.replicaId, error: `replica ${out[0]!.replicaId} is no longer needed` },
    ]);
    expect(await (await call('POST', `/api/research/batches/${batchId}/cancel`)).json()).toEqual({
      batchId,
      cancelled: 0,
    });
  });

  test('error: requests without a valid key are refused with 401', async () => {
    const url = new URL('/api/research/batches', coordinator.url);
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/missing Authorization/);
    const malformed = await fetch(url, { headers: { authorization: 'Bearer nope' } });
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toMatch(/malformed API key/);
    const unknown = await fetch(url, { headers: { authorization: `Bearer ${newApiKey()}` } });
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('unknown or revoked API key');
  });

  test('error: a bad submission is refused naming what is wrong, and nothing is stored', async () => {
    const { call, projectId } = await project('Careful');
    const mixed = { name: 'mixed', units: [...submission(1).units, { app: 'collatz', input: { start: 'x' } }] };
    const res = await call('POST', '/api/research/batches', mixed);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /invalid batch submission: units\.1\.input/,
    );
    const empty = await call('POST', '/api/research/batches', { name: 'empty', units: [] });
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/units/);
    const limits = await call('POST', '/api/research/batches', {
      ...submission(1),
      limits: { minQuorum: 3, targetNresults: 2, maxErrorResults: 3, maxTotalResults: 6, delayBoundS: 60 },
    });
    expect(((await limits.json()) as { error: { message: string } }).error.message).toMatch(
      /limits\.targetNresults: targetNresults must be at least minQuorum/,
    );
    expect((await call('POST', '/api/research/batches', '{not json')).status).toBe(400);
    expect((await call('GET', '/api/research/batches/abc')).status).toBe(400);
    expect(await research.batchIds(projectId)).toEqual([]);
  });

  test('behavior: project settings set the limits of batches submitted without their own', async () => {
    const { call } = await project('Settled');
    const before = Project.parse(await (await call('GET', '/api/research/project')).json()).settings;
    const settings = {
      limits: { minQuorum: 3, targetNresults: 3, maxErrorResults: 2, maxTotalResults: 5, delayBoundS: 120 },
      priority: before.priority,
      resourceShare: before.resourceShare,
    };
    const put = await call('PUT', '/api/research/project/settings', settings);
    expect(Project.parse(await put.json()).settings).toEqual(settings);
    const bad = await call('PUT', '/api/research/project/settings', { ...settings, resourceShare: -1 });
    expect(bad.status).toBe(400);
    // Its standing against the other projects is the operator's (server/cli/project-share.ts), not its key's.
    const raised = await call('PUT', '/api/research/project/settings', {
      ...settings,
      priority: 100,
      resourceShare: 1e6,
    });
    expect(raised.status).toBe(403);
    expect(((await raised.json()) as { error: { name: string; message: string } }).error).toMatchObject({
      name: 'OperatorSettingError',
      message: expect.stringMatching(/^priority and resourceShare are set by the coordinator's operator/),
    });
    expect(Project.parse(await (await call('GET', '/api/research/project')).json()).settings).toEqual(settings);
    const { batchId } = (await (await call('POST', '/api/research/batches', submission(2))).json()) as {
      batchId: number;
    };
    const p = BatchProgress.parse(await (await call('GET', `/api/research/batches/${batchId}`)).json());
    expect(p.units.total).toBe(2);
    const host = await SimHost.register(coordinator.url);
    const got = await host.requestWork(10);
    // Three replicas per unit went out as unsent; one host gets one of each unit.
    expect(got).toHaveLength(2);
    expect(got[0]!.deadline - Date.now()).toBeLessThanOrEqual(120_000);
  });

  test('behavior: live progress arrives as server-sent events', async () => {
    const { call } = await project('Live');
    const { batchId } = (await (await call('POST', '/api/research/batches', submission(1))).json()) as {
      batchId: number;
    };
    const res = await call('GET', `/api/research/batches/${batchId}/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toMatch(/^event: progress\ndata: /);
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]!) as unknown;
    expect(BatchProgress.parse(data).units.total).toBe(1);
  });

  test('behavior: shutting the coordinator down ends open live streams', async () => {
    const { call } = await project('Closing');
    const { batchId } = (await (await call('POST', '/api/research/batches', submission(1))).json()) as {
      batchId: number;
    };
    const reader = (await call('GET', `/api/research/batches/${batchId}/events`)).body!.getReader();
    await reader.read();
    await coordinator.close();
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });

  test('default: the OpenAPI description is generated from the protocol schemas', async () => {
    const doc = (await (await fetch(new URL('/api/openapi.json', coordinator.url))).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/research/batches/{id}/results');
    expect(Object.keys(doc.components.schemas.BatchSubmission!.properties!)).toEqual(['name', 'units', 'limits']);
  });
});
