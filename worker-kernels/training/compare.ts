/**
 * @module worker-kernels/training/compare
 * The validator's comparator for training results. CPU variants (reference, WASM) compute in one fixed f32 order
 * (determinism.ts), so honest replicas are byte-equal; the WebGPU variant may fuse and reorder, so two results also
 * match when their dequantised pseudo-gradients lie within TRAINING_TOLERANCE of each other, relative to the smaller
 * (tolerance.ts's rule: what one side claims never loosens the test of the other).
 */
import type { TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import type { Comparison } from '../kernel.ts';
import { dequantise } from './compress.ts';
import { parameterCount } from './model.ts';

/**
 * Relative L2 distance between two replicas' dequantised Δ. The WGSL variant keeps the reference's order of every
 * sum and differs in exp, the division and any fused multiply-add: on SwiftShader its results lie within 1.8e-7 of
 * the reference's (conformance.ts, units of 1-4 steps; a hardware GPU may fuse more, untested here). Last bits
 * grown over H steps stay orders below this, while a result that skipped or changed the steps (another seed,
 * another shard, a flipped sign) lies near 1 or above. Within it a cheater can only nudge Δ by 2%, which robust
 * aggregation absorbs.
 */
export const TRAINING_TOLERANCE = 0.02;

export function relativeL2(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  if (diff === 0) return 0;
  return Math.sqrt(diff) / Math.sqrt(Math.min(na, nb));
}

export function compareTraining(input: TrainingInput, a: TrainingOutput, b: TrainingOutput): Comparison {
  if (a.version !== input.version || b.version !== input.version) return 'mismatch';
  if (a.codes === b.codes && a.scales === b.scales) return 'match';
  const size = parameterCount(input.model);
  const da = dequantise(a, size, input.block, input.bits ?? 8);
  const db = dequantise(b, size, input.block, input.bits ?? 8);
  if (!da || !db) return 'mismatch';
  return relativeL2(da, db) <= TRAINING_TOLERANCE ? 'match' : 'mismatch';
}
