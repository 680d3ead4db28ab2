/**
 * @module server/testing/tiny-training-job
 * The smallest training job the store's tests need: an MLP of 4 hidden units, 2 rounds of 2 units of 2 steps.
 */
import { TrainingJobSubmission } from '../../protocol/training-job.ts';

export const TINY_TRAINING_JOB = TrainingJobSubmission.parse({
  name: 'digits',
  model: { kind: 'mlp', hidden: 4 },
  rounds: 2,
  hyper: { unitsPerRound: 2, localSteps: 2, batchSize: 4, roundDeadlineS: 60 },
});
