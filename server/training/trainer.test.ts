import { beforeAll, describe, expect, test } from 'vitest';
import type { AppOutput } from '../../protocol/apps.ts';
import { TrainingJobSubmission, type TrainingJobSubmissionInput } from '../../protocol/training-job.ts';
import { signFlippedCodes } from '../../worker-kernels/testing/training-results.ts';
import { decodeF32, encodeF32 } from '../../worker-kernels/training/codec.ts';
import { loadMnist } from '../../worker-kernels/training/dataset.ts';
import { parameterCount } from '../../worker-kernels/training/model.ts';
import { innerLrAt } from '../../worker-kernels/training/schedule.ts';
import { creditForFlops } from '../credit/cobblestones.ts';
import { backends } from '../testing/backends.ts';
import { drain } from '../testing/drain.ts';
import { honest } from '../testing/results.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import type { Stores } from '../store/stores.ts';
import type { Host, IssuedReplica, ResultToRecord } from '../store/types.ts';
import { initialState } from './model-state.ts';
import { mnistOps } from './model-ops.ts';
import { BAN_REASON, trainer } from './trainer.ts';

const JOB: TrainingJobSubmissionInput = {
  name: 'digits',
  model: { kind: 'mlp', hidden: 8 },
  rounds: 3,
  hyper: { unitsPerRound: 3, localSteps: 3, batchSize: 8, roundDeadlineS: 60, quorum: 0.6, maxStaleness: 0 },
};

/** The honest result with every block's scale multiplied: a pseudo-gradient far too long (a scaled attack). */
function scaled(r: IssuedReplica): ResultToRecord {
  const result = honest(r);
  if (result.status !== 'success' || result.result.app !== 'training') return result;
  const scales = decodeF32(result.result.output.scales)!.map((s) => s * 1e4);
  const output = { ...result.result.output, scales: encodeF32(scales) };
  return { ...result, result: { app: 'training', output } satisfies AppOutput };
}

/** A result that skipped the work: the honest one with every code's sign flipped (sign-flip attack). */
function flipped(r: IssuedReplica): ResultToRecord {
  const result = honest(r);
  if (result.status !== 'success' || result.result.app !== 'training') return result;
  const codes = signFlippedCodes(result.result.output.codes, parameterCount(JOB.model));
  const output = { ...result.result.output, codes };
  return { ...result, result: { app: 'training', output } satisfies AppOutput };
}

async function setUp(stores: Stores, submission: TrainingJobSubmissionInput, now: number, hostCount = 5) {
  const { projectId } = await stores.research.createProject({ name: 'lab', researcherName: 'ada', keyHash: 'h', now });
  const parsed = TrainingJobSubmission.parse(submission);
  const jobId = await stores.training.createJob({ projectId, submission: parsed, initial: initialState(parsed), now });
  const hosts: Host[] = [];
  for (let i = 0; i < hostCount; i++) hosts.push(await stores.work.createHost({ volunteerName: `v${i}`, now }));
  return { projectId, jobId, hosts };
}

describe.each(backends)('trainer pass ($name)', (backend) => {
  const fixture = storePerTest(backend);
  beforeAll(() => loadMnist(), 60_000);

  /** The trainer and the work passes until neither has more to do. */
  const settle = async (pass: ReturnType<typeof trainer>, now: number) => {
    for (let i = 0; i < 20; i++) {
      await drain(fixture.store, now);
      if (!(await pass(fixture.store, now))) return;
    }
  };

  test('default: rounds of units close into versions, each evaluated held out, until the job is done', async () => {
    const now = 1_000_000;
    const { projectId, jobId, hosts } = await setUp(fixture.stores, JOB, now);
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
    for (let round = 0; round < 3; round++) {
      await settle(pass, now + round);
      for (const host of hosts.slice(0, 3)) {
        const issued = await fixture.store.issueReplicas(host, 1, now + round);
        expect(issued).toHaveLength(1);
        expect(issued[0]!.job.app).toBe('training');
        // The round's inner rate on the job's schedule (a cosine to 0.3 of lr by default), as the bench trains with.
        const { job } = issued[0]!;
        expect(job.app === 'training' && job.input.inner.lr).toBe(
          innerLrAt({ lr: 0.01, schedule: 'cosine', floor: 0.3 }, round, 3),
        );
        // In the job's code bits (4 by default): what the bench measures the upload ratio with.
        expect(job.app === 'training' && job.input.bits).toBe(4);
        await fixture.store.recordResults(host, issued.map(honest), now + round);
      }
      await settle(pass, now + round);
    }
    const job = (await fixture.stores.training.job(projectId, jobId))!;
    expect(job).toMatchObject({ state: 'done', version: 3, bannedHosts: 0 });
    expect(job.history.map((r) => [r.round, r.baseVersion, r.updates])).toEqual([
      [0, 0, 3],
      [1, 1, 3],
      [2, 2, 3],
    ]);
    for (const r of job.history) {
      expect(r.heldoutAccuracy).toBeGreaterThan(0);
      expect(r.heldoutLoss).toBeGreaterThan(0);
      expect(r.trainLoss).toBeGreaterThan(0);
    }
    const first = await fixture.stores.training.model(jobId, 0);
    const last = await fixture.stores.training.model(jobId);
    expect(last!.version).toBe(3);
    expect(last!.params).not.toEqual(first!.params);
    // Each version keeps the aggregate its outer step applied, where the next round's CenteredClip starts: none
    // before the first round; version 1's momentum is its aggregate (m = μ·0 + Δ); version 2's, μ·m₁ + Δ₂ in f32.
    const [v1, v2] = [
      (await fixture.stores.training.model(jobId, 1))!,
      (await fixture.stores.training.model(jobId, 2))!,
    ];
    expect(first!.aggregate).toEqual(new Float32Array(first!.params.length));
    expect(v1.aggregate.some((x) => x !== 0)).toBe(true);
    expect(v1.momentum).toEqual(v1.aggregate);
    const mu = TrainingJobSubmission.parse(JOB).hyper.outerMomentum;
    expect(v2.momentum).toEqual(v1.momentum.map((m, i) => mu * m + v2.aggregate[i]!));
    // Credit from the FLOPs of the validated steps: each host's unit, three rounds.
    const summary = await fixture.store.hostSummary(hosts[0]!.id, now + 3);
    expect(summary.credit.total).toBeGreaterThan(0);
    expect(summary.results.valid).toBe(3);
  });

  test('behavior: each round is checked on 500 training digits drawn for it, no two rounds alike', async () => {
    const now = 1_200_000;
    const { hosts } = await setUp(fixture.stores, { ...JOB, rounds: 2 }, now);
    const draws = new Set<Uint16Array>();
    const ops: typeof mnistOps = {
      ...mnistOps,
      validationLosses(job, params, digits) {
        draws.add(digits);
        return mnistOps.validationLosses(job, params, digits);
      },
    };
    const pass = trainer(fixture.stores.training, ops, { random: () => 0.99 });
    for (let round = 0; round < 2; round++) {
      await settle(pass, now + round);
      for (const host of hosts.slice(0, 3)) {
        const issued = await fixture.store.issueReplicas(host, 1, now + round);
        await fixture.store.recordResults(host, issued.map(honest), now + round);
      }
      await settle(pass, now + round);
    }
    // One draw per close (the screen and the round check share it), each 500 distinct digits of the 8,000.
    const [first, second] = [...draws];
    expect(draws.size).toBeGreaterThanOrEqual(2);
    for (const digits of draws) expect(new Set(digits).size).toBe(500);
    // Neither the first 500 (the digits fixed in the code before) nor the previous round's.
    expect(first!.filter((d) => d < 500).length).toBeLessThan(100);
    expect(second!.filter((d) => first!.includes(d)).length).toBeLessThan(100);
  });

  test('behavior: with gateLoss, a wrecking round is not applied, one with an honest minority is', async () => {
    const now = 1_500_000;
    // The gate alone: the loss screen, on by default, would leave the wrecking results out before it.
    const hyper = { ...JOB.hyper, unitsPerRound: 7, quorum: 1, gateLoss: 0.1, screen: 'none' as const };
    // One round to apply: the refused round 0 does not count (schedule.ts jobFinished), so round 1 runs and ends it.
    const { projectId, jobId, hosts } = await setUp(fixture.stores, { ...JOB, rounds: 1, hyper }, now, 7);
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
    // Round 0: every host a scaled attacker; round 1: four of seven (a majority the aggregator cannot hold), and the
    // three honest ones are as many as gate.ts applies a retried round from.
    const senders = [Array(7).fill(scaled), [scaled, honest, scaled, honest, scaled, honest, scaled]];
    for (const [round, sends] of senders.entries()) {
      await settle(pass, now + round);
      for (const [i, host] of hosts.entries()) {
        const issued = await fixture.store.issueReplicas(host, 1, now + round);
        await fixture.store.recordResults(host, issued.map(sends[i]!), now + round);
      }
      await settle(pass, now + round);
    }
    const job = (await fixture.stores.training.job(projectId, jobId))!;
    expect(job).toMatchObject({ state: 'done', version: 2 });
    // The updates each version was stepped with: none in the refused round, the three honest ones in the retried.
    expect(job.history.map((r) => r.updates)).toEqual([0, 3]);
    const [v0, v1, v2] = await Promise.all([0, 1, 2].map((v) => fixture.stores.training.model(jobId, v)));
    // The wrecking round left the model, its momentum and its aggregate as they were.
    expect(v1!.params).toEqual(v0!.params);
    expect(v1!.momentum).toEqual(v0!.momentum);
    expect(v1!.aggregate).toEqual(v0!.aggregate);
    // The next applied its honest updates: the model moved, by an aggregate no longer than theirs, and the loss fell.
    expect(v2!.params).not.toEqual(v1!.params);
    expect(Math.hypot(...v2!.aggregate)).toBeLessThan(1);
    expect(job.history[1]!.heldoutLoss).toBeLessThan(job.history[0]!.heldoutLoss!);
  });

  /** One round of seven units in which two hosts send the honest update's negation (−Δ points uphill). */
  const twoFlipped = async (hyper: TrainingJobSubmissionInput['hyper'], now: number) => {
    const { projectId, jobId, hosts } = await setUp(fixture.stores, { ...JOB, rounds: 1, hyper }, now, 7);
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
    const sends = [honest, flipped, honest, honest, flipped, honest, honest];
    await settle(pass, now);
    for (const [i, host] of hosts.entries()) {
      const issued = await fixture.store.issueReplicas(host, 1, now);
      await fixture.store.recordResults(host, issued.map(sends[i]!), now);
    }
    await settle(pass, now);
    return (await fixture.stores.training.job(projectId, jobId))!;
  };

  test.each([
    ['direction', 0],
    ['loss', 0],
    ['loss', 2],
  ] as const)(
    'behavior: with the %s screen (margin %d), sign-flipped results are left out, honest ones kept',
    async (screen, screenMargin) => {
      // The screen alone: dealing the refused shards again is the next test's.
      const hyper = { ...JOB.hyper, unitsPerRound: 7, quorum: 1, screen, screenMargin, redeal: false };
      const job = await twoFlipped(hyper, 1_700_000);
      expect(job).toMatchObject({ state: 'done', version: 1 });
      expect(job.history.map((r) => r.updates)).toEqual([5]);
    },
  );

  test('behavior: the loss screen keeps a result that raises the loss within its margin', async () => {
    // The round above, where margins 0 and 2 refuse both flipped results (5 updates): three steps of a tiny model
    // raise the 500 digits' losses by about 10 standard errors, so a margin of 10 lets one or both in (the round
    // check off, so that it does not refuse what the screen let in).
    const hyper = { ...JOB.hyper, unitsPerRound: 7, quorum: 1, screenMargin: 10, gateLoss: 0, redeal: false };
    const job = await twoFlipped(hyper, 1_750_000);
    expect(job.history[0]!.updates).toBeGreaterThan(5);
  });

  test('behavior: refused shards are dealt again, never to their holders; the round closes on all', async () => {
    const now = 1_800_000;
    const hyper = { ...JOB.hyper, unitsPerRound: 7, quorum: 1 };
    const { projectId, jobId, hosts } = await setUp(fixture.stores, { ...JOB, rounds: 1, hyper }, now, 9);
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
    // A team of two sends the honest update's negation; the loss screen refuses both.
    const team = [hosts[1]!, hosts[4]!];
    // One of them asks from a network of its own, where another volunteer of the team waits for the second wave.
    const net = '203.0.113.0/24';
    await settle(pass, now);
    const first = new Map<number, IssuedReplica>();
    for (const host of hosts.slice(0, 7)) {
      const ask = { maxReplicas: 1, ...(host === hosts[4] && { network: net }) };
      const [issued] = await fixture.store.issueReplicas(host, ask, now);
      first.set(host.id, issued!);
      await fixture.store.recordResults(host, [(team.includes(host) ? flipped : honest)(issued!)], now);
    }
    await settle(pass, now);
    const running = (await fixture.stores.training.runningJobs()).find((j) => j.jobId === jobId)!;
    expect(running.open).toMatchObject({ round: 0, dealtAgain: 2, deadline: now + 60_000 });
    // The team asks first for the units dealt again, and gets none: each went out once already to one of them.
    for (const host of team) expect(await fixture.store.issueReplicas(host, 2, now + 1)).toEqual([]);
    // Nor does a fresh identity on a refused holder's network.
    expect(await fixture.store.issueReplicas(hosts[8]!, { maxReplicas: 2, network: net }, now + 1)).toEqual([]);
    // Others take them: the team's two shards, with fresh seeds, from the same version.
    const again = await fixture.store.issueReplicas(hosts[7]!, 2, now + 1);
    expect(again).toHaveLength(2);
    const input = (r: IssuedReplica) => (r.job.app === 'training' ? r.job.input : undefined)!;
    const refused = new Map(team.map((h) => [input(first.get(h.id)!).samples, input(first.get(h.id)!)]));
    expect(again.map((r) => input(r).samples).sort()).toEqual([...refused.keys()].sort());
    for (const r of again) {
      expect(input(r).version).toBe(0);
      expect(input(r).seed).not.toBe(refused.get(input(r).samples)!.seed);
    }
    await fixture.store.recordResults(hosts[7]!, again.map(honest), now + 1);
    await settle(pass, now + 1);
    const job = (await fixture.stores.training.job(projectId, jobId))!;
    // Closed on the five kept and the two dealt again, every shard of the round trained once; dealt again only once.
    expect(job).toMatchObject({ state: 'done', version: 1 });
    expect(job.history.map((r) => r.updates)).toEqual([7]);
    expect((await fixture.inspect.units()).length).toBe(9);
  });

  test('behavior: a unit that never came is dealt again; dealt again, a round closes on what it has', async () => {
    const now = 1_900_000;
    const { projectId, jobId, hosts } = await setUp(fixture.stores, { ...JOB, rounds: 1 }, now);
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
    await settle(pass, now);
    for (const host of hosts.slice(0, 3)) {
      const issued = await fixture.store.issueReplicas(host, 1, now);
      // The third host vanishes with its unit.
      if (host !== hosts[2]) await fixture.store.recordResults(host, issued.map(honest), now);
    }
    await settle(pass, now + 60_000);
    // At the deadline, with its quorum, the round deals the missing shard again (its first unit failed).
    let job = (await fixture.stores.training.job(projectId, jobId))!;
    expect(job.history[0]!.closedAt).toBeNull();
    expect((await fixture.inspect.units()).filter((u) => u.state === 'failed')).toHaveLength(1);
    // Nobody returns it by the second deadline: the round closes on the two it has, below its quorum of three.
    expect(await fixture.store.issueReplicas(hosts[2]!, 1, now + 60_001)).toEqual([]);
    expect(await fixture.store.issueReplicas(hosts[3]!, 1, now + 60_001)).toHaveLength(1);
    await settle(pass, now + 120_000);
    job = (await fixture.stores.training.job(projectId, jobId))!;
    expect(job.state).toBe('done');
    expect(job.history[0]).toMatchObject({ updates: 2, closedAt: now + 120_000 });
  });

  test('behavior: at its deadline a round closes with a quorum of updates; a vanished host holds nothing', async () => {
    const now = 2_000_000;
    const job0 = { ...JOB, rounds: 1, hyper: { ...JOB.hyper, redeal: false } };
    const { projectId, jobId, hosts } = await setUp(fixture.stores, job0, now);
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
    await settle(pass, now);
    for (const host of hosts.slice(0, 3)) {
      const issued = await fixture.store.issueReplicas(host, 1, now);
      // The third host vanishes with its unit.
      if (host !== hosts[2]) await fixture.store.recordResults(host, issued.map(honest), now);
    }
    await settle(pass, now + 1_000);
    expect((await fixture.stores.training.job(projectId, jobId))!.history[0]!.closedAt).toBeNull();
    await settle(pass, now + 60_000);
    const job = (await fixture.stores.training.job(projectId, jobId))!;
    expect(job.state).toBe('done');
    expect(job.history[0]).toMatchObject({ updates: 2, closedAt: now + 60_000 });
    // The vanished host's late result is refused: its unit failed with the round.
    const late = await fixture.store.recordResults(hosts[2]!, [], now + 61_000);
    expect(late).toEqual([]);
    expect((await fixture.inspect.units()).filter((u) => u.state === 'failed')).toHaveLength(1);
  });

  test('behavior: a disagreeing recomputation bans the host, drops its updates and withdraws its credit', async () => {
    const now = 3_000_000;
    const { projectId, jobId, hosts } = await setUp(fixture.stores, { ...JOB, rounds: 1 }, now);
    const [a, b, cheater, d] = hosts as [Host, Host, Host, Host];
    // The coin's first draw is low: the round's first unit is recomputed, the other two are not.
    let draws = 0;
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => (draws++ === 0 ? 0 : 0.99) });
    await settle(pass, now);
    // The cheater gets the checked unit and an unchecked one, and flips the sign of both pseudo-gradients.
    const taken = await fixture.store.issueReplicas(cheater, 2, now);
    expect(taken).toHaveLength(2);
    await fixture.store.recordResults(cheater, taken.map(flipped), now);
    await settle(pass, now);
    // The unchecked one is valid (unverified) and credited for now; the checked one waits for its sibling.
    expect((await fixture.store.hostSummary(cheater.id, now)).credit.total).toBeGreaterThan(0);
    const sibling = await fixture.store.issueReplicas(a, 1, now);
    expect(sibling[0]!.workUnitId).toBe(taken[0]!.workUnitId);
    await fixture.store.recordResults(a, sibling.map(honest), now);
    await settle(pass, now);
    // They disagree: a third replica goes out and sides with the honest host.
    const third = await fixture.store.issueReplicas(b, 2, now);
    expect(third.map((r) => r.workUnitId)).toContain(taken[0]!.workUnitId);
    await fixture.store.recordResults(b, third.map(honest), now);
    await settle(pass, now + 1);
    expect(await fixture.store.banOf(cheater.id)).toBe(BAN_REASON);
    expect(await fixture.store.banOf(a.id)).toBeUndefined();
    expect((await fixture.store.hostSummary(cheater.id, now + 1)).credit.total).toBe(0);
    // Its unchecked unit went back out; an honest host's result replaces its update, and the round closes.
    let job = (await fixture.stores.training.job(projectId, jobId))!;
    expect(job).toMatchObject({ state: 'running', bannedHosts: 1 });
    const redo = await fixture.store.issueReplicas(d, 1, now + 2);
    expect(redo[0]!.workUnitId).toBe(taken[1]!.workUnitId);
    await fixture.store.recordResults(d, redo.map(honest), now + 2);
    await settle(pass, now + 2);
    job = (await fixture.stores.training.job(projectId, jobId))!;
    expect(job.state).toBe('done');
    expect(job.history[0]!.updates).toBe(3);
    expect((await fixture.store.hostSummary(a.id, now + 2)).credit.total).toBe(creditForFlops(taken[0]!.flopsEstimate));
    expect((await fixture.store.hostSummary(cheater.id, now + 2)).credit.total).toBe(0);
  });

  test.each([
    [0.1, true],
    [0, false],
  ] as const)(
    'behavior: a round raising the validation loss past the gate (%s) is not applied: %s',
    async (gateLoss, repeats) => {
      // Every host of the round sends a scaled update: a majority of cheaters none of whom recomputation caught yet.
      const now = 5_000_000;
      // The gate alone: the loss screen, on by default, would keep the better half of the round before it.
      const job = { ...JOB, rounds: 2, hyper: { ...JOB.hyper, gateLoss, screen: 'none' as const } };
      const { projectId, jobId, hosts } = await setUp(fixture.stores, job, now);
      const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
      await settle(pass, now);
      for (const host of hosts.slice(0, 3))
        await fixture.store.recordResults(host, (await fixture.store.issueReplicas(host, 1, now)).map(scaled), now);
      await settle(pass, now);
      const closed = (await fixture.stores.training.job(projectId, jobId))!;
      expect(closed).toMatchObject({ state: 'running', version: 1 });
      expect(closed.history[0]!.updates).toBe(repeats ? 0 : 3);
      // Refused, the round does not count as applied (schedule.ts): the next round trains at round 0's rate again.
      const [next] = await fixture.store.issueReplicas(hosts[0]!, 1, now);
      expect(next!.job.app === 'training' && next!.job.input.inner.lr).toBe(
        innerLrAt({ lr: 0.01, schedule: 'cosine', floor: 0.3 }, repeats ? 0 : 1, 2),
      );
      const v0 = (await fixture.stores.training.model(jobId, 0))!;
      const v1 = (await fixture.stores.training.model(jobId, 1))!;
      // Refused, version 1 repeats version 0; without the gate, the same round moves it.
      expect(v1.params.every((p, i) => p === v0.params[i])).toBe(repeats);
    },
  );

  test('behavior: a paying job’s batch is finished for the market only once the job is done', async () => {
    const now = 4_000_000;
    const { projectId, jobId, hosts } = await setUp(fixture.stores, { ...JOB, rounds: 2 }, now);
    const { batchId } = (await fixture.stores.training.job(projectId, jobId))!;
    const pass = trainer(fixture.stores.training, mnistOps, { random: () => 0.99 });
    const progress = async () => (await fixture.stores.chain.batchProgress([batchId])).get(batchId)!;
    for (let round = 0; round < 2; round++) {
      await settle(pass, now + round);
      for (const host of hosts.slice(0, 3))
        await fixture.store.recordResults(host, (await fixture.store.issueReplicas(host, 1, now)).map(honest), now);
      // Every unit of the round decided and its credit settled (no settling period), the round not yet closed:
      // the escrow must not be closed and refunded between two rounds.
      await drain(fixture.store, now + round, 0);
      expect(await progress()).toMatchObject({ finished: false });
      expect((await progress()).credit).toBeGreaterThan(0);
    }
    await settle(pass, now + 2);
    expect((await fixture.stores.training.job(projectId, jobId))!.state).toBe('done');
    expect(await progress()).toMatchObject({ finished: true });
  });
});
