/**
 * @module worker-kernels/training/sanity
 * Why a training result cannot be right for its unit: another version, codes or scales not of the model's size,
 * a code of −128 (the quantiser never writes it), a scale negative or not finite.
 */
import type { TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import { decodeF32, decodeI8 } from './codec.ts';
import { parameterCount } from './model.ts';

export function checkTraining(input: TrainingInput, output: TrainingOutput): string | undefined {
  if (output.version !== input.version) return `version ${output.version} for a unit of version ${input.version}`;
  const size = parameterCount(input.model);
  const codes = decodeI8(output.codes);
  if (codes.length !== size) return `${codes.length} codes for a model of ${size} parameters`;
  if (codes.includes(-128)) return 'a code of -128, outside [-127, 127]';
  const scales = decodeF32(output.scales);
  const blocks = Math.ceil(size / input.block);
  if (scales?.length !== blocks) return `${scales?.length} scales where ${blocks} blocks need one each`;
  if (!scales.every((s) => s >= 0 && Number.isFinite(s))) return 'a scale negative or not finite';
  return undefined;
}
