import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ApiErrorBody } from '../../protocol/errors.ts';
import { TrainedModel, TrainingJob, TrainingJobList } from '../../protocol/training-job.ts';
import type { SuccessEntry } from '../../protocol/work.ts';
import { signFlippedCodes, widenedCodes } from '../../worker-kernels/testing/training-results.ts';
import { loadMnist } from '../../worker-kernels/training/dataset.ts';
import { parameterCount } from '../../worker-kernels/training/model.ts';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import { backends } from '../testing/backends.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';

const JOB = {
  name: 'digits',
  model: { kind: 'mlp' as const, hidden: 8 },
  rounds: 2,
  hyper: { unitsPerRound: 3, localSteps: 3, batchSize: 8, roundDeadlineS: 600, recompute: 1 },
};

/** Flips the sign of every code of a training result: a sign-flip attacker that skips the work, too. */
function signFlip(entry: SuccessEntry): SuccessEntry {
  if (entry.result.app !== 'training') return entry;
  const codes = signFlippedCodes(entry.result.output.codes, parameterCount(JOB.model));
  return { ...entry, result: { app: 'training', output: { ...entry.result.output, codes } } };
}

/** 8-bit codes at a 4-bit unit's scales, 18 times each code: a step 18 times the honest one, if it were decoded. */
function widened(entry: SuccessEntry): SuccessEntry {
  if (entry.result.app !== 'training') return entry;
  const codes = widenedCodes(entry.result.output.codes, parameterCount(JOB.model), 18);
  return { ...entry, result: { app: 'training', output: { ...entry.result.output, codes } } };
}

describe.each(backends)('training API on $name', ({ name, available }) => {
  let running: TestCoordinator;
  beforeAll(() => loadMnist(), 60_000);

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    running = await startTestCoordinator(name);
  });

  afterEach(async () => {
    if (available) await running.close();
  });

  async function project(projectName: string) {
    const key = newApiKey();
    await running.research.createProject({
      name: projectName,
      researcherName: 'Ada',
      keyHash: hashApiKey(key),
      now: Date.now(),
    });
    return (method: string, path: string, body?: unknown) =>
      fetch(new URL(path, running.coordinator.url), {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
  }

  test('default: volunteers train a submitted job round by round over HTTP; its model downloads', async () => {
    const call = await project('Digits');
    const created = await call('POST', '/api/research/training-jobs', {
      ...JOB,
      hyper: { ...JOB.hyper, recompute: 0.05 },
    });
    expect(created.status).toBe(201);
    const job = TrainingJob.parse(await created.json());
    expect(job).toMatchObject({ state: 'running', version: 0, history: [] });
    const hosts = await Promise.all(
      [1, 2, 3].map((i) => SimHost.register(running.coordinator.url, { volunteerName: `v${i}` })),
    );
    const done = await eventually(async () => {
      for (const h of hosts) await h.cycle(2);
      const now = TrainingJob.parse(await (await call('GET', `/api/research/training-jobs/${job.jobId}`)).json());
      return now.state === 'done' && now;
    }, 60_000);
    expect(done.version).toBe(2);
    expect(done.history.map((r) => r.heldoutAccuracy! > 0)).toEqual([true, true]);
    const list = TrainingJobList.parse(await (await call('GET', '/api/research/training-jobs')).json());
    expect(list.jobs.map((j) => j.jobId)).toEqual([job.jobId]);
    const model = TrainedModel.parse(
      await (await call('GET', `/api/research/training-jobs/${job.jobId}/model`)).json(),
    );
    expect(model).toMatchObject({ version: 2, model: JOB.model, jobId: job.jobId });
    const first = await call('GET', `/api/research/training-jobs/${job.jobId}/model?version=0`);
    expect(TrainedModel.parse(await first.json()).params).not.toBe(model.params);
  });

  test('error: a bad job, another project’s job and a missing version answer 4xx naming the problem', async () => {
    const call = await project('Digits');
    const other = await project('Others');
    const bad = await call('POST', '/api/research/training-jobs', { ...JOB, model: { kind: 'rnn' } });
    expect(bad.status).toBe(400);
    expect(ApiErrorBody.parse(await bad.json()).error.message).toMatch(/^invalid training job: model/);
    const job = TrainingJob.parse(await (await call('POST', '/api/research/training-jobs', JOB)).json());
    const hidden = await other('GET', `/api/research/training-jobs/${job.jobId}`);
    expect(hidden.status).toBe(404);
    expect(ApiErrorBody.parse(await hidden.json()).error.message).toBe(`no training job ${job.jobId} in your project`);
    expect((await other('POST', `/api/research/training-jobs/${job.jobId}/cancel`)).status).toBe(404);
    const missing = await call('GET', `/api/research/training-jobs/${job.jobId}/model?version=7`);
    expect(missing.status).toBe(404);
  });

  test('behavior: a team the screen refused asks first for the shards dealt again and gets none', async () => {
    const call = await project('Digits');
    const submission = { ...JOB, rounds: 1, hyper: { ...JOB.hyper, unitsPerRound: 6, recompute: 0.05 } };
    const job = TrainingJob.parse(await (await call('POST', '/api/research/training-jobs', submission)).json());
    const read = async () =>
      TrainingJob.parse(await (await call('GET', `/api/research/training-jobs/${job.jobId}`)).json());
    const url = running.coordinator.url;
    const team = await Promise.all([1, 2].map((i) => SimHost.register(url, { volunteerName: `mallory${i}` })));
    const honest = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => SimHost.register(url, { volunteerName: `h${i}` })));
    // The team asks the moment the round opens and sends the honest update's negation; four volunteers the rest.
    for (const host of [...team, ...honest.slice(0, 4)]) {
      const taken = await eventually(async () => (await host.requestWork(1)).at(0));
      const entry = host.compute(taken);
      await host.report([team.includes(host) ? signFlip(entry) : entry]);
    }
    // The round's first six units; a recomputed one's second (or third) replica goes to one of two more volunteers.
    const firstSix = new Set((await running.inspect.units()).map((u) => u.id).sort((a, b) => a - b));
    expect(firstSix.size).toBe(6);
    const { dealt, state, bannedHosts } = await eventually(async () => {
      const now = await read();
      const dealt = now.history[0]?.dealtAgain ?? 0;
      if (dealt > 0 || now.state === 'done') return { dealt, state: now.state, bannedHosts: now.bannedHosts };
      const replicas = await running.inspect.replicas();
      if (replicas.some((r) => firstSix.has(r.workUnitId) && r.serverState === 'unsent')) {
        for (const host of honest.slice(4)) await host.cycle(1);
      }
      return undefined;
    }, 60_000);
    // Both team units drawn for recomputation (one run in 400 at 5%): both banned, their shards trained by the
    // checking replicas, nothing dealt again.
    if (dealt === 0) return expect({ state, bannedHosts }).toEqual({ state: 'done', bannedHosts: 2 });
    // The loss screen refused the team's updates and the round dealt their shards again. The team asks first, as
    // a team reading this code would, and gets none of them: or is banned already, if a recomputation caught it.
    for (const host of team) {
      const reply = await host.call('POST', 'api/work', { maxReplicas: 4 });
      if (reply.status !== 403) expect(await reply.json()).toEqual({ replicas: [] });
    }
    // Two other volunteers take them, and the round closes with every shard trained once.
    const done = await eventually(async () => {
      for (const host of honest.slice(4)) await host.cycle(2);
      const now = await read();
      return now.state === 'done' && now;
    }, 60_000);
    expect(done.history[0]).toMatchObject({ dealtAgain: dealt, updates: 6 });
    expect(dealt).toBeGreaterThanOrEqual(1);
    const again = new Set((await running.inspect.units()).map((u) => u.id).filter((id) => !firstSix.has(id)));
    expect(again.size).toBe(dealt);
    const teamIds = new Set(team.map((h) => h.identity.volunteerId));
    const replicas = (await running.inspect.replicas()).filter((r) => again.has(r.workUnitId));
    expect(replicas.filter((r) => r.volunteerId !== null)).not.toHaveLength(0);
    expect(replicas.filter((r) => teamIds.has(r.volunteerId!))).toEqual([]);
  });

  test('behavior: a sign-flipping volunteer is caught by recomputation, banned, and its work refused', async () => {
    const call = await project('Digits');
    const job = TrainingJob.parse(await (await call('POST', '/api/research/training-jobs', JOB)).json());
    const url = running.coordinator.url;
    const honest = await Promise.all([1, 2, 3].map((i) => SimHost.register(url, { volunteerName: `h${i}` })));
    const cheater = await SimHost.register(url, { volunteerName: 'mallory' });
    // Every unit is recomputed (recompute: 1): whatever the cheater takes, another volunteer's replica checks it.
    const taken = await eventually(async () => (await cheater.requestWork(1)).at(0));
    await cheater.report([signFlip(cheater.compute(taken))]);
    const banned = await eventually(async () => {
      for (const h of honest) await h.cycle(1);
      const reply = await cheater.call('POST', 'api/work', { maxReplicas: 1 });
      return reply.status === 403 && reply;
    }, 60_000);
    const error = ApiErrorBody.parse(await banned.json()).error;
    expect(error.name).toBe('HostBannedError');
    expect(error.message).toMatch(/recomputation/);
    const now = TrainingJob.parse(await (await call('GET', `/api/research/training-jobs/${job.jobId}`)).json());
    expect(now.bannedHosts).toBe(1);
  });

  test('error: two colluders agreeing on 8-bit codes for 4-bit units are refused, each result alone', async () => {
    const call = await project('Digits');
    const job = TrainingJob.parse(await (await call('POST', '/api/research/training-jobs', JOB)).json());
    const url = running.coordinator.url;
    // Alone on the coordinator, the pair holds both replicas of every unit (recompute: 1), so they agree byte for byte.
    const team = await Promise.all(['m1', 'm2'].map((name) => SimHost.register(url, { volunteerName: name })));
    const sent = new Set<string>();
    for (const member of team) {
      const work = await eventually(async () => {
        const some = await member.requestWork(3);
        return some.length > 0 && some;
      });
      expect(work.map((a) => a.app === 'training' && a.input.bits)).toEqual(work.map(() => 4));
      for (const a of work) sent.add(a.replicaId);
      await member.report(work.map((a) => widened(member.compute(a))));
    }
    const theirs = await eventually(async () => {
      const rows = (await running.inspect.replicas()).filter((r) => r.token !== null && sent.has(r.token));
      return rows.length === sent.size && rows.every((r) => r.validateState !== 'init') && rows;
    }, 30_000);
    expect(new Set(theirs.map((r) => r.workUnitId)).size).toBeLessThan(theirs.length);
    expect(theirs.map((r) => [r.validateState, r.grantedCredit])).toEqual(theirs.map(() => ['invalid', 0]));
    const read = async () =>
      TrainingJob.parse(await (await call('GET', `/api/research/training-jobs/${job.jobId}`)).json());
    expect(await read()).toMatchObject({ version: 0, history: [{ round: 0, updates: 0, closedAt: null }] });
    // The refused replicas go out again: two honest volunteers' results close the round from their updates alone.
    const honest = await Promise.all(['h1', 'h2'].map((name) => SimHost.register(url, { volunteerName: name })));
    const stepped = await eventually(async () => {
      for (const h of honest) await h.cycle(3);
      const now = await read();
      return now.version >= 1 && now;
    }, 60_000);
    expect(stepped.history[0]).toMatchObject({ round: 0, updates: JOB.hyper.unitsPerRound });
  });
});
