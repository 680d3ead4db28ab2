/**
 * @module worker-kernels/training/input
 * A training unit from typed arrays: what the coordinator, the bench and the tests build units with.
 */
import type { TrainingInput } from '../../protocol/training.ts';
import { encodeF32, encodeU16 } from './codec.ts';

export type TrainingUnitSpec = Omit<TrainingInput, 'parameters' | 'samples'> & {
  readonly parameters: Float32Array;
  readonly samples: Uint16Array;
};

/** @example trainingInput({ model: { kind: 'mlp', hidden: 16 }, parameters, samples, version: 0, ... }) */
export function trainingInput(spec: TrainingUnitSpec): TrainingInput {
  return { ...spec, parameters: encodeF32(spec.parameters), samples: encodeU16(spec.samples) };
}
