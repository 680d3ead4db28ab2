/**
 * @module worker-kernels/training/steps
 * What every variant of the training kernel is handed and returns, so the unit's decoding, batch order and
 * compression (unit.ts) are shared and only the H steps differ: the reference here in TypeScript, WebAssembly in
 * wasm.ts, WGSL in webgpu.ts.
 */
import type { ModelSpec } from '../../protocol/training.ts';
import { CLASSES } from './model.ts';

export interface StepsJob {
  readonly model: ModelSpec;
  /** θ, updated in place to θ after the steps. */
  readonly parameters: Float32Array;
  /** The training digits as f32 p/255, 784 per digit (dataset.ts pixelFloats). */
  readonly pixels: Float32Array;
  readonly labels: Uint8Array;
  /** steps·batch digit indices, batch after batch. */
  readonly order: Int32Array;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly momentum: number;
  /** L2 weight decay added to each step's gradient (g + wd·θ); 0: none, the steps as before it. */
  readonly weightDecay: number;
  /** Label smoothing ε: the loss's targets (smoothedTargets); 0: one-hot, the steps as before it. */
  readonly labelSmoothing: number;
}

/**
 * The cross-entropy's targets under label smoothing ε (Szegedy et al. 2016): 1 − ε on the digit's class plus ε/10 on
 * every class, as f32. Computed once here and handed to every variant, so each subtracts the same two numbers from
 * the softmax (p − t); at ε = 0 they are 1 and 0, and the steps keep their every bit.
 */
export function smoothedTargets(epsilon: number): { readonly on: number; readonly off: number } {
  const off = Math.fround(epsilon / CLASSES);
  return { on: Math.fround(1 - epsilon + off), off };
}

export interface StepsResult {
  /** Per digit seen, in order: the f32 probability the model gave its true class before the step. */
  readonly truthProbability: Float32Array;
  /** Digits whose largest logit (first on ties) was their class. */
  readonly correct: number;
}

export type StepsKernel = (job: StepsJob) => StepsResult;
