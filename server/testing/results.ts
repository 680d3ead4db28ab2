/**
 * @module server/testing/results
 * Results a host reports for a replica in store-level tests: the reference kernel's (honest); one a cheater made up
 * within every bound its app's sanity check knows (wrong: the right shape, amplitude sums 1% off, so it never matches
 * an honest result); one outside them (insane: issue 17's maxPeaks peaks of equal, impossible SNR); and a kernel's
 * error instead of a result (failure).
 */
import type { AppOutput } from '../../protocol/apps.ts';
import { runReference } from '../../worker-kernels/registry.ts';
import type { IssuedReplica, ResultToRecord } from '../store/types.ts';

const compute = (r: IssuedReplica) => runReference(r.job, { progress() {}, checkpoint() {} });

const reported = (r: IssuedReplica, result: AppOutput): ResultToRecord => ({
  status: 'success',
  token: r.token,
  elapsedMs: 1,
  variant: 'reference',
  result,
});

export const honest = (r: IssuedReplica): ResultToRecord => reported(r, compute(r));

export const wrong = (r: IssuedReplica): ResultToRecord => {
  const result = compute(r);
  if (result.app === 'signal-search') result.output.amplitudeSums = result.output.amplitudeSums.map((x) => x * 1.01);
  return reported(r, result);
};

export const insane = (r: IssuedReplica): ResultToRecord => {
  const result = compute(r);
  if (r.job.app === 'signal-search' && result.app === 'signal-search') {
    const { fftSize, maxPeaks } = r.job.input;
    const peaks = Array.from({ length: maxPeaks }, (_, bin) => ({ drift: 0, block: 0, bin, snr: 4 * fftSize }));
    result.output = { ...result.output, peaks };
  }
  return reported(r, result);
};

export const failure = (r: IssuedReplica): ResultToRecord => ({
  status: 'error',
  token: r.token,
  elapsedMs: 1,
  error: { name: 'KernelError', message: 'out of memory' },
});
