/**
 * A training job's hyper-parameters as stored: a job keeps the ones it was submitted with across an upgrade that
 * adds one, so a job stored before `innerLrFloor` existed runs its cosine to zero to the end, one stored before
 * `innerWeightDecay` without a decay, and one stored before `labelSmoothing` on one-hot targets.
 */
import { describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { storePerTest } from '../../testing/store-fixture.ts';
import { TINY_TRAINING_JOB } from '../../testing/tiny-training-job.ts';
import { initialState } from '../../training/model-state.ts';
import type { TrainingHyper } from '../../../protocol/training-job.ts';

describe.each(backends)('training jobs stored ($name)', (backend) => {
  const fixture = storePerTest(backend);

  /** Two jobs of one submission, the first stored without `field`, as the coordinator before the field stored it. */
  async function storedWithout(field: keyof TrainingHyper) {
    const { training, research } = fixture.stores;
    const { projectId } = await research.createProject({ name: 'lab', researcherName: 'ada', keyHash: 'h', now: 1 });
    const create = () =>
      training.createJob({
        projectId,
        submission: TINY_TRAINING_JOB,
        initial: initialState(TINY_TRAINING_JOB),
        now: 1,
      });
    const [before, now] = [await create(), await create()];
    const { [field]: _, ...then } = TINY_TRAINING_JOB.hyper;
    await fixture.db.run('UPDATE training_jobs SET hyper = ? WHERE id = ?', [JSON.stringify(then), before]);
    const hyperOf = async (jobId: number) => (await training.job(projectId, jobId))?.hyper;
    return { before, now, hyperOf };
  }

  test('behavior: a job stored before innerLrFloor reads a floor of 0; one submitted now the default', async () => {
    const { before, now, hyperOf } = await storedWithout('innerLrFloor');
    expect((await hyperOf(before))?.innerLrFloor).toBe(0);
    expect((await hyperOf(now))?.innerLrFloor).toBe(TINY_TRAINING_JOB.hyper.innerLrFloor);
    const running = await fixture.stores.training.runningJobs();
    expect(running.find((j) => j.jobId === before)?.submission.hyper.innerLrFloor).toBe(0);
  });

  test('behavior: a job stored before innerWeightDecay reads a decay of 0; one submitted now the default', async () => {
    expect(TINY_TRAINING_JOB.hyper.innerWeightDecay).toBeGreaterThan(0);
    const { before, now, hyperOf } = await storedWithout('innerWeightDecay');
    expect((await hyperOf(before))?.innerWeightDecay).toBe(0);
    expect((await hyperOf(now))?.innerWeightDecay).toBe(TINY_TRAINING_JOB.hyper.innerWeightDecay);
  });

  test('behavior: a job stored before labelSmoothing reads 0 (one-hot); one submitted now the default', async () => {
    expect(TINY_TRAINING_JOB.hyper.labelSmoothing).toBeGreaterThan(0);
    const { before, now, hyperOf } = await storedWithout('labelSmoothing');
    expect((await hyperOf(before))?.labelSmoothing).toBe(0);
    expect((await hyperOf(now))?.labelSmoothing).toBe(TINY_TRAINING_JOB.hyper.labelSmoothing);
  });
});
