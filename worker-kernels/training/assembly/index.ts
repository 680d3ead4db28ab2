// @module worker-kernels/training/assembly
// The training steps in WebAssembly SIMD (AssemblyScript), bit for bit the reference's (../reference.ts; the rules
// are in ../determinism.ts): f32 throughout, no fused multiply-add, SIMD only across independent outputs (a layer's
// output columns, the CNN's filters, the parameters of an update), every sum in the reference's order. The driver
// (../wasm.ts) lays every buffer out in linear memory and passes pointers; the digits come gathered in step order.

const PIXELS = 784;
const SIDE = 28;
const KERNEL = 5;
const CONV = 24;
const POOL = 12;
const CLASSES = 10;

/** Bump allocation from the stub runtime; the driver resets before each unit. */
export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

export function reset(): void {
  heap.reset();
}

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f32 {
  return load<f32>(at(p, i));
}

// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f32): void {
  store<f32>(at(p, i), v);
}

/** out[j] += x·w[row + j] for j < n, four at a time, the rest one by one. */
function axpy(x: f32, w: usize, out: usize, n: i32): void {
  const xs = f32x4.splat(x);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    v128.store(at(out, j), f32x4.add(v128.load(at(out, j)), f32x4.mul(xs, v128.load(at(w, j)))));
  }
  for (; j < n; j++) st(out, j, ld(out, j) + x * ld(w, j));
}

/** out[j] = bias[j] + Σ_i in[i]·W[i·n + j], zero inputs skipped. */
function dense(input: usize, m: i32, w: usize, bias: usize, out: usize, n: i32): void {
  memory.fill(out, 0, <usize>n << 2);
  for (let i = 0; i < m; i++) {
    const x = ld(input, i);
    if (x == 0) continue;
    axpy(x, at(w, i * n), out, n);
  }
  for (let j = 0; j < n; j++) st(out, j, ld(out, j) + ld(bias, j));
}

function accumulateOuter(input: usize, m: i32, d: usize, g: usize, n: i32): void {
  for (let i = 0; i < m; i++) {
    const x = ld(input, i);
    if (x == 0) continue;
    axpy(x, d, at(g, i * n), n);
  }
}

/** A four-lane dot product where n % 4 == 0, added (l0 + l1) + (l2 + l3); else ascending. */
function dot(w: usize, d: usize, n: i32): f32 {
  if (n % 4 == 0) {
    let acc = f32x4.splat(0);
    for (let j = 0; j < n; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(at(w, j)), v128.load(at(d, j))));
    const a = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1);
    const b = f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    return a + b;
  }
  let acc: f32 = 0;
  for (let j = 0; j < n; j++) acc += ld(w, j) * ld(d, j);
  return acc;
}

function backDense(w: usize, d: usize, n: i32, mask: usize, back: usize, m: i32): void {
  for (let i = 0; i < m; i++) st(back, i, ld(mask, i) > 0 ? dot(at(w, i * n), d, n) : 0);
}

function relu(a: usize, n: i32): void {
  for (let i = 0; i < n; i++) if (!(ld(a, i) > 0)) st(a, i, 0);
}

const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const INV_LN2: f64 = 1.4426950408889634;

/** ../determinism.ts's expf, operation for operation. */
function expf(x: f64): f32 {
  if (x < -103) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  let p: f64 = 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const pow2 = reinterpret<f64>(<i64>(1023 + <i32>k) << 52);
  return <f32>(p * pow2);
}

/** Softmax of 10 logits into probs; the first largest logit's index. */
function softmax(z: usize, p: usize): i32 {
  let top = 0;
  for (let k = 1; k < CLASSES; k++) if (ld(z, k) > ld(z, top)) top = k;
  let sum: f32 = 0;
  for (let k = 0; k < CLASSES; k++) {
    const e = expf(<f64>(ld(z, k) - ld(z, top)));
    st(p, k, e);
    sum += e;
  }
  for (let k = 0; k < CLASSES; k++) st(p, k, ld(p, k) / sum);
  return top;
}

/** conv[(y·24 + x)·F + c] = bk[c] + Σ_{ky,kx} in[(y+ky)·28 + x+kx]·K[(ky·5 + kx)·F + c], zero pixels skipped. */
function convForward(x: usize, k: usize, bk: usize, conv: usize, nf: i32): void {
  memory.fill(conv, 0, <usize>(CONV * CONV * nf) << 2);
  for (let y = 0; y < CONV; y++) {
    for (let xx = 0; xx < CONV; xx++) {
      const o = at(conv, (y * CONV + xx) * nf);
      for (let ky = 0; ky < KERNEL; ky++) {
        for (let kx = 0; kx < KERNEL; kx++) {
          const v = ld(x, (y + ky) * SIDE + xx + kx);
          if (v == 0) continue;
          axpy(v, at(k, (ky * KERNEL + kx) * nf), o, nf);
        }
      }
      for (let c = 0; c < nf; c++) st(o, c, ld(o, c) + ld(bk, c));
    }
  }
}

function pool(conv: usize, argmax: usize, pooled: usize, nf: i32): void {
  for (let py = 0; py < POOL; py++) {
    for (let px = 0; px < POOL; px++) {
      for (let c = 0; c < nf; c++) {
        const a0 = (2 * py * CONV + 2 * px) * nf + c;
        let best = a0;
        const a1 = a0 + nf;
        const a2 = a0 + CONV * nf;
        const a3 = a2 + nf;
        if (ld(conv, a1) > ld(conv, best)) best = a1;
        if (ld(conv, a2) > ld(conv, best)) best = a2;
        if (ld(conv, a3) > ld(conv, best)) best = a3;
        const q = (py * POOL + px) * nf + c;
        store<i32>(at(argmax, q), best);
        st(pooled, q, max<f32>(ld(conv, best), 0));
      }
    }
  }
}

function convBackward(x: usize, dPooled: usize, argmax: usize, gk: usize, gbk: usize, nf: i32): void {
  const n = POOL * POOL * nf;
  for (let q = 0; q < n; q++) {
    const d = ld(dPooled, q);
    if (d == 0) continue;
    const a = load<i32>(at(argmax, q));
    const c = a % nf;
    const pos = a / nf;
    const y = pos / CONV;
    const xx = pos % CONV;
    st(gbk, c, ld(gbk, c) + d);
    for (let ky = 0; ky < KERNEL; ky++) {
      for (let kx = 0; kx < KERNEL; kx++) {
        const v = ld(x, (y + ky) * SIDE + xx + kx);
        if (v == 0) continue;
        const i = (ky * KERNEL + kx) * nf + c;
        st(gk, i, ld(gk, i) + v * d);
      }
    }
  }
}

/** v ← μ·v + g; θ ← θ − lr·v over n parameters; g + wd·θ in place of g where wd is not 0 (as ../reference.ts). */
function momentumStep(theta: usize, velocity: usize, grad: usize, n: i32, lr: f32, mu: f32, wd: f32): void {
  // The weight decay's L2 gradient, g ← g + wd·θ, each product and sum rounded to f32 (axpy's arithmetic).
  if (wd != 0) axpy(wd, theta, grad, n);
  const lrs = f32x4.splat(lr);
  const mus = f32x4.splat(mu);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = f32x4.add(f32x4.mul(mus, v128.load(at(velocity, i))), v128.load(at(grad, i)));
    v128.store(at(velocity, i), v);
    v128.store(at(theta, i), f32x4.sub(v128.load(at(theta, i)), f32x4.mul(lrs, v)));
  }
  for (; i < n; i++) {
    const v = mu * ld(velocity, i) + ld(grad, i);
    st(velocity, i, v);
    st(theta, i, ld(theta, i) - lr * v);
  }
}

/**
 * H steps of minibatch SGD with momentum (and weight decay wd, 0 for none) on the cross-entropy against targets `on`
 * at the class and `off` elsewhere (label smoothing: steps.ts smoothedTargets; 1 and 0 for none). theta (P f32) is
 * updated in place;
 * velocity and grad are P f32 of scratch (velocity zeroed here); digits are steps·batch·784 f32 in step order,
 * labels steps·batch u8; probs receives each digit's probability of its class; scratch holds the activations
 * (wasm.ts sizes it). filters = 0 is the MLP.
 * Returns how many digits were classed right before their step.
 */
export function train(
  filters: i32, hidden: i32, theta: usize, size: i32, velocity: usize, grad: usize,
  digits: usize, labels: usize, steps: i32, batch: i32, lr: f32, mu: f32, wd: f32, on: f32, off: f32, probs: usize,
  scratch: usize,
): i32 {
  const nf = filters;
  const denseIn = nf > 0 ? POOL * POOL * nf : PIXELS;
  // θ's tensors in model.ts's order, and the gradient's at the same offsets.
  const kOff = 0;
  const bkOff = kOff + KERNEL * KERNEL * nf;
  const w1Off = nf > 0 ? bkOff + nf : 0;
  const b1Off = w1Off + denseIn * hidden;
  const w2Off = b1Off + hidden;
  const b2Off = w2Off + hidden * CLASSES;
  // Activations.
  const input = scratch;
  const dInput = at(input, denseIn);
  const h = at(dInput, denseIn);
  const dh = at(h, hidden);
  const logits = at(dh, hidden);
  const p = at(logits, CLASSES);
  const dLogits = at(p, CLASSES);
  const conv = at(dLogits, CLASSES);
  const argmax = at(conv, CONV * CONV * nf);
  const invBatch: f32 = <f32>1 / <f32>batch;
  memory.fill(velocity, 0, <usize>size << 2);
  let correct = 0;
  for (let s = 0; s < steps; s++) {
    memory.fill(grad, 0, <usize>size << 2);
    for (let b = 0; b < batch; b++) {
      const n = s * batch + b;
      const x = at(digits, n * PIXELS);
      const label = <i32>load<u8>(labels + <usize>n);
      if (nf > 0) {
        convForward(x, at(theta, kOff), at(theta, bkOff), conv, nf);
        pool(conv, argmax, input, nf);
      } else memory.copy(input, x, PIXELS << 2);
      dense(input, denseIn, at(theta, w1Off), at(theta, b1Off), h, hidden);
      relu(h, hidden);
      dense(h, hidden, at(theta, w2Off), at(theta, b2Off), logits, CLASSES);
      if (softmax(logits, p) == label) correct++;
      st(probs, n, ld(p, label));
      for (let k = 0; k < CLASSES; k++) st(dLogits, k, (ld(p, k) - (k == label ? on : off)) * invBatch);
      accumulateOuter(h, hidden, dLogits, at(grad, w2Off), CLASSES);
      for (let k = 0; k < CLASSES; k++) st(grad, b2Off + k, ld(grad, b2Off + k) + ld(dLogits, k));
      backDense(at(theta, w2Off), dLogits, CLASSES, h, dh, hidden);
      accumulateOuter(input, denseIn, dh, at(grad, w1Off), hidden);
      for (let j = 0; j < hidden; j++) st(grad, b1Off + j, ld(grad, b1Off + j) + ld(dh, j));
      if (nf > 0) {
        backDense(at(theta, w1Off), dh, hidden, input, dInput, denseIn);
        convBackward(x, dInput, argmax, at(grad, kOff), at(grad, bkOff), nf);
      }
    }
    momentumStep(theta, velocity, grad, size, lr, mu, wd);
  }
  return correct;
}

/** How many of `count` digits (784 f32 each, labels u8) the model at θ classes right: the held-out accuracy. */
export function evaluate(
  filters: i32, hidden: i32, theta: usize, digits: usize, labels: usize, count: i32, scratch: usize,
): i32 {
  const nf = filters;
  const denseIn = nf > 0 ? POOL * POOL * nf : PIXELS;
  const w1Off = nf > 0 ? KERNEL * KERNEL * nf + nf : 0;
  const b1Off = w1Off + denseIn * hidden;
  const w2Off = b1Off + hidden;
  const b2Off = w2Off + hidden * CLASSES;
  const input = scratch;
  const h = at(input, denseIn);
  const logits = at(h, hidden);
  const p = at(logits, CLASSES);
  const conv = at(p, CLASSES);
  const argmax = at(conv, CONV * CONV * nf);
  let correct = 0;
  for (let n = 0; n < count; n++) {
    const x = at(digits, n * PIXELS);
    if (nf > 0) {
      convForward(x, theta, at(theta, KERNEL * KERNEL * nf), conv, nf);
      pool(conv, argmax, input, nf);
    } else memory.copy(input, x, PIXELS << 2);
    dense(input, denseIn, at(theta, w1Off), at(theta, b1Off), h, hidden);
    relu(h, hidden);
    dense(h, hidden, at(theta, w2Off), at(theta, b2Off), logits, CLASSES);
    if (softmax(logits, p) == <i32>load<u8>(labels + <usize>n)) correct++;
  }
  return correct;
}
