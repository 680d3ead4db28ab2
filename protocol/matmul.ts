/**
 * @module protocol/matmul
 * Wire shapes of the matmul app (dense f32 matrix multiply, the core of the planned distributed training and a
 * benchmark of the host). The input is a seed that every host expands into the same A and B; the output is a
 * digest of C that cannot be had without computing C: the sum of squares of each of its rows.
 */
import { z } from 'zod';

/** Dimensions are multiples of 16 so every variant's tiles (4×8 in WASM, 16×16 on the GPU) cover C exactly. */
const dimension = z
  .number()
  .int()
  .min(16)
  .max(2048)
  .refine((d) => d % 16 === 0, { message: 'must be a multiple of 16' });

export const MatmulInput = z.strictObject({
  seed: z.number().int().min(0).max(0xffff_ffff),
  /** A is m×k, B is k×n, C = A·B is m×n; entries of A and B are f32 uniform in [−1, 1). */
  m: dimension,
  k: dimension,
  n: dimension,
});
export type MatmulInput = z.infer<typeof MatmulInput>;

export const MatmulOutput = z.strictObject({
  /** rowSquares[i] = Σ_j C[i][j]², one per row of C. */
  rowSquares: z.array(z.number().min(0).finite()).min(16).max(2048),
});
export type MatmulOutput = z.infer<typeof MatmulOutput>;
