/**
 * @module server/training/model-state
 * A job's model from version to version on the coordinator: version 0 from the job's seed; each next version from
 * the applied pseudo-gradients, aggregated robustly and applied with DiLoCo's outer Nesterov step; and its held-out
 * loss and accuracy, computed by the training app's own reference so the coordinator and the volunteers agree on
 * what the model is.
 */
import type { ModelSpec } from '../../protocol/training.ts';
import type { TrainingJobSubmission } from '../../protocol/training-job.ts';
import { dequantise } from '../../worker-kernels/training/compress.ts';
import { type Digits, pixelFloats } from '../../worker-kernels/training/dataset.ts';
import { CLASSES, initialParameters, parameterCount } from '../../worker-kernels/training/model.ts';
import { outerStep } from '../../worker-kernels/training/outer.ts';
import { referenceProbabilities } from '../../worker-kernels/training/reference.ts';
import type { ModelState, PendingUpdate } from '../store/training.ts';
import { aggregateUpdates } from './aggregate.ts';

/** Version 0: the model's seeded initial parameters, no momentum yet, and a zero aggregate to centre round 0 on. */
export function initialState({ model, hyper }: Pick<TrainingJobSubmission, 'model' | 'hyper'>): ModelState {
  const params = initialParameters(model, hyper.seed);
  return { params, momentum: new Float32Array(params.length), aggregate: new Float32Array(params.length) };
}

/**
 * An applied result's pseudo-gradient Δ = θ_v − θ_after, dequantised; undefined where it does not fit the job's
 * model. Its codes' bits are read from their length, so a unit issued before the job's `codeBits` took its default
 * decodes as it was sent.
 */
export function decodeUpdate(
  update: PendingUpdate,
  job: Pick<TrainingJobSubmission, 'model' | 'hyper'>,
): Float32Array | undefined {
  if (update.result.app !== 'training') return undefined;
  return dequantise(update.result.output, parameterCount(job.model), job.hyper.block);
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

/** How many of the training digits the coordinator checks a round on, before applying it. */
export const VALIDATION_DIGITS = 500;

/**
 * Which training digits a round is checked on: `count` of the first `total`, drawn for each check from the trainer's
 * unpredictable coin (a partial Fisher–Yates shuffle). Digits fixed in the code (the first 500, until 2026-12-06) let
 * a coalition that reads it fit its updates to them and pass the loss screen (docs/training.md, "Attackers that read
 * the loss screen's code"); drawn, no volunteer knows them.
 *
 * @example drawValidation(Math.random, 8000) // 500 distinct indices below 8000
 */
export function drawValidation(random: () => number, total: number, count = VALIDATION_DIGITS): Uint16Array {
  if (!(total <= 65_536 && count <= total)) throw new RangeError(`cannot draw ${count} of ${total} digits`);
  const order = Uint16Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (total - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, count);
}

/** The training digits at `indices`, in their order: what a round is checked on (the held-out ones never decide). */
export function validationDigits(train: Digits, indices: Uint16Array): Digits {
  const pixels = new Uint8Array(indices.length * 784);
  const labels = new Uint8Array(indices.length);
  indices.forEach((d, i) => {
    if (d >= train.count)
      throw new RangeError(`validation digit ${d} is not one of the ${train.count} training digits`);
    pixels.set(train.pixels.subarray(d * 784, (d + 1) * 784), i * 784);
    labels[i] = train.labels[d]!;
  });
  return { pixels, labels, count: indices.length };
}

/**
 * Each digit's cross-entropy and the accuracy of the parameters. With label smoothing ε, the loss the job's units
 * train on: −(1 − ε)·log p(class) − (ε/10)·Σ_k log p(k), which is what a round's check and screen must ask an update
 * to lower (the plain cross-entropy of the class rises as the units learn to be less sure, docs/training.md, "Label
 * smoothing in the units"); 0: the plain cross-entropy.
 */
export function digitLosses(
  spec: ModelSpec,
  params: Float32Array,
  digits: Digits,
  labelSmoothing = 0,
): { losses: Float64Array; accuracy: number } {
  const { probabilities, classes } = referenceProbabilities(spec, params, pixelFloats(digits), digits.count);
  const nats = (p: number) => -Math.log(Math.max(p, 1e-30));
  const losses = new Float64Array(digits.count);
  let correct = 0;
  for (let n = 0; n < digits.count; n++) {
    const label = digits.labels[n]!;
    if (classes[n] === label) correct++;
    const p = probabilities.subarray(n * CLASSES, (n + 1) * CLASSES);
    let spread = 0;
    if (labelSmoothing > 0) for (const pk of p) spread += nats(pk);
    losses[n] = (1 - labelSmoothing) * nats(p[label]!) + (labelSmoothing / CLASSES) * spread;
  }
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
