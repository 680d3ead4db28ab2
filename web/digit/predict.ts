/**
 * @module web/digit/predict
 * What a trained model reads in one digit: its ten class probabilities, computed by the training app's reference
 * (the same f32 forward pass the volunteers train), and the model file's parameters checked against the model's
 * size before use.
 */
import type { ModelSpec } from '../../protocol/training.ts';
import { TrainedModel } from '../../protocol/training-job.ts';
import { decodeF32 } from '../../worker-kernels/training/codec.ts';
import { parameterCount, PIXELS } from '../../worker-kernels/training/model.ts';
import { referenceProbabilities } from '../../worker-kernels/training/reference.ts';

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

/** The probability of each class for one digit (784 pixels in [0, 1]): one forward pass of the reference. */
export function predict({ spec, params }: LoadedModel, pixels: Float32Array): Float32Array {
  if (pixels.length !== PIXELS) throw new Error(`a digit has ${PIXELS} pixels, not ${pixels.length}`);
  return referenceProbabilities(spec, params, pixels, 1).probabilities;
}

export const argmax = (a: Float32Array) => a.reduce((best, x, i) => (x > a[best]! ? i : best), 0);
