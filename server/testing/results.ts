/**
 * @module server/testing/results
 * Results a host reports for a replica in store-level tests: the reference kernel's (honest), or one a cheater made
 * up (wrong: a signal-search peak that is not there, so it never matches an honest result).
 */
import { runKernel } from '../../worker-kernels/registry.ts';
import type { IssuedReplica, ResultToRecord } from '../store/types.ts';

const compute = (r: IssuedReplica) => runKernel(r.job, { progress() {}, checkpoint() {} });

export const honest = (r: IssuedReplica): ResultToRecord => ({
  status: 'success',
  replicaId: r.replicaId,
  elapsedMs: 1,
  variant: 'reference',
  result: compute(r),
});

export const wrong = (r: IssuedReplica): ResultToRecord => {
  const result = compute(r);
  if (result.app === 'signal-search') result.output.peaks = [{ drift: 0, block: 0, bin: 1, snr: 1e6 }];
  return { status: 'success', replicaId: r.replicaId, elapsedMs: 1, variant: 'reference', result };
};
