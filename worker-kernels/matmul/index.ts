/**
 * @module worker-kernels/matmul
 * The matmul app: dense f32 matrix multiply, the core of the planned distributed training and a device benchmark.
 */
import { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import type { App } from '../app.ts';
import { gpuVariant, wasmVariant } from '../app-variants.ts';
import { compareMatmul } from './compare.ts';
import { estimateMatmulFlops } from './flops.ts';
import { runMatmul } from './reference.ts';
import { checkMatmul } from './sanity.ts';
import { loadMatmulWasm } from './wasm.ts';

export const matmul: App<MatmulInput, MatmulOutput> = {
  name: 'matmul',
  input: MatmulInput,
  output: MatmulOutput,
  reference: runMatmul,
  variants: [
    gpuVariant(async () => {
      const { gpuFitsMatmul, runMatmulWebGpu } = await import('./webgpu.ts');
      return { fits: gpuFitsMatmul, run: runMatmulWebGpu };
    }),
    wasmVariant(() => loadMatmulWasm('relaxed'), 'relaxed SIMD'),
    wasmVariant(() => loadMatmulWasm('plain')),
  ],
  sanity: checkMatmul,
  compare: compareMatmul,
  estimateFlops: estimateMatmulFlops,
};
