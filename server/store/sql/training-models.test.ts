/**
 * Model versions in the training store (migration 24): each keeps the robust aggregate that made it, where the next
 * round's CenteredClip starts; a version stored before the migration has none and reads as zeros.
 */
import { describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { storePerTest } from '../../testing/store-fixture.ts';
import { TINY_TRAINING_JOB } from '../../testing/tiny-training-job.ts';
import type { ModelState } from '../training.ts';

const JOB = TINY_TRAINING_JOB;

describe.each(backends)('training model versions ($name)', (backend) => {
  const fixture = storePerTest(backend);

  async function jobWith(initial: ModelState) {
    const { projectId } = await fixture.stores.research.createProject({
      name: 'lab',
      researcherName: 'ada',
      keyHash: 'h',
      now: 1,
    });
    return fixture.stores.training.createJob({ projectId, submission: JOB, initial, now: 1 });
  }

  test('default: a version keeps its parameters, momentum and aggregate bit for bit', async () => {
    const initial = {
      params: Float32Array.from([0.5, -1.25, 3e-8]),
      momentum: Float32Array.from([0, 1, -2]),
      aggregate: Float32Array.from([1e-7, -0.1, Math.fround(Math.PI)]),
    };
    const jobId = await jobWith(initial);
    const stored = (await fixture.stores.training.model(jobId, 0))!;
    expect(stored).toMatchObject({ version: 0, ...initial });
  });

  test('behavior: a version stored before migration 24 has no aggregate: its next round centres on zero', async () => {
    const params = Float32Array.from([1, 2, 3, 4]);
    const jobId = await jobWith({ params, momentum: params.slice(), aggregate: params.slice() });
    await fixture.db.run('UPDATE training_models SET aggregate = NULL WHERE job_id = ?', [jobId]);
    const stored = (await fixture.stores.training.model(jobId))!;
    expect(stored.params).toEqual(params);
    expect(stored.aggregate).toEqual(new Float32Array(4));
  });
});
