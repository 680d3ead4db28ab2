// One local step of the training app (reference.ts) on one batch, as six entry points dispatched in turn: the
// convolution and max-pool (CNN only), the hidden layer, the logits with softmax and its gradient, the hidden
// layer's gradient, the pooled layer's gradient (CNN only), and per parameter its batch gradient with the momentum
// step. Every sum runs in the reference's order (ascending input, then ascending sample; the 4-lane order where
// the reference takes it), so results differ from it only where WGSL may fuse a multiply-add, in the division,
// and in exp's last bit (compare.ts's tolerance). Layouts are model.ts's; an MLP is the CNN with FILTERS = 0.

override FILTERS: u32;
override HIDDEN: u32;
override BATCH: u32;
// Inputs of the first dense layer: 784 for the MLP, 12·12·FILTERS pooled for the CNN.
override DENSE_IN: u32;

const PIXELS = 784u;
const SIDE = 28u;
const KERNEL = 5u;
const CONV_SIDE = 24u;
const POOL_SIDE = 12u;
const CLASSES = 10u;

// θ's tensors (model.ts): K [25][F], bk [F], W1 [DENSE_IN][H], b1 [H], W2 [H][10], b2 [10].
override OFF_BK: u32 = KERNEL * KERNEL * FILTERS;
override OFF_W1: u32 = OFF_BK + FILTERS;
override OFF_B1: u32 = OFF_W1 + DENSE_IN * HIDDEN;
override OFF_W2: u32 = OFF_B1 + HIDDEN;
override OFF_B2: u32 = OFF_W2 + HIDDEN * CLASSES;
override PARAMETERS: u32 = OFF_B2 + CLASSES;

// The scratch `act`: pooled input and its gradient (CNN only), hidden and its gradient, the logits' gradient.
override POOLED: u32 = select(0u, BATCH * DENSE_IN, FILTERS > 0u);
override ACT_DINPUT: u32 = POOLED;
override ACT_HIDDEN: u32 = 2u * POOLED;
override ACT_DHIDDEN: u32 = ACT_HIDDEN + BATCH * HIDDEN;
override ACT_DLOGITS: u32 = ACT_DHIDDEN + BATCH * HIDDEN;

// The loss's targets `on` at the class and `off` elsewhere: 1 and 0, or smoothed (steps.ts smoothedTargets).
struct Step { lr: f32, mu: f32, inv_batch: f32, wd: f32, on: f32, off: f32 }

@group(0) @binding(0) var<storage, read_write> theta: array<f32>;
@group(0) @binding(1) var<storage, read_write> velocity: array<f32>;
// This step's digits, BATCH × 784, and their labels.
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> act: array<f32>;
// Per pooled output, the position in its 2×2 window of the first largest convolution (dy·2 + dx).
@group(0) @binding(5) var<storage, read_write> argmax: array<u32>;
// Per digit of the batch: the probability of its class, then 1 where it was classed right.
@group(0) @binding(6) var<storage, read_write> stats: array<f32>;
@group(0) @binding(7) var<uniform> step: Step;

// e^x for x ≤ 0 in f32: x = k·ln2 + r (ln2 split so k·LN2_HI is exact), e^r by its Taylor series to r^8, times 2^k.
fn expf(v: f32) -> f32 {
  if (v < -103.0) { return 0.0; }
  let k = floor(v * 1.44269504 + 0.5);
  let r = (v - k * 0.693359375) + k * 2.12194440e-4;
  var p = 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return ldexp(p, i32(k));
}

fn dense_in(b: u32, i: u32) -> f32 {
  if (FILTERS == 0u) { return x[b * PIXELS + i]; }
  return act[b * DENSE_IN + i];
}

// The convolution at (y, xx) for filter c: Σ over the 5×5 window in ascending (ky, kx), zero pixels skipped, + bk.
fn conv_at(b: u32, y: u32, xx: u32, c: u32) -> f32 {
  var acc = 0.0;
  for (var ky = 0u; ky < KERNEL; ky++) {
    for (var kx = 0u; kx < KERNEL; kx++) {
      let v = x[b * PIXELS + (y + ky) * SIDE + xx + kx];
      if (v != 0.0) { acc = acc + v * theta[(ky * KERNEL + kx) * FILTERS + c]; }
    }
  }
  return acc + theta[OFF_BK + c];
}

// One invocation per (digit, pooled output): the 2×2 window's first largest convolution, ReLU'd.
@compute @workgroup_size(64)
fn conv_pool(@builtin(global_invocation_id) id: vec3u) {
  let t = id.x;
  if (t >= BATCH * DENSE_IN) { return; }
  let b = t / DENSE_IN;
  let q = t % DENSE_IN;
  let c = q % FILTERS;
  let pos = q / FILTERS;
  let y = 2u * (pos / POOL_SIDE);
  let xx = 2u * (pos % POOL_SIDE);
  var best = conv_at(b, y, xx, c);
  var at = 0u;
  for (var w = 1u; w < 4u; w++) {
    let v = conv_at(b, y + w / 2u, xx + w % 2u, c);
    if (v > best) {
      best = v;
      at = w;
    }
  }
  argmax[t] = at;
  act[t] = max(best, 0.0);
}

// One invocation per (digit, hidden unit): b1[j] + Σ_i in[i]·W1[i][j] in ascending i, zero inputs skipped; ReLU.
@compute @workgroup_size(64)
fn hidden_fwd(@builtin(global_invocation_id) id: vec3u) {
  let t = id.x;
  if (t >= BATCH * HIDDEN) { return; }
  let b = t / HIDDEN;
  let j = t % HIDDEN;
  var acc = 0.0;
  for (var i = 0u; i < DENSE_IN; i++) {
    let v = dense_in(b, i);
    if (v != 0.0) { acc = acc + v * theta[OFF_W1 + i * HIDDEN + j]; }
  }
  acc = acc + theta[OFF_B1 + j];
  act[ACT_HIDDEN + t] = select(0.0, acc, acc > 0.0);
}

// One invocation per digit: the logits, their softmax, the probability of the class and (p − targets)/batch.
@compute @workgroup_size(64)
fn logits(@builtin(global_invocation_id) id: vec3u) {
  let b = id.x;
  if (b >= BATCH) { return; }
  var z: array<f32, 10>;
  for (var k = 0u; k < CLASSES; k++) {
    var acc = 0.0;
    for (var j = 0u; j < HIDDEN; j++) {
      let h = act[ACT_HIDDEN + b * HIDDEN + j];
      if (h != 0.0) { acc = acc + h * theta[OFF_W2 + j * CLASSES + k]; }
    }
    z[k] = acc + theta[OFF_B2 + k];
  }
  var top = 0u;
  for (var k = 1u; k < CLASSES; k++) {
    if (z[k] > z[top]) { top = k; }
  }
  var p: array<f32, 10>;
  var sum = 0.0;
  for (var k = 0u; k < CLASSES; k++) {
    p[k] = expf(z[k] - z[top]);
    sum = sum + p[k];
  }
  let label = labels[b];
  for (var k = 0u; k < CLASSES; k++) {
    let pk = p[k] / sum;
    if (k == label) { stats[b] = pk; }
    act[ACT_DLOGITS + b * CLASSES + k] = (pk - select(step.off, step.on, k == label)) * step.inv_batch;
  }
  stats[BATCH + b] = select(0.0, 1.0, top == label);
}

// One invocation per (digit, hidden unit): Σ_k W2[j][k]·dz[k] in ascending k (10 is no multiple of 4), masked.
@compute @workgroup_size(64)
fn hidden_back(@builtin(global_invocation_id) id: vec3u) {
  let t = id.x;
  if (t >= BATCH * HIDDEN) { return; }
  let b = t / HIDDEN;
  let j = t % HIDDEN;
  var acc = 0.0;
  if (act[ACT_HIDDEN + t] > 0.0) {
    for (var k = 0u; k < CLASSES; k++) {
      acc = acc + theta[OFF_W2 + j * CLASSES + k] * act[ACT_DLOGITS + b * CLASSES + k];
    }
  }
  act[ACT_DHIDDEN + t] = acc;
}

// One invocation per (digit, pooled output), CNN only: Σ_j W1[q][j]·dh[j] in four lanes (j mod 4), masked.
@compute @workgroup_size(64)
fn input_back(@builtin(global_invocation_id) id: vec3u) {
  let t = id.x;
  if (t >= BATCH * DENSE_IN) { return; }
  let b = t / DENSE_IN;
  let q = t % DENSE_IN;
  var out = 0.0;
  if (act[t] > 0.0) {
    var lanes = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var j = 0u; j < HIDDEN; j++) {
      lanes[j % 4u] = lanes[j % 4u] + theta[OFF_W1 + q * HIDDEN + j] * act[ACT_DHIDDEN + b * HIDDEN + j];
    }
    out = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  }
  act[ACT_DINPUT + t] = out;
}

// K[ky][kx][c]'s gradient: over the batch, each pooled output of filter c in ascending order, its gradient times
// the pixel under (ky, kx) of its window's largest position; zero gradients and pixels skipped.
fn grad_k(p: u32) -> f32 {
  // max(…, 1): the MLP's pipeline compiles this too, though no parameter reaches it.
  let c = p % max(FILTERS, 1u);
  let kk = p / max(FILTERS, 1u);
  let ky = kk / KERNEL;
  let kx = kk % KERNEL;
  var g = 0.0;
  for (var b = 0u; b < BATCH; b++) {
    for (var pos = 0u; pos < POOL_SIDE * POOL_SIDE; pos++) {
      let q = b * DENSE_IN + pos * FILTERS + c;
      let d = act[ACT_DINPUT + q];
      if (d == 0.0) { continue; }
      let w = argmax[q];
      let y = 2u * (pos / POOL_SIDE) + w / 2u;
      let xx = 2u * (pos % POOL_SIDE) + w % 2u;
      let v = x[b * PIXELS + (y + ky) * SIDE + xx + kx];
      if (v != 0.0) { g = g + v * d; }
    }
  }
  return g;
}

fn grad_bk(c: u32) -> f32 {
  var g = 0.0;
  for (var b = 0u; b < BATCH; b++) {
    for (var pos = 0u; pos < POOL_SIDE * POOL_SIDE; pos++) {
      let d = act[ACT_DINPUT + b * DENSE_IN + pos * FILTERS + c];
      if (d != 0.0) { g = g + d; }
    }
  }
  return g;
}

// A dense layer's weight gradient Σ_b in[b][i]·d[b][j], zero inputs skipped; its bias's Σ_b d[b][j].
fn grad_w1(p: u32) -> f32 {
  let i = p / HIDDEN;
  let j = p % HIDDEN;
  var g = 0.0;
  for (var b = 0u; b < BATCH; b++) {
    let v = dense_in(b, i);
    if (v != 0.0) { g = g + v * act[ACT_DHIDDEN + b * HIDDEN + j]; }
  }
  return g;
}

fn grad_w2(p: u32) -> f32 {
  let j = p / CLASSES;
  let k = p % CLASSES;
  var g = 0.0;
  for (var b = 0u; b < BATCH; b++) {
    let h = act[ACT_HIDDEN + b * HIDDEN + j];
    if (h != 0.0) { g = g + h * act[ACT_DLOGITS + b * CLASSES + k]; }
  }
  return g;
}

fn grad_bias(offset: u32, width: u32, j: u32) -> f32 {
  var g = 0.0;
  for (var b = 0u; b < BATCH; b++) { g = g + act[offset + b * width + j]; }
  return g;
}

fn gradient(p: u32) -> f32 {
  if (p < OFF_BK) { return grad_k(p); }
  if (p < OFF_W1) { return grad_bk(p - OFF_BK); }
  if (p < OFF_B1) { return grad_w1(p - OFF_W1); }
  if (p < OFF_W2) { return grad_bias(ACT_DHIDDEN, HIDDEN, p - OFF_B1); }
  if (p < OFF_B2) { return grad_w2(p - OFF_W2); }
  return grad_bias(ACT_DLOGITS, CLASSES, p - OFF_B2);
}

// One invocation per parameter: v ← μ·v + g; θ ← θ − lr·v, after every other stage of the step has read θ. With a
// weight decay, g + wd·θ in place of g; without one (wd 0) g itself, so the steps keep their bits as before it.
@compute @workgroup_size(64)
fn update(@builtin(global_invocation_id) id: vec3u) {
  let p = id.x;
  if (p >= PARAMETERS) { return; }
  var g = gradient(p);
  if (step.wd != 0.0) { g = g + step.wd * theta[p]; }
  let v = step.mu * velocity[p] + g;
  velocity[p] = v;
  theta[p] = theta[p] - step.lr * v;
}
