import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CoordinatorAbout } from '../../protocol/about.ts';
import { AppCatalog } from '../../protocol/app-catalog.ts';
import { AppInput } from '../../protocol/apps.ts';
import { BatchCreated, Leaderboard, Project, PublicStatus } from '../../protocol/research.ts';
import { compileExample, EXAMPLE_MANIFEST } from '../../worker-kernels/custom/example/example-app.ts';
import type { Coordinator } from '../coordinator.ts';
import { makeDemoUnit } from '../demo/signal-search-feeder.ts';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import { backends } from '../testing/backends.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';

describe.each(backends)('what the public reads on $name', ({ name, available }) => {
  let running: TestCoordinator;
  let coordinator: Coordinator;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    running = await startTestCoordinator(name, {
      TERRAFLOP_OPERATOR: 'The Radio Lab',
      TERRAFLOP_SETTLING_S: '0',
      // The tests poll a host's status until the passes catch up.
      TERRAFLOP_HOST_RATE: '1000',
    });
    coordinator = running.coordinator;
  });
  afterEach(async () => {
    if (available) await running.close();
  });

  const get = async (path: string) => {
    const res = await fetch(new URL(path, coordinator.url));
    return { status: res.status, body: (await res.json()) as unknown };
  };

  async function project(projectName: string) {
    const key = newApiKey();
    await running.research.createProject({
      name: projectName,
      researcherName: 'Ada',
      keyHash: hashApiKey(key),
      now: Date.now(),
    });
    return (method: string, path: string, body?: unknown) =>
      fetch(new URL(path, coordinator.url), {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
      });
  }

  const demoBatch = (units = 2) =>
    coordinator.stores.work.createBatch({
      app: 'signal-search',
      name: 'demo',
      units: Array.from({ length: units }, () => makeDemoUnit('tiny')),
      now: Date.now(),
    });

  test('default: the demo and each project are described, with who runs them and their apps', async () => {
    await demoBatch();
    const call = await project('Pulsar Survey');
    const about = { runBy: 'Ada’s group, Radio Lab', purpose: 'Finds pulsars in archival radio data.' };
    const set = await call('PUT', '/api/research/project/about', about);
    expect(Project.parse(await set.json())).toMatchObject({ shortName: 'pulsar-survey', about });
    const module = Buffer.from(await compileExample()).toString('base64');
    const uploaded = await call('POST', '/api/research/apps', {
      manifest: { ...EXAMPLE_MANIFEST, timeLimitMs: 9000 },
      module,
    });
    expect(uploaded.status).toBe(201);
    const collatz = await call('POST', '/api/research/batches', {
      name: 'records',
      units: [{ app: 'collatz', input: { start: 1, count: 1000 } }],
    });
    expect(collatz.status).toBe(201);

    const { body } = await get('/api/public/about');
    const info = CoordinatorAbout.parse(body);
    expect(info.operator).toBe('The Radio Lab');
    expect(info.settlingS).toBe(0);
    expect(info.projects.map((p) => [p.shortName, p.name, p.runBy])).toEqual([
      ['demo', 'Terraflop demo', 'The Radio Lab'],
      ['pulsar-survey', 'Pulsar Survey', about.runBy],
    ]);
    expect(info.projects[0]!.apps.map((a) => a.title)).toEqual(['Signal search']);
    const apps = info.projects[1]!.apps;
    expect(apps.map((a) => a.name)).toEqual(['collatz', 'prime-count']);
    expect(apps[1]!.description).toBe(EXAMPLE_MANIFEST.description);
    expect(info.projects[1]!.purpose).toBe(about.purpose);
  }, 60_000);

  test('error: a description too long is refused naming the field, and nothing changes', async () => {
    const call = await project('Comets');
    const res = await call('PUT', '/api/research/project/about', { runBy: 'x', purpose: 'y'.repeat(601) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/purpose/);
    const unchanged = Project.parse(await (await call('GET', '/api/research/project')).json());
    expect(unchanged.about).toEqual({ runBy: '', purpose: '' });
  });

  test('behavior: every built-in app has an example unit that a batch accepts', async () => {
    const { apps } = AppCatalog.parse((await get('/api/public/apps')).body);
    expect(apps.map((a) => a.name).sort()).toEqual(['collatz', 'matmul', 'signal-search', 'training']);
    const call = await project('Examples');
    for (const app of apps) {
      const res = await call('POST', '/api/research/batches', { name: app.name, units: [AppInput.parse(app.example)] });
      expect(BatchCreated.parse(await res.json()).units).toBe(1);
    }
  });

  test('behavior: the status lists the demo beside the projects, and how many hosts hold replicas', async () => {
    await demoBatch(2);
    await project('Comets');
    const host = await SimHost.register(coordinator.url);
    const [first] = await host.requestWork(1);
    const status = PublicStatus.parse((await get('/api/public/status')).body);
    expect(status.projects.map((p) => [p.shortName, p.name, p.units.total])).toEqual([
      ['demo', 'Terraflop demo', 2],
      ['comets', 'Comets', 0],
    ]);
    // The next deadline is told by its minute (server/store/sql/activity-counts.ts).
    const minute = Math.floor(first!.deadline / 60_000) * 60_000;
    expect(status.projects[0]).toMatchObject({ replicasInFlight: 1, hostsHolding: 1, nextDeadline: minute });
    expect(status.projects[1]).toMatchObject({ hostsHolding: 0, nextDeadline: null });
    expect(status.totals.activeHosts).toBe(1);
  });

  test("behavior: a volunteer's own line on the leaderboard, wherever they rank", async () => {
    await demoBatch(4);
    const [alice, bob, carol] = await Promise.all(
      ['Alice', 'Bob', 'Carol'].map((volunteerName) => SimHost.register(coordinator.url, { volunteerName })),
    );
    await alice!.cycle(4);
    await bob!.cycle(4);
    await eventually(async () => (await bob!.status()).credit.total > 0);
    const board = async (query: string) => Leaderboard.parse((await get(`/api/public/leaderboard?${query}`)).body);
    const top = await board('limit=1');
    expect(top.volunteers).toHaveLength(1);
    expect(top.you).toBeUndefined();
    const second = top.volunteers[0]!.name === 'Alice' ? bob! : alice!;
    const mine = await board(`limit=1&you=${second.identity.volunteerId}`);
    expect(mine.you).toMatchObject({ rank: 2, volunteerId: second.identity.volunteerId });
    const newcomer = await board(`you=${carol!.identity.volunteerId}`);
    expect(newcomer.you).toMatchObject({ rank: null, name: 'Carol', totalCredit: 0 });
    expect((await board('you=999999')).you).toBeNull();
    expect((await get('/api/public/leaderboard?you=-1')).status).toBe(400);
  });

  test('behavior: a host sees its pending credit, that it awaits a second volunteer, then final credit', async () => {
    await demoBatch(3);
    const alice = await SimHost.register(coordinator.url);
    await alice.cycle(3);
    const waiting = await alice.status();
    expect(waiting.results).toMatchObject({ pending: 3, awaitingVolunteer: 3 });
    expect(waiting.volunteerStages.pending).toBeGreaterThan(0);
    expect(waiting.credit.total).toBe(0);

    const bob = await SimHost.register(coordinator.url);
    const work = await bob.requestWork(3);
    expect((await alice.status()).results).toMatchObject({ pending: 3, awaitingVolunteer: 0 });
    await bob.report(work.map((w) => bob.compute(w)));
    // Settling takes 0 s here: granted credit is final at the settler's next pass.
    const done = await eventually(async () => {
      const s = await alice.status();
      return s.volunteerStages.settled > 0 && s;
    });
    expect(done.results).toMatchObject({ pending: 0, awaitingVolunteer: 0, valid: 3 });
    expect(done.volunteerStages.pending).toBe(0);
    expect(done.volunteerStages.settled).toBeCloseTo(done.volunteerCredit.total, 9);
    expect(done.volunteerStages.settled).toBeCloseTo(waiting.volunteerStages.pending, 9);
  });
});
