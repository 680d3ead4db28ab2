/**
 * @module worker-kernels/collatz
 * The collatz app: an exact integer record search over ranges of starting numbers, validated by exact equality. No
 * WGSL variant: it needs 64-bit integers, which WGSL lacks.
 */
import { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { App } from '../app.ts';
import { wasmVariant } from '../app-variants.ts';
import { compareCollatz } from './compare.ts';
import { estimateCollatzFlops } from './flops.ts';
import { runCollatz, type CollatzCheckpoint } from './reference.ts';
import { checkCollatz } from './sanity.ts';
import { loadCollatzWasm } from './wasm.ts';

export const collatz: App<CollatzInput, CollatzOutput, CollatzCheckpoint> = {
  name: 'collatz',
  input: CollatzInput,
  output: CollatzOutput,
  reference: runCollatz,
  variants: [wasmVariant(loadCollatzWasm)],
  sanity: checkCollatz,
  compare: compareCollatz,
  estimateFlops: estimateCollatzFlops,
};
