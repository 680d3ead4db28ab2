/**
 * @module server/training/model-state
 * A job's model from version to version on the coordinator: version 0 from the job's seed; each next version from
 * the applied pseudo-gradients, aggregated robustly and applied with DiLoCo's outer Nesterov step; and its held-out
 * loss and accuracy, computed by the training app's own reference so the coordinator and the volunteers agree on
 * what the model is.
 */
import type { ModelSpec } from '../../protocol/training.ts';
import type { TrainingJobSubmission } from '../../protocol/training-job.ts';
import { decodeF32, decodeI8 } from '../../worker-kernels/training/codec.ts';
import { decompress } from '../../worker-kernels/training/compress.ts';
import { type Digits, pixelFloats } from '../../worker-kernels/training/dataset.ts';
import { initialParameters, parameterCount } from '../../worker-kernels/training/model.ts';
import { outerStep } from '../../worker-kernels/training/outer.ts';
import { referenceSteps } from '../../worker-kernels/training/reference.ts';
import type { ModelState, PendingUpdate } from '../store/training.ts';
import { aggregateUpdates } from './aggregate.ts';

/** Version 0: the model's seeded initial parameters, no momentum yet, and a zero aggregate to centre round 0 on. */
export function initialState({ model, hyper }: Pick<TrainingJobSubmission, 'model' | 'hyper'>): ModelState {
  const params = initialParameters(model, hyper.seed);
  return { params, momentum: new Float32Array(params.length), aggregate: new Float32Array(params.length) };
}

/** An applied result's pseudo-gradient Δ = θ_v − θ_after, dequantised; undefined where it does not fit. */
export function decodeUpdate(update: PendingUpdate, block: number): Float32Array | undefined {
  if (update.result.app !== 'training') return undefined;
  const { codes, scales } = update.result.output;
  const s = decodeF32(scales);
  const c = decodeI8(codes);
  if (!s || s.length !== Math.ceil(c.length / block)) return undefined;
  return decompress({ codes: c, scales: s }, block);
}

/**
 * The next version: the round's pseudo-gradients (which point back along the descent, θ_v − θ_after) aggregated
 * robustly from the current version's aggregate (aggregate.ts, ordered by `seed`), then DiLoCo's outer Nesterov step
 * (worker-kernels/training/outer.ts). Without updates the version repeats the last, its aggregate too.
 */
export function nextVersion(
  { model, hyper }: Pick<TrainingJobSubmission, 'model' | 'hyper'>,
  current: ModelState,
  deltas: readonly Float32Array[],
  seed: number,
): ModelState {
  const size = parameterCount(model);
  const usable = deltas.filter((d) => d.length === size);
  const params = current.params.slice();
  const momentum = current.momentum.slice();
  if (usable.length === 0) return { params, momentum, aggregate: current.aggregate.slice() };
  const aggregate = aggregateUpdates(usable, current.aggregate, seed);
  outerStep(params, momentum, aggregate, { lr: hyper.outerLr, momentum: hyper.outerMomentum });
  return { params, momentum, aggregate };
}

/** How many of the training digits, the first ones, the coordinator keeps to check a round before applying it. */
export const VALIDATION_DIGITS = 500;

/** The digits the round check evaluates on: training digits (the held-out ones never decide anything). */
export const validationDigits = (train: Digits): Digits => ({
  pixels: train.pixels.subarray(0, VALIDATION_DIGITS * 784),
  labels: train.labels.subarray(0, VALIDATION_DIGITS),
  count: VALIDATION_DIGITS,
});

/**
 * Each digit's cross-entropy and the accuracy of the parameters, all in one batch of the reference with a zero
 * learning rate: its probabilities and correct count are taken before a step, which then changes nothing.
 */
export function digitLosses(
  spec: ModelSpec,
  params: Float32Array,
  digits: Digits,
): { losses: Float64Array; accuracy: number } {
  const order = Int32Array.from({ length: digits.count }, (_, i) => i);
  const { truthProbability, correct } = referenceSteps({
    model: spec,
    parameters: params.slice(),
    pixels: pixelFloats(digits),
    labels: digits.labels,
    order,
    steps: 1,
    batch: digits.count,
    lr: 0,
    momentum: 0,
  });
  const losses = Float64Array.from(truthProbability, (p) => -Math.log(Math.max(p, 1e-30)));
  return { losses, accuracy: correct / digits.count };
}

/** Mean cross-entropy and accuracy of the parameters on the held-out digits (or any others). */
export function evaluateHeldOut(
  spec: ModelSpec,
  params: Float32Array,
  heldOut: Digits,
): { loss: number; accuracy: number } {
  const { losses, accuracy } = digitLosses(spec, params, heldOut);
  return { loss: meanLoss(losses), accuracy };
}

/** The mean of per-digit losses, summed in the digits' order (so the same as evaluateHeldOut's loss). */
export function meanLoss(losses: Float64Array): number {
  let sum = 0;
  for (const l of losses) sum += l;
  return sum / losses.length;
}
