/**
 * A round dealt again in the training store (migration 28): once per round, a close read before the second wave
 * changes nothing, and a round from before the migration (no shards kept) reads as never to be dealt again.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadMnist } from '../../../worker-kernels/training/dataset.ts';
import { backends } from '../../testing/backends.ts';
import { drain } from '../../testing/drain.ts';
import { honest } from '../../testing/results.ts';
import { storePerTest } from '../../testing/store-fixture.ts';
import { TINY_TRAINING_JOB } from '../../testing/tiny-training-job.ts';
import { mnistOps } from '../../training/model-ops.ts';
import { initialState } from '../../training/model-state.ts';
import type { RoundClose } from '../training.ts';

const JOB = TINY_TRAINING_JOB;

describe.each(backends)('training rounds dealt again ($name)', (backend) => {
  const fixture = storePerTest(backend);
  beforeAll(() => loadMnist(), 60_000);

  /** A job with round 0 open: its two units, shards 0 and 1. */
  async function openJob() {
    const { training } = fixture.stores;
    const { projectId } = await fixture.stores.research.createProject({
      name: 'lab',
      researcherName: 'ada',
      keyHash: 'h',
      now: 1,
    });
    const initial = initialState(JOB);
    const jobId = await training.createJob({ projectId, submission: JOB, initial, now: 1 });
    const job = (await training.runningJobs()).find((j) => j.jobId === jobId)!;
    const units = await mnistOps.unitsFor(job, initial.params, 0, [false, false]);
    await training.openRound({ jobId, round: 0, baseVersion: 0, units, deadline: 1_000, now: 2 });
    const open = async () => (await training.runningJobs()).find((j) => j.jobId === jobId)!;
    return { jobId, initial, open };
  }

  const closing = (jobId: number, initial: ReturnType<typeof initialState>, dealtAgain: number | null): RoundClose => ({
    jobId,
    round: 0,
    dealtAgain,
    applied: [],
    stepped: 0,
    next: initial,
    trainLoss: null,
    heldoutLoss: 1,
    heldoutAccuracy: 0.1,
    expireThrough: -1,
    finished: false,
    now: 3_000,
  });

  test('behavior: a round is dealt again once; a close read before that changes nothing', async () => {
    const { training } = fixture.stores;
    const { jobId, initial, open } = await openJob();
    expect((await open()).open).toMatchObject({ round: 0, dealtAgain: 0, deadline: 1_000 });
    const job = await open();
    const again = await mnistOps.unitsFor(job, initial.params, 0, [false], [1]);
    expect(again.map((u) => u.shard)).toEqual([1]);
    // A host reports after the trainer read the round: its result was not screened, so nothing is dealt again yet.
    const host = await fixture.store.createHost({ volunteerName: 'v', now: 500 });
    await fixture.store.recordResults(host, (await fixture.store.issueReplicas(host, 1, 500)).map(honest), 500);
    await drain(fixture.store, 500);
    const deal = { jobId, round: 0, screened: [], refused: [], units: again, deadline: 2_000, now: 1_000 };
    expect(await training.dealAgain(deal)).toBe(false);
    expect((await open()).open).toMatchObject({ dealtAgain: 0, deadline: 1_000 });
    // Read again, screened and refused: the round is dealt again, and the refused result is spent.
    const [late] = await training.pendingUpdates(jobId, 0, 0);
    Object.assign(deal, { screened: [late!.replicaId], refused: [late!.replicaId] });
    expect(await training.dealAgain(deal)).toBe(true);
    expect(await training.pendingUpdates(jobId, 0, 0)).toEqual([]);
    // A second process deciding the same: nothing dealt twice.
    expect(await training.dealAgain({ ...deal, deadline: 3_000 })).toBe(false);
    expect((await open()).open).toMatchObject({ round: 0, dealtAgain: 1, deadline: 2_000 });
    // The first wave's undecided unit failed, the refused one is spent: the round counts the one dealt again.
    expect(await training.roundProgress(jobId, 0)).toEqual({ units: 1, reported: 0 });
    // A close made from the round as it was before the second wave leaves it open; one made after it closes it.
    await training.closeRound(closing(jobId, initial, 0));
    expect((await open()).open).toMatchObject({ round: 0 });
    await training.closeRound(closing(jobId, initial, 1));
    expect((await open()).open).toBeUndefined();
    expect((await training.job(1, jobId))?.history[0]).toMatchObject({ dealtAgain: 1, closedAt: 3_000 });
  });

  test('behavior: a round open before migration 28 keeps no shards and is never dealt again', async () => {
    const { training } = fixture.stores;
    const { jobId, initial, open } = await openJob();
    await fixture.db.run('UPDATE training_rounds SET dealt_again = NULL WHERE job_id = ?', [jobId]);
    expect((await open()).open).toMatchObject({ round: 0, dealtAgain: null });
    const again = await mnistOps.unitsFor(await open(), initial.params, 0, [false], [1]);
    const deal = { jobId, round: 0, screened: [], refused: [], units: again, deadline: 2_000, now: 1 };
    expect(await training.dealAgain(deal)).toBe(false);
    await training.closeRound(closing(jobId, initial, null));
    expect((await open()).open).toBeUndefined();
  });
});
