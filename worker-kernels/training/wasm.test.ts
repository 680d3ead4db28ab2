/**
 * The WebAssembly steps against the reference, byte for byte, on both models over enough steps that any
 * difference in rounding would have grown into the codes (the conformance spec adds random small units).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { ModelSpec } from '../../protocol/training.ts';
import { loadMnist, type MnistSplit, pixelFloats } from './dataset.ts';
import { trainingInput } from './input.ts';
import { initialParameters } from './model.ts';
import { referenceSteps } from './reference.ts';
import { runTrainingUnit, stepsJob } from './unit.ts';
import { loadTrainingWasm, type TrainingWasm } from './wasm.ts';

let split: MnistSplit;
let wasm: TrainingWasm;
beforeAll(async () => {
  [split, wasm] = await Promise.all([loadMnist(), loadTrainingWasm()]);
});

describe.each<[ModelSpec, number]>([
  [{ kind: 'mlp', hidden: 64 }, 60],
  [{ kind: 'cnn', filters: 16, hidden: 32 }, 12],
])('wasm steps of %o', (model, steps) => {
  test('default: the same bytes as the reference, and the loss falls', () => {
    const input = trainingInput({
      model,
      version: 1,
      parameters: initialParameters(model, 3),
      samples: Uint16Array.from({ length: 300 }, (_, i) => 7 * i),
      seed: 99,
      steps,
      batch: 8,
      inner: { lr: 0.05, momentum: 0.9 },
      block: 128,
    });
    const expected = runTrainingUnit(input, split, referenceSteps);
    const actual = runTrainingUnit(input, split, wasm.steps);
    expect(actual).toEqual(expected);
    expect(actual.loss.mean).toBeLessThan(actual.loss.first);
  });
});

test('behavior: the held-out accuracy rises from chance after a unit of steps', () => {
  const model = { kind: 'mlp', hidden: 32 } as const;
  const theta = initialParameters(model, 5);
  const heldOut = pixelFloats(split.heldOut);
  const before = wasm.accuracy(model, theta, heldOut, split.heldOut.labels);
  const input = trainingInput({
    model,
    version: 0,
    parameters: theta,
    samples: Uint16Array.from({ length: 2000 }, (_, i) => i),
    seed: 1,
    steps: 100,
    batch: 8,
    inner: { lr: 0.05, momentum: 0.5 },
    block: 256,
  });
  const job = stepsJob(input, split);
  wasm.steps(job);
  const after = wasm.accuracy(model, job.parameters, heldOut, split.heldOut.labels);
  expect(before).toBeLessThan(0.3);
  expect(after).toBeGreaterThan(0.75);
});
