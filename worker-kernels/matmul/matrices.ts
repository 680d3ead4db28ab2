/**
 * @module worker-kernels/matmul/matrices
 * The matrices a matmul unit refers to, expanded from its seed identically on every host: f32 values, so the
 * reference (f64) and the f32 variants multiply exactly the same numbers.
 */
import type { MatmulInput } from '../../protocol/matmul.ts';
import { mulberry32 } from '../random.ts';

export interface Matrices {
  /** m×k, row-major. */
  readonly a: Float32Array;
  /** k×n, row-major. */
  readonly b: Float32Array;
}

export function generateMatrices({ seed, m, k, n }: MatmulInput): Matrices {
  const random = mulberry32(seed);
  const a = new Float32Array(m * k);
  const b = new Float32Array(k * n);
  for (let i = 0; i < a.length; i++) a[i] = 2 * random() - 1;
  for (let i = 0; i < b.length; i++) b[i] = 2 * random() - 1;
  return { a, b };
}
