/**
 * A training job's hyper-parameters as stored: a job keeps the ones it was submitted with across an upgrade that
 * adds one, so a job stored before `innerLrFloor` existed runs its cosine to zero to the end, and one stored before
 * `innerWeightDecay` without a decay.
 */
import { describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { storePerTest } from '../../testing/store-fixture.ts';
import { TINY_TRAINING_JOB } from '../../testing/tiny-training-job.ts';
import { initialState } from '../../training/model-state.ts';

const JOB = TINY_TRAINING_JOB;

describe.each(backends)('training jobs stored ($name)', (backend) => {
  const fixture = storePerTest(backend);

  test('behavior: a job stored before innerLrFloor reads a floor of 0; one submitted now the default', async () => {
    const { training, research } = fixture.stores;
    const { projectId } = await research.createProject({ name: 'lab', researcherName: 'ada', keyHash: 'h', now: 1 });
    const create = () => training.createJob({ projectId, submission: JOB, initial: initialState(JOB), now: 1 });
    const [before, now] = [await create(), await create()];
    // What the coordinator before the field stored: the submission parsed by the schema of then.
    const { innerLrFloor, ...then } = JOB.hyper;
    await fixture.db.run('UPDATE training_jobs SET hyper = ? WHERE id = ?', [JSON.stringify(then), before]);
    const floorOf = async (jobId: number) => (await training.job(projectId, jobId))?.hyper.innerLrFloor;
    expect(await floorOf(before)).toBe(0);
    expect(await floorOf(now)).toBe(innerLrFloor);
    const running = await training.runningJobs();
    expect(running.find((j) => j.jobId === before)?.submission.hyper.innerLrFloor).toBe(0);
  });

  test('behavior: a job stored before innerWeightDecay reads a decay of 0; one submitted now the default', async () => {
    const { training, research } = fixture.stores;
    const { projectId } = await research.createProject({ name: 'lab', researcherName: 'ada', keyHash: 'h', now: 1 });
    const create = () => training.createJob({ projectId, submission: JOB, initial: initialState(JOB), now: 1 });
    const [before, now] = [await create(), await create()];
    const { innerWeightDecay, ...then } = JOB.hyper;
    expect(innerWeightDecay).toBeGreaterThan(0);
    await fixture.db.run('UPDATE training_jobs SET hyper = ? WHERE id = ?', [JSON.stringify(then), before]);
    const decayOf = async (jobId: number) => (await training.job(projectId, jobId))?.hyper.innerWeightDecay;
    expect(await decayOf(before)).toBe(0);
    expect(await decayOf(now)).toBe(innerWeightDecay);
  });
});
