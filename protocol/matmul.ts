/**
 * @module protocol/matmul
 * Wire shapes of the matmul app (dense f32 matrix multiply, the core of the planned distributed training and a
 * benchmark of the host). The input is a seed that every host expands into the same A and B; the output is a
 * digest of C that costs computing C (the argument is at MatmulOutput).
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

/**
 * rowAbsSums[i] = Σ_j |C[i][j]|, one per row of C.
 *
 * Why it costs the 2·m·k·n credited: Σ_j |a_i·b_j| is the support function, at a_i, of the zonotope that B's n
 * columns span in k ≥ 16 dimensions; no method is known to evaluate it at m points faster than forming every
 * a_i·b_j (the zonotope has O(n^(k−1)) vertices, and approximating it to the comparator's 1e-4 needs more directions
 * still). Estimating it from a sample of s columns misses by about 0.75/√s relative, far outside 1e-4. A polynomial
 * digest would not do: the sum of squares this replaces is a_i·(B·Bᵀ)·a_iᵀ, which 2k²n + 2mk² operations give, 64
 * times fewer than 2mkn at 2048×16×2048 (issue 22 measured 89 with symmetry used), and every power sum of C factors
 * through such a moment tensor of B, cheap when k is small. worker-kernels/matmul/shortcuts.test.ts runs these
 * shortcuts and shows them refused.
 */
export const MatmulOutput = z.strictObject({
  rowAbsSums: z.array(z.number().min(0).finite()).min(16).max(2048),
});
export type MatmulOutput = z.infer<typeof MatmulOutput>;
