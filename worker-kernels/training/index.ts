/**
 * @module worker-kernels/training
 * The training app (issue 20): H local steps of an MLP or a small CNN on one volunteer's shard of MNIST, returning
 * the int8 pseudo-gradient. Its variants (WGSL on the GPU, WebAssembly SIMD) share unit.ts (decoding, batch order,
 * compression) and differ in the steps.
 */
import { TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import type { App } from '../app.ts';
import { gpuVariant, wasmVariant } from '../app-variants.ts';
import { compareTraining } from './compare.ts';
import { loadedMnist } from './dataset.ts';
import { estimateTrainingFlops } from './flops.ts';
import { referenceSteps } from './reference.ts';
import { checkTraining } from './sanity.ts';
import { runTrainingUnit } from './unit.ts';
import { loadTrainingWasm } from './wasm.ts';

export const training: App<TrainingInput, TrainingOutput> = {
  name: 'training',
  input: TrainingInput,
  output: TrainingOutput,
  /** Synchronous, as app.ts asks: the digits must be loaded first (dataset.ts loadMnist). */
  reference: (input, ctx) => {
    const output = runTrainingUnit(input, loadedMnist(), referenceSteps);
    ctx.progress(1);
    return output;
  },
  variants: [
    gpuVariant(async () => {
      const { gpuFitsTraining, runTrainingWebGpu } = await import('./webgpu.ts');
      return { fits: gpuFitsTraining, run: runTrainingWebGpu };
    }),
    wasmVariant(() => loadTrainingWasm()),
  ],
  sanity: checkTraining,
  compare: compareTraining,
  estimateFlops: estimateTrainingFlops,
};
