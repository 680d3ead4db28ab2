/**
 * @module worker-kernels/matmul
 * The matmul app: dense f32 matrix multiply, the core of the planned distributed training and a device benchmark.
 */
import type { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import type { Kernel } from '../kernel.ts';
import { compareMatmul } from './compare.ts';
import { estimateMatmulFlops } from './flops.ts';
import { runMatmul } from './reference.ts';

export const matmul: Kernel<MatmulInput, MatmulOutput> = {
  app: 'matmul',
  run: runMatmul,
  compare: compareMatmul,
  estimateFlops: estimateMatmulFlops,
};
