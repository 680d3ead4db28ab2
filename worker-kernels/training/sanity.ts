/**
 * @module worker-kernels/training/sanity
 * Why a training result cannot be right for its unit: another version, codes not of the model's size or not of the
 * unit's bits, a code the quantiser never writes (−128 in 8 bits, −8 in 4), scales not one a block, a scale negative
 * or not finite.
 */
import type { TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import { base64ToBytes, decodeF32 } from './codec.ts';
import { codeLimit, decodeCodes } from './compress.ts';
import { parameterCount } from './model.ts';

export function checkTraining(input: TrainingInput, output: TrainingOutput): string | undefined {
  if (output.version !== input.version) return `version ${output.version} for a unit of version ${input.version}`;
  const size = parameterCount(input.model);
  const bits = input.bits ?? 8;
  const decoded = decodeCodes(output.codes, size);
  if (!decoded) {
    const bytes = base64ToBytes(output.codes).length;
    return `${bytes} bytes of codes for a model of ${size} parameters in ${bits}-bit codes (or a padding nibble not 0)`;
  }
  if (decoded.bits !== bits) return `${decoded.bits}-bit codes for a unit of ${bits}-bit codes`;
  const limit = codeLimit(bits);
  if (decoded.codes.includes(-limit - 1)) return `a code of ${-limit - 1}, outside [${-limit}, ${limit}]`;
  const scales = decodeF32(output.scales);
  const blocks = Math.ceil(size / input.block);
  if (scales?.length !== blocks) return `${scales?.length} scales where ${blocks} blocks need one each`;
  if (!scales.every((s) => s >= 0 && Number.isFinite(s))) return 'a scale negative or not finite';
  return undefined;
}
