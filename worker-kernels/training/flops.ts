/**
 * @module worker-kernels/training/flops
 * The FLOPs of one unit, its credit: per digit, 2 per multiply-add of the forward pass and 4 more for the backward
 * (the input gradient and the weight gradient), except the convolution, whose input gradient is never needed; per
 * step, 4 per parameter for the momentum update and 2 more for a weight decay. Zero pixels and dead units skipped
 * are still counted: the estimate is of the model, not of one digit.
 */
import type { TrainingInput } from '../../protocol/training.ts';
import { CLASSES, CONV_SIDE, KERNEL, layoutOf } from './model.ts';

export function estimateTrainingFlops(input: TrainingInput): number {
  const { model, steps, batch } = input;
  const layout = layoutOf(model);
  const denseMacs = layout.denseIn * model.hidden + model.hidden * CLASSES;
  const convMacs = model.kind === 'cnn' ? CONV_SIDE * CONV_SIDE * KERNEL * KERNEL * model.filters : 0;
  const perDigit = 6 * denseMacs + 4 * convMacs;
  const perParameter = 4 + (input.inner.weightDecay ? 2 : 0);
  return steps * (batch * perDigit + perParameter * layout.size);
}
