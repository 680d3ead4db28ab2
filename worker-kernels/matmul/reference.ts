/**
 * @module worker-kernels/matmul/reference
 * The reference matrix multiply, the truth the WASM and WebGPU variants are held to: the f32 inputs multiplied and
 * summed in f64 (each product of two f32 is exact in f64), row by row, reporting progress per row; the digest is
 * each row's Σ |C[i][j]| (protocol/matmul.ts says why).
 */
import type { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import type { KernelContext } from '../kernel.ts';
import { generateMatrices } from './matrices.ts';

export function runMatmul(input: MatmulInput, ctx: KernelContext<unknown>): MatmulOutput {
  const { m, k, n } = input;
  const { a, b } = generateMatrices(input);
  const row = new Float64Array(n);
  const rowAbsSums: number[] = [];
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p]!;
      const offset = p * n;
      for (let j = 0; j < n; j++) row[j]! += x * b[offset + j]!;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.abs(row[j]!);
    rowAbsSums.push(sum);
    ctx.progress((i + 1) / m);
  }
  return { rowAbsSums };
}
