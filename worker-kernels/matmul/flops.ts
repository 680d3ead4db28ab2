/**
 * @module worker-kernels/matmul/flops
 * Floating-point operations of a matmul unit: 2·m·k·n (one multiply and one add per term), plus the digest (an
 * absolute value and an add per entry of C). Its output costs at least that (protocol/matmul.ts says why).
 */
import type { MatmulInput } from '../../protocol/matmul.ts';

export function estimateMatmulFlops({ m, k, n }: MatmulInput): number {
  return 2 * m * k * n + 2 * m * n;
}
