// @module worker-kernels/matmul/assembly
// Dense f32 matrix multiply C = A·B in WebAssembly SIMD (AssemblyScript). The same algorithm as bench/matmul.c:
// B is packed eight columns at a time into a contiguous panel, then each 4×8 tile of C is accumulated in eight
// f32x4 registers over the whole inner dimension, so the hot loop reads two sequential streams and stores nothing.
// Requires m % 4 == 0 and n % 8 == 0 (the protocol asks for multiples of 16). Built twice (build-wasm.ts): with
// relaxed SIMD the multiply-adds may fuse (f32x4.relaxed_madd: one FMA on x86 and ARM, as native code gets), and
// without it for engines that lack relaxed SIMD.

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Bump allocation from the stub runtime; the driver resets before each unit. */
export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

export function reset(): void {
  heap.reset();
}

function packPanel(b: usize, panel: usize, k: i32, n: i32, j: i32): void {
  for (let p = 0; p < k; p++) {
    const src = b + ((<usize>p * <usize>n + <usize>j) << 2);
    const dst = panel + (<usize>p << 5);
    v128.store(dst, v128.load(src));
    v128.store(dst, v128.load(src, 16), 16);
  }
}

function tile(a: usize, panel: usize, c: usize, i: i32, j: i32, k: i32, n: i32): void {
  const rowA = <usize>k << 2;
  const a0 = a + <usize>i * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const bp = panel + (<usize>p << 5);
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const off = <usize>p << 2;
    const x0 = v128.load32_splat(a0 + off), x1 = v128.load32_splat(a1 + off);
    const x2 = v128.load32_splat(a2 + off), x3 = v128.load32_splat(a3 + off);
    c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
    c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
    c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
    c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
  }
  const rowC = <usize>n << 2;
  const c0 = c + <usize>i * rowC + (<usize>j << 2);
  v128.store(c0, c00); v128.store(c0, c01, 16);
  v128.store(c0 + rowC, c10); v128.store(c0 + rowC, c11, 16);
  v128.store(c0 + 2 * rowC, c20); v128.store(c0 + 2 * rowC, c21, 16);
  v128.store(c0 + 3 * rowC, c30); v128.store(c0 + 3 * rowC, c31, 16);
}

/** C (m×n) = A (m×k) · B (k×n), all row-major f32; `panel` is scratch of k×8 f32. */
export function matmul(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, panel: usize): void {
  for (let j = 0; j < n; j += 8) {
    packPanel(b, panel, k, n, j);
    for (let i = 0; i < m; i += 4) tile(a, panel, c, i, j, k, n);
  }
}

/** out[i] = Σ_j |C[i][j]|, in f64: the digest of C a result carries (protocol/matmul.ts says why this one). */
export function rowAbsSums(c: usize, m: i32, n: i32, out: usize): void {
  for (let i = 0; i < m; i++) {
    let sum: f64 = 0;
    const row = c + ((<usize>i * <usize>n) << 2);
    for (let j = 0; j < n; j++) sum += Math.abs(<f64>load<f32>(row + (<usize>j << 2)));
    store<f64>(out + (<usize>i << 3), sum);
  }
}
