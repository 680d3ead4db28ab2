/**
 * @module server/testing/custom-units
 * A unit of a researcher's app for credit tests: it declares `flops`, whatever its module does (the module is never
 * fetched: store-level tests report its output directly).
 */
import type { NewWorkUnit } from '../store/types.ts';

export function customUnit(flops: number, data: string): NewWorkUnit {
  const input = { name: 'prime-count', version: 1, moduleSha256: 'a'.repeat(64), data, flops };
  return {
    job: { app: 'custom', input },
    flopsEstimate: flops,
    minQuorum: 2,
    targetNresults: 2,
    maxErrorResults: 2,
    maxTotalResults: 4,
    delayBoundS: 600,
  };
}
