/**
 * @module worker-kernels/training/unit
 * One training work unit from wire to wire, around any variant's steps (steps.ts): decode θ and the shard, draw the
 * batches' order from the unit's seed, run the H steps, and compress Δ = θ_v − θ_after with the loss seen. Every
 * variant shares this, so they differ only where they compute.
 */
import type { TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import { KernelError } from '../errors.ts';
import { deriveSeed, mulberry32 } from '../random.ts';
import { decodeF32, decodeU16, encodeF32 } from './codec.ts';
import { compress, encodeCodes, fnv1a64 } from './compress.ts';
import { type MnistSplit, pixelFloats, TRAIN_SIZE } from './dataset.ts';
import { parameterCount } from './model.ts';
import type { StepsJob, StepsKernel, StepsResult } from './steps.ts';

/** The training digits as the kernels read them, made once per split. */
const floats = new WeakMap<MnistSplit, Float32Array>();

export function trainingPixels(split: MnistSplit): Float32Array {
  let out = floats.get(split);
  if (!out) {
    out = pixelFloats(split.train);
    floats.set(split, out);
  }
  return out;
}

/** steps·batch digits: the shard reshuffled on every pass through it, batches taken in turn. */
export function batchOrder(samples: Uint16Array, steps: number, batch: number, seed: number): Int32Array {
  const order = new Int32Array(steps * batch);
  const pass = Int32Array.from(samples);
  const draw = mulberry32(deriveSeed(seed, 'batches'));
  for (let at = 0; at < order.length; at += pass.length) {
    for (let i = pass.length - 1; i > 0; i--) {
      const j = Math.floor(draw() * (i + 1));
      const t = pass[i]!;
      pass[i] = pass[j]!;
      pass[j] = t;
    }
    order.set(pass.subarray(0, Math.min(pass.length, order.length - at)), at);
  }
  return order;
}

/**
 * The digits seen, each shifted by whole pixels (dx, dy in [−shift, shift], drawn from the seed, blank pixels
 * entering at the edges), gathered in step order with their labels: augmentation in the shared assembly, so every
 * variant (reference, WebAssembly, WGSL) and every replica trains on the same f32 inputs. A shift moves values
 * without arithmetic, so the pixels stay exactly p/255.
 */
export function shiftedDigits(
  pixels: Float32Array,
  labels: Uint8Array,
  order: Int32Array,
  shift: number,
  seed: number,
): { pixels: Float32Array; labels: Uint8Array; order: Int32Array } {
  const side = 28;
  const area = side * side;
  const out = new Float32Array(order.length * area);
  const outLabels = new Uint8Array(order.length);
  const draw = mulberry32(deriveSeed(seed, 'augment'));
  const span = 2 * shift + 1;
  for (let n = 0; n < order.length; n++) {
    const d = order[n]!;
    outLabels[n] = labels[d]!;
    const dx = Math.floor(draw() * span) - shift;
    const dy = Math.floor(draw() * span) - shift;
    for (let y = Math.max(0, dy); y < Math.min(side, side + dy); y++) {
      const from = d * area + (y - dy) * side;
      const x0 = Math.max(0, dx);
      const x1 = Math.min(side, side + dx);
      out.set(pixels.subarray(from + x0 - dx, from + x1 - dx), n * area + y * side + x0);
    }
  }
  return { pixels: out, labels: outLabels, order: Int32Array.from(order.keys()) };
}

/** The unit's steps job; a KernelError where its parameters or shard do not fit its model and the data. */
export function stepsJob(input: TrainingInput, split: MnistSplit): StepsJob {
  const parameters = decodeF32(input.parameters);
  if (parameters?.length !== parameterCount(input.model)) {
    throw new KernelError(`parameters hold ${parameters?.length} f32, the model has ${parameterCount(input.model)}`);
  }
  const samples = decodeU16(input.samples);
  if (!samples || samples.length === 0 || samples.some((s) => s >= TRAIN_SIZE)) {
    throw new KernelError(`the shard must list 1 or more training digits below ${TRAIN_SIZE}`);
  }
  const order = batchOrder(samples, input.steps, input.batch, input.seed);
  const digits = input.augment
    ? shiftedDigits(trainingPixels(split), split.train.labels, order, input.augment, input.seed)
    : { pixels: trainingPixels(split), labels: split.train.labels, order };
  return {
    model: input.model,
    parameters: parameters.slice(),
    ...digits,
    steps: input.steps,
    batch: input.batch,
    lr: input.inner.lr,
    momentum: input.inner.momentum,
    weightDecay: input.inner.weightDecay ?? 0,
    labelSmoothing: input.inner.labelSmoothing ?? 0,
  };
}

/** Mean cross-entropy over a range of digits seen, from the probabilities of their classes. */
function meanLoss(p: Float32Array, from: number, to: number): number {
  let sum = 0;
  // p ≥ 1e-30 keeps a digit the model rules out at a finite (69) loss.
  for (let i = from; i < to; i++) sum -= Math.log(Math.max(p[i]!, 1e-30));
  return sum / (to - from);
}

export function runTrainingUnit(input: TrainingInput, split: MnistSplit, kernel: StepsKernel): TrainingOutput {
  const job = stepsJob(input, split);
  return unitOutput(input, job, kernel(job));
}

/** The unit's result once a variant has run its steps (job.parameters now θ after them): Δ compressed, the loss. */
export function unitOutput(input: TrainingInput, job: StepsJob, steps: StepsResult): TrainingOutput {
  const start = decodeF32(input.parameters)!;
  const { truthProbability: p, correct } = steps;
  const delta = new Float32Array(start.length);
  for (let i = 0; i < delta.length; i++) delta[i] = start[i]! - job.parameters[i]!;
  if (!delta.every(Number.isFinite)) throw new KernelError('training diverged: the parameters are no longer finite');
  const bits = input.bits ?? 8;
  const { codes, scales } = compress(delta, input.block, deriveSeed(input.seed, 'rounding'), bits);
  const b = input.batch;
  return {
    version: input.version,
    codes: encodeCodes(codes, bits),
    scales: encodeF32(scales),
    loss: {
      first: meanLoss(p, 0, b),
      last: meanLoss(p, p.length - b, p.length),
      mean: meanLoss(p, 0, p.length),
      accuracy: correct / p.length,
    },
    digest: fnv1a64(codes, scales),
  };
}
