/**
 * @module worker-kernels/training/wasm
 * Driver of the WebAssembly SIMD training steps (assembly/index.ts): lays θ, the scratch and the unit's digits
 * (gathered in step order) out in the module's memory, runs the H steps, and reads θ and the probabilities back.
 * Plain SIMD only: relaxed SIMD's fused multiply-add would round differently from the reference (determinism.ts).
 */
import type { ModelSpec, TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import type { KernelContext } from '../kernel.ts';
import { instantiateWasm } from '../wasm-loader.ts';
import { loadMnist } from './dataset.ts';
import { CLASSES, CONV_SIDE, layoutOf, PIXELS } from './model.ts';
import { type StepsJob, type StepsKernel, type StepsResult, smoothedTargets } from './steps.ts';
import { runTrainingUnit } from './unit.ts';

interface TrainingExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  reset(): void;
  // biome-ignore format: the module's signature, one parameter per buffer
  train(filters: number, hidden: number, theta: number, size: number, velocity: number, grad: number,
    digits: number, labels: number, steps: number, batch: number, lr: number, mu: number, wd: number, on: number,
    off: number, probs: number, scratch: number): number;
  // biome-ignore format: the module's signature
  evaluate(filters: number, hidden: number, theta: number, digits: number, labels: number, count: number,
    scratch: number): number;
}

export interface TrainingWasm {
  run(input: TrainingInput, ctx: KernelContext<unknown>): TrainingOutput;
  /** The steps alone, for the bench's simulated volunteers. */
  steps: StepsKernel;
  /** The share of these digits (f32 p/255, 784 each) the model at θ classes right. */
  accuracy(model: ModelSpec, theta: Float32Array, pixels: Float32Array, labels: Uint8Array): number;
}

function accuracyOn(wasm: TrainingExports): TrainingWasm['accuracy'] {
  return (model, theta, pixels, labels) => {
    const layout = layoutOf(model);
    const filters = model.kind === 'cnn' ? model.filters : 0;
    wasm.reset();
    const t = wasm.alloc(layout.size * 4);
    const x = wasm.alloc(pixels.length * 4);
    const y = wasm.alloc(labels.length);
    const scratch = wasm.alloc((layout.denseIn + model.hidden + 2 * CLASSES + 2 * CONV_SIDE * CONV_SIDE * filters) * 4);
    new Float32Array(wasm.memory.buffer, t, theta.length).set(theta);
    new Float32Array(wasm.memory.buffer, x, pixels.length).set(pixels);
    new Uint8Array(wasm.memory.buffer, y, labels.length).set(labels);
    return wasm.evaluate(filters, model.hidden, t, x, y, labels.length, scratch) / labels.length;
  };
}

function stepsOn(wasm: TrainingExports): StepsKernel {
  return (job: StepsJob): StepsResult => {
    const layout = layoutOf(job.model);
    const filters = job.model.kind === 'cnn' ? job.model.filters : 0;
    const seen = job.order.length;
    const scratchFloats = 2 * layout.denseIn + 2 * job.model.hidden + 3 * CLASSES + 2 * CONV_SIDE * CONV_SIDE * filters;
    wasm.reset();
    const theta = wasm.alloc(layout.size * 4);
    const velocity = wasm.alloc(layout.size * 4);
    const grad = wasm.alloc(layout.size * 4);
    const digits = wasm.alloc(seen * PIXELS * 4);
    const labels = wasm.alloc(seen);
    const probs = wasm.alloc(seen * 4);
    const scratch = wasm.alloc(scratchFloats * 4);
    // Views only after the last alloc: growing the memory detaches earlier ones.
    const buffer = wasm.memory.buffer;
    new Float32Array(buffer, theta, layout.size).set(job.parameters);
    const x = new Float32Array(buffer, digits, seen * PIXELS);
    const y = new Uint8Array(buffer, labels, seen);
    for (let n = 0; n < seen; n++) {
      const d = job.order[n]!;
      x.set(job.pixels.subarray(d * PIXELS, (d + 1) * PIXELS), n * PIXELS);
      y[n] = job.labels[d]!;
    }
    const { on, off } = smoothedTargets(job.labelSmoothing);
    // biome-ignore format: one argument per buffer, as the signature
    const correct = wasm.train(filters, job.model.hidden, theta, layout.size, velocity, grad, digits, labels,
      job.steps, job.batch, job.lr, job.momentum, job.weightDecay, on, off, probs, scratch);
    job.parameters.set(new Float32Array(wasm.memory.buffer, theta, layout.size));
    return { truthProbability: new Float32Array(wasm.memory.buffer, probs, seen).slice(), correct };
  };
}

/** Rejects with a WasmLoadError where the engine lacks SIMD or the build is missing. */
export async function loadTrainingWasm(): Promise<TrainingWasm> {
  const [wasm, split] = await Promise.all([
    instantiateWasm<TrainingExports>(new URL('./build/training.wasm', import.meta.url)),
    loadMnist(),
  ]);
  const steps = stepsOn(wasm);
  return {
    steps,
    accuracy: accuracyOn(wasm),
    run(input, ctx) {
      const output = runTrainingUnit(input, split, steps);
      ctx.progress(1);
      return output;
    },
  };
}
