/**
 * @module worker-kernels/training/determinism
 * How replicas of a training unit agree bit for bit on the CPU: every variant computes in f32 with each multiply
 * and each add rounded to f32 (no fused multiply-add: the WASM build is plain SIMD), every sum in one fixed order
 * (ascending input index for a layer's output, ascending sample for a gradient), SIMD only across independent
 * outputs, never across a sum. The TypeScript reference emulates f32 with Math.fround: a product of two f32 is exact
 * in f64 and rounding it once is the f32 product; a sum of two f32 rounded in f64 then to f32 is the f32 sum (double
 * rounding is innocuous when 53 ≥ 2·24 + 2). Terms that are exactly zero may be skipped: an accumulator that starts
 * at +0 is never −0, and adding ±0 leaves it unchanged. The one transcendental, exp in the softmax, is computed
 * here from f64 operations alone (no Math.exp, whose last bit differs between engines), the same in assembly/.
 * WGSL may reorder and fuse, so the WebGPU variant is held to a tolerance instead (compare.ts).
 */

const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = Math.LOG2E;

/** 2^-k for k = 0..149, exact. */
const NEG_POW2 = (() => {
  const t = new Float64Array(150);
  t[0] = 1;
  for (let k = 1; k < t.length; k++) t[k] = t[k - 1]! / 2;
  return t;
})();

/**
 * e^x for x ≤ 0 (the softmax's logits minus their max), rounded to f32: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its
 * Taylor series to r^11 (error below 1e-12, far under f32's 6e-8), times 2^k exactly.
 * @example expf(0) === 1
 */
export function expf(x: number): number {
  if (x < -103) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1 / 39916800;
  p = p * r + 1 / 3628800;
  p = p * r + 1 / 362880;
  p = p * r + 1 / 40320;
  p = p * r + 1 / 5040;
  p = p * r + 1 / 720;
  p = p * r + 1 / 120;
  p = p * r + 1 / 24;
  p = p * r + 1 / 6;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  return Math.fround(p * NEG_POW2[-k]!);
}
