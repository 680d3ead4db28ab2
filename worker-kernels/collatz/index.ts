/**
 * @module worker-kernels/collatz
 * The collatz app: an exact integer record search over ranges of starting numbers, validated by exact equality.
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { Kernel } from '../kernel.ts';
import { compareCollatz } from './compare.ts';
import { estimateCollatzFlops } from './flops.ts';
import { runCollatz, type CollatzCheckpoint } from './reference.ts';

export const collatz: Kernel<CollatzInput, CollatzOutput, CollatzCheckpoint> = {
  app: 'collatz',
  run: runCollatz,
  compare: compareCollatz,
  estimateFlops: estimateCollatzFlops,
};
