/**
 * The trainer's next version starts its robust aggregate where the current version's left off (the aggregate stored
 * with it), as the bench measured: a sign-flipping minority is then far from the centre and drops out. A round is
 * checked on the loss its units train on, label smoothing included.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { ModelSpec, TrainingInput } from '../../protocol/training.ts';
import { TrainingJobSubmission } from '../../protocol/training-job.ts';
import { Random } from '../../worker-kernels/random.ts';
import { mean, squaredDistance } from '../../worker-kernels/training/aggregate.ts';
import { loadMnist, type MnistSplit, pixelFloats } from '../../worker-kernels/training/dataset.ts';
import { trainingInput } from '../../worker-kernels/training/input.ts';
import { initialParameters, parameterCount } from '../../worker-kernels/training/model.ts';
import { referenceSteps } from '../../worker-kernels/training/reference.ts';
import { stepsJob } from '../../worker-kernels/training/unit.ts';
import { mulberry32 } from '../../worker-kernels/random.ts';
import { digitLosses, drawValidation, initialState, meanLoss, nextVersion, validationDigits } from './model-state.ts';

const JOB = TrainingJobSubmission.parse({ name: 'digits', model: { kind: 'mlp', hidden: 4 }, rounds: 2 });

describe('the next model version', () => {
  const size = parameterCount(JOB.model);
  const random = new Random(24);
  const drift = Float32Array.from({ length: size }, () => random.uniform(-0.01, 0.01));
  const honest = Array.from({ length: 7 }, () => drift.map((d) => d + random.uniform(-0.003, 0.003)));
  const flipped = mean(honest).map((x) => -x);
  const deltas = [...honest, flipped, flipped, flipped];
  const distance = (a: Float32Array) => Math.sqrt(squaredDistance(a, mean(honest)));

  test('default: it keeps the aggregate it applied, and an empty round keeps the last one', () => {
    const start = initialState(JOB);
    const next = nextVersion(JOB, start, honest, 1);
    expect(next.aggregate.some((x) => x !== 0)).toBe(true);
    expect(next.params).not.toEqual(start.params);
    expect(nextVersion(JOB, next, [], 2)).toEqual(next);
  });

  test('behavior: centred on the stored aggregate, three sign-flippers of ten are dropped; from zero they pull', () => {
    const start = initialState(JOB);
    const fromZero = nextVersion(JOB, start, deltas, 1).aggregate;
    const fromLast = nextVersion(JOB, { ...start, aggregate: drift }, deltas, 1).aggregate;
    expect(distance(fromLast)).toBeLessThan(0.01 * distance(fromZero));
  });
});

describe("a round's check digits", () => {
  test('default: 500 distinct training digits, a different draw each time', () => {
    const coin = mulberry32(7);
    const first = drawValidation(coin, 8000);
    const second = drawValidation(coin, 8000);
    expect(first.length).toBe(500);
    expect(new Set(first).size).toBe(500);
    expect(Math.max(...first)).toBeLessThan(8000);
    // Not the first 500 (the digits fixed in the code before), and not the same twice.
    expect(first.filter((d) => d < 500).length).toBeLessThan(100);
    expect(second.filter((d) => first.includes(d)).length).toBeLessThan(100);
  });

  test('behavior: the digits at the drawn indices, in their order', () => {
    const train = {
      pixels: Uint8Array.from({ length: 3 * 784 }, (_, i) => Math.floor(i / 784)),
      labels: Uint8Array.of(7, 8, 9),
      count: 3,
    };
    const digits = validationDigits(train, Uint16Array.of(2, 0));
    expect(Array.from(digits.labels)).toEqual([9, 7]);
    expect([digits.pixels[0], digits.pixels[784]]).toEqual([2, 0]);
    expect(digits.count).toBe(2);
  });

  test('error: an index past the training digits, or a draw of more than there are', () => {
    const train = { pixels: new Uint8Array(784), labels: Uint8Array.of(1), count: 1 };
    expect(() => validationDigits(train, Uint16Array.of(1))).toThrow('validation digit 1 is not one of the 1');
    expect(() => drawValidation(Math.random, 10, 11)).toThrow('cannot draw 11 of 10 digits');
  });
});

describe('the loss a round is checked on', () => {
  let split: MnistSplit;
  beforeAll(async () => {
    split = await loadMnist();
  });
  const model: ModelSpec = { kind: 'mlp', hidden: 16 };
  const indices = Uint16Array.from({ length: 200 }, (_, i) => i);
  /** θ after `steps` of batch 8 on the 200 digits, from θ. */
  const trained = (parameters: Float32Array, steps: number, inner: TrainingInput['inner']) => {
    const input = { model, version: 0, parameters, samples: indices, seed: 3, steps, batch: 8, inner, block: 64 };
    const job = stepsJob(trainingInput(input), split);
    referenceSteps(job);
    return job.parameters;
  };

  test("default: without smoothing, each digit's −log p(class), as the steps kernel sees it, and the accuracy", () => {
    const digits = validationDigits(split.train, indices);
    const theta = trained(initialParameters(model, 1), 50, { lr: 0.05, momentum: 0.9 });
    // The steps kernel at a zero rate: each digit's probability of its class, taken before a step that moves nothing.
    const { truthProbability, correct } = referenceSteps({
      model,
      parameters: theta.slice(),
      pixels: pixelFloats(digits),
      labels: digits.labels,
      order: Int32Array.from(indices),
      steps: 1,
      batch: 200,
      lr: 0,
      momentum: 0,
      weightDecay: 0,
      labelSmoothing: 0,
    });
    const { losses, accuracy } = digitLosses(model, theta, digits);
    expect(Array.from(losses)).toEqual(Array.from(truthProbability, (p) => -Math.log(p)));
    expect(accuracy).toBe(correct / 200);
  });

  test('behavior: with smoothing, the smoothed loss a unit lowers, where the plain one rises', () => {
    const digits = validationDigits(split.train, indices);
    // Sure of its 200 digits (plain cross-entropy near 0.01), then a unit of smoothed training makes it less sure.
    const sure = trained(initialParameters(model, 1), 500, { lr: 0.02, momentum: 0.9 });
    const smoothed = trained(sure, 100, { lr: 0.02, momentum: 0.9, labelSmoothing: 0.3 });
    const loss = (theta: Float32Array, epsilon?: number) => meanLoss(digitLosses(model, theta, digits, epsilon).losses);
    expect(loss(smoothed)).toBeGreaterThan(loss(sure));
    expect(loss(smoothed, 0.3)).toBeLessThan(loss(sure, 0.3));
    // Linear in ε, and the smoothed part, Σ_k −log p(k)/10 per unit of ε, is at least ln 10 (where p is uniform).
    const at = (epsilon: number) => digitLosses(model, smoothed, digits, epsilon).losses;
    const [plain, half, full] = [at(0), at(0.15), at(0.3)];
    plain.forEach((l, n) => {
      expect(half[n]).toBeCloseTo((l + full[n]!) / 2, 9);
      expect((full[n]! - 0.7 * l) / 0.03).toBeGreaterThanOrEqual(10 * Math.log(10) - 1e-9);
    });
  });
});
