/**
 * What the digit page shows: a trained model's ten class probabilities for a drawn digit, from one forward pass of
 * the reference, the same numbers the training steps see before a step.
 */
import { expect, test } from 'vitest';
import { CLASSES, initialParameters, PIXELS } from '../../worker-kernels/training/model.ts';
import { referenceSteps } from '../../worker-kernels/training/reference.ts';
import { argmax, predict } from './predict.ts';

test('default: each class has the probability the training steps give a digit of that class, summing to 1', () => {
  const spec = { kind: 'cnn', filters: 4, hidden: 8 } as const;
  const params = initialParameters(spec, 11);
  const pixels = Float32Array.from({ length: PIXELS }, (_, i) => ((i * 37) % 101) / 100);
  const probs = predict({ spec, params, version: 1, heldoutAccuracy: null }, pixels);
  const before = params.slice();
  for (let k = 0; k < CLASSES; k++) {
    const { truthProbability } = referenceSteps({
      model: spec,
      parameters: params.slice(),
      pixels,
      labels: Uint8Array.of(k),
      order: Int32Array.of(0),
      steps: 1,
      batch: 1,
      lr: 0,
      momentum: 0,
      weightDecay: 0,
      labelSmoothing: 0,
    });
    expect(probs[k]).toBe(truthProbability[0]);
  }
  expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  expect(argmax(probs)).toBe(probs.indexOf(Math.max(...probs)));
  expect(params).toEqual(before);
});

test('error: a digit of another size', () => {
  const spec = { kind: 'mlp', hidden: 4 } as const;
  const model = { spec, params: initialParameters(spec, 1), version: 1, heldoutAccuracy: null };
  expect(() => predict(model, new Float32Array(10))).toThrow('a digit has 784 pixels, not 10');
});
