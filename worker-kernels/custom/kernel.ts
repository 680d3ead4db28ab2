/**
 * @module worker-kernels/custom/kernel
 * A researcher's app as the registry sees it. It has no TypeScript reference: it runs only as the uploaded module in
 * its sandbox (variants.ts), its results are compared byte for byte (a researcher whose app needs a tolerance
 * must make its output deterministic, e.g. by rounding), and its credit is priced at the FLOPs the researcher
 * declared for the unit.
 */
import type { CustomInput, CustomOutput } from '../../protocol/custom-app.ts';
import type { Kernel } from '../kernel.ts';
import { CustomAppError } from './errors.ts';

export const custom: Kernel<CustomInput, CustomOutput> = {
  app: 'custom',
  run(input) {
    throw new CustomAppError(`${input.name}: a researcher's app runs only in its sandbox, not as a reference kernel`);
  },
  compare: (_input, a, b) => (a.data === b.data ? 'match' : 'mismatch'),
  estimateFlops: (input) => input.flops,
};
