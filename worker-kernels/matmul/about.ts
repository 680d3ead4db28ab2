/**
 * @module worker-kernels/matmul/about
 * The matmul app as volunteers and researchers read about it, with one example unit.
 */
import type { AppInput } from '../../protocol/apps.ts';

export const matmulAbout = {
  title: 'Matrix multiply',
  description:
    'Dense matrix multiplication, the core of machine-learning training. Each work unit is a pair of matrices ' +
    'made from a seed: your device multiplies them and reports a checksum of each row of the product.',
  example: { app: 'matmul', input: { seed: 42, m: 256, k: 256, n: 256 } } satisfies AppInput,
};
