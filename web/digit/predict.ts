/**
 * @module web/digit/predict
 * What a trained model reads in one digit: its ten class probabilities, computed by the training app's reference
 * (the same f32 forward pass the volunteers train), and the model file's parameters checked against the model's
 * size before use.
 */
import type { ModelSpec } from '../../protocol/training.ts';
import { TrainedModel } from '../../protocol/training-job.ts';
import { decodeF32 } from '../../worker-kernels/training/codec.ts';
import { CLASSES, parameterCount, PIXELS } from '../../worker-kernels/training/model.ts';
import { referenceSteps } from '../../worker-kernels/training/reference.ts';

export interface LoadedModel {
  spec: ModelSpec;
  params: Float32Array;
  version: number;
  heldoutAccuracy: number | null;
}

/** A downloaded model file's text as a usable model; throws, saying what is wrong, on any other file. */
export function loadModel(text: string): LoadedModel {
  const file = TrainedModel.parse(JSON.parse(text));
  const params = decodeF32(file.params);
  const size = parameterCount(file.model);
  if (params?.length !== size)
    throw new Error(`the file holds ${params?.length ?? 0} parameters; its model has ${size}`);
  return { spec: file.model, params, version: file.version, heldoutAccuracy: file.heldoutAccuracy };
}

/**
 * The probability of each class for one digit (784 pixels in [0, 1]). The reference reports the probability of a
 * digit's true class before its step; asked once per class with a zero learning rate, it gives all ten.
 */
export function predict({ spec, params }: LoadedModel, pixels: Float32Array): Float32Array {
  if (pixels.length !== PIXELS) throw new Error(`a digit has ${PIXELS} pixels, not ${pixels.length}`);
  const probs = new Float32Array(CLASSES);
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
    probs[k] = truthProbability[0]!;
  }
  return probs;
}

export const argmax = (a: Float32Array) => a.reduce((best, x, i) => (x > a[best]! ? i : best), 0);
