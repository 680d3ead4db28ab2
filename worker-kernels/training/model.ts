/**
 * @module worker-kernels/training/model
 * The models' parameter layouts, one flat f32 vector each, and their seeded initialisation. Layouts put the output
 * index innermost (W[i][j] at i·out + j), so every kernel walks a layer as independent output columns, each summed
 * in ascending input order: the fixed reduction order that makes the variants agree bit for bit (determinism.ts).
 *
 * MLP: W1 [784][h], b1 [h], W2 [h][10], b2 [10].
 * CNN: K [25][F] (ky, kx, filter), bk [F], W1 [12·12·F][h] (pooled y, x, filter), b1 [h], W2 [h][10], b2 [10].
 */
import type { ModelSpec } from '../../protocol/training.ts';
import { mulberry32 } from '../random.ts';

export const PIXELS = 784;
export const CLASSES = 10;
export const SIDE = 28;
/** Valid 5×5 convolution of 28×28: 24×24; 2×2 max-pool: 12×12. */
export const KERNEL = 5;
export const CONV_SIDE = SIDE - KERNEL + 1;
export const POOL_SIDE = CONV_SIDE / 2;

/** Where each tensor starts in the flat vector, and its fan-in (for initialisation). */
export interface Layout {
  readonly size: number;
  readonly tensors: readonly { name: string; offset: number; length: number; fanIn: number; bias: boolean }[];
  /** Inputs of the first dense layer: 784 for the MLP, the pooled 12·12·F for the CNN. */
  readonly denseIn: number;
}

export function layoutOf(spec: ModelSpec): Layout {
  const h = spec.hidden;
  const shapes: [string, number, number, boolean][] = [];
  let denseIn = PIXELS;
  if (spec.kind === 'cnn') {
    denseIn = POOL_SIDE * POOL_SIDE * spec.filters;
    shapes.push(['K', KERNEL * KERNEL * spec.filters, KERNEL * KERNEL, false], ['bk', spec.filters, 1, true]);
  }
  shapes.push(['W1', denseIn * h, denseIn, false], ['b1', h, 1, true], ['W2', h * CLASSES, h, false]);
  shapes.push(['b2', CLASSES, 1, true]);
  let offset = 0;
  const tensors = shapes.map(([name, length, fanIn, bias]) => {
    const t = { name, offset, length, fanIn, bias };
    offset += length;
    return t;
  });
  return { size: offset, tensors, denseIn };
}

export const parameterCount = (spec: ModelSpec) => layoutOf(spec).size;

/** He-uniform weights U(−√(6/fanIn), √(6/fanIn)) and zero biases, from a seed: version 0 of a job's model. */
export function initialParameters(spec: ModelSpec, seed: number): Float32Array {
  const layout = layoutOf(spec);
  const out = new Float32Array(layout.size);
  const draw = mulberry32(seed);
  for (const t of layout.tensors) {
    if (t.bias) continue;
    const a = Math.sqrt(6 / t.fanIn);
    for (let i = 0; i < t.length; i++) out[t.offset + i] = (2 * draw() - 1) * a;
  }
  return out;
}
