/**
 * @module server/research/batch-units
 * Turns a researcher's batch submission into work units: each input with the batch's limits (the submission's own,
 * else the project's) and its FLOP estimate from the app's kernel, which sets the credit a valid result earns.
 */
import type { BatchSubmission, UnitLimits } from '../../protocol/research.ts';
import { estimateFlops } from '../../worker-kernels/registry.ts';
import type { NewWorkUnit } from '../store/types.ts';

export function batchUnits(submission: BatchSubmission, projectLimits: UnitLimits): NewWorkUnit[] {
  const limits = submission.limits ?? projectLimits;
  return submission.units.map((job) => ({ job, flopsEstimate: estimateFlops(job), ...limits }));
}
