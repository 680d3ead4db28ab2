/**
 * @module worker-kernels/training/net
 * The reference's views of one model: each tensor of θ and of its gradient as a subarray of the flat vectors
 * (model.ts's layout), and the activations of one digit.
 */
import type { ModelSpec } from '../../protocol/training.ts';
import { CLASSES, CONV_SIDE, layoutOf } from './model.ts';

export interface Net {
  readonly W1: Float32Array;
  readonly b1: Float32Array;
  readonly W2: Float32Array;
  readonly b2: Float32Array;
  readonly grad: Float32Array;
  readonly gW1: Float32Array;
  readonly gb1: Float32Array;
  readonly gW2: Float32Array;
  readonly gb2: Float32Array;
  /** The first dense layer's input (the digit, or the pooled convolution) and its gradient. */
  readonly input: Float32Array;
  readonly dInput: Float32Array;
  readonly hidden: Float32Array;
  readonly dHidden: Float32Array;
  readonly logits: Float32Array;
  readonly probs: Float32Array;
  readonly dLogits: Float32Array;
  readonly cnn?: {
    readonly filters: number;
    readonly K: Float32Array;
    readonly bk: Float32Array;
    readonly gK: Float32Array;
    readonly gbk: Float32Array;
    readonly conv: Float32Array;
    readonly argmax: Int32Array;
  };
}

export function netOf(spec: ModelSpec, theta: Float32Array): Net {
  const layout = layoutOf(spec);
  const grad = new Float32Array(layout.size);
  const views = Object.fromEntries(
    layout.tensors.flatMap((t) => [
      [t.name, theta.subarray(t.offset, t.offset + t.length)],
      [`g${t.name}`, grad.subarray(t.offset, t.offset + t.length)],
    ]),
  ) as Record<string, Float32Array>;
  const filters = spec.kind === 'cnn' ? spec.filters : 0;
  return {
    W1: views.W1!,
    b1: views.b1!,
    W2: views.W2!,
    b2: views.b2!,
    grad,
    gW1: views.gW1!,
    gb1: views.gb1!,
    gW2: views.gW2!,
    gb2: views.gb2!,
    input: new Float32Array(layout.denseIn),
    dInput: new Float32Array(layout.denseIn),
    hidden: new Float32Array(spec.hidden),
    dHidden: new Float32Array(spec.hidden),
    logits: new Float32Array(CLASSES),
    probs: new Float32Array(CLASSES),
    dLogits: new Float32Array(CLASSES),
    ...(spec.kind === 'cnn' && {
      cnn: {
        filters,
        K: views.K!,
        bk: views.bk!,
        gK: views.gK!,
        gbk: views.gbk!,
        conv: new Float32Array(CONV_SIDE * CONV_SIDE * filters),
        argmax: new Int32Array(layout.denseIn),
      },
    }),
  };
}
