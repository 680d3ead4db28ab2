/**
 * @module worker-kernels/training/reference
 * The reference training steps in TypeScript, the truth every variant is held to bit for bit (determinism.ts says
 * how): minibatch SGD with heavy-ball momentum on the MLP or the CNN, softmax cross-entropy, gradients summed over
 * the batch in ascending sample order. Written for clarity; assembly/ is the fast one.
 */
import type { ModelSpec } from '../../protocol/training.ts';
import { expf } from './determinism.ts';
import { CLASSES, KERNEL, layoutOf, PIXELS, POOL_SIDE, SIDE } from './model.ts';
import { type Net, netOf } from './net.ts';
import { type StepsJob, type StepsResult, smoothedTargets } from './steps.ts';

const f = Math.fround;

/** out[j] = bias[j] + Σ_i in[i]·W[i·n + j], each output summed in ascending i, zero inputs skipped. */
export function dense(input: Float32Array, w: Float32Array, bias: Float32Array, out: Float32Array): void {
  const n = out.length;
  out.fill(0);
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    if (x === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) out[j] = f(out[j]! + f(x * w[row + j]!));
  }
  for (let j = 0; j < n; j++) out[j] = f(out[j]! + bias[j]!);
}

/** g[i·n + j] += in[i]·d[j]: one sample's contribution to a dense layer's weight gradient. */
export function accumulateOuter(input: Float32Array, d: Float32Array, g: Float32Array): void {
  const n = d.length;
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    if (x === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) g[row + j] = f(g[row + j]! + f(x * d[j]!));
  }
}

/**
 * back[i] = Σ_j W[i·n + j]·d[j], masked by mask[i] > 0 (the ReLU's derivative). When n is a multiple of 4 the sum
 * runs in four lanes (j mod 4, each ascending) added as (l0 + l1) + (l2 + l3): the order a SIMD dot product takes;
 * otherwise in ascending j.
 */
export function backDense(w: Float32Array, d: Float32Array, mask: Float32Array, back: Float32Array): void {
  const n = d.length;
  const lanes = new Float32Array(4);
  for (let i = 0; i < back.length; i++) {
    if (!(mask[i]! > 0)) {
      back[i] = 0;
      continue;
    }
    if (n % 4 === 0) {
      lanes.fill(0);
      for (let j = 0; j < n; j++) lanes[j % 4] = f(lanes[j % 4]! + f(w[i * n + j]! * d[j]!));
      back[i] = f(f(lanes[0]! + lanes[1]!) + f(lanes[2]! + lanes[3]!));
      continue;
    }
    let acc = 0;
    for (let j = 0; j < n; j++) acc = f(acc + f(w[i * n + j]! * d[j]!));
    back[i] = acc;
  }
}

export const relu = (a: Float32Array) => {
  for (let i = 0; i < a.length; i++) if (!(a[i]! > 0)) a[i] = 0;
};

/** Softmax of z into p; returns the index of the largest logit (first on ties). */
export function softmax(z: Float32Array, p: Float32Array): number {
  let top = 0;
  for (let k = 1; k < z.length; k++) if (z[k]! > z[top]!) top = k;
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    p[k] = expf(f(z[k]! - z[top]!));
    sum = f(sum + p[k]!);
  }
  for (let k = 0; k < z.length; k++) p[k] = f(p[k]! / sum);
  return top;
}

function convForward(net: Net, x: Float32Array): void {
  const { filters: nf, K, bk, conv } = net.cnn!;
  const cs = SIDE - KERNEL + 1;
  conv.fill(0);
  for (let y = 0; y < cs; y++) {
    for (let xx = 0; xx < cs; xx++) {
      const o = (y * cs + xx) * nf;
      for (let ky = 0; ky < KERNEL; ky++) {
        for (let kx = 0; kx < KERNEL; kx++) {
          const v = x[(y + ky) * SIDE + xx + kx]!;
          if (v === 0) continue;
          const k = (ky * KERNEL + kx) * nf;
          for (let c = 0; c < nf; c++) conv[o + c] = f(conv[o + c]! + f(v * K[k + c]!));
        }
      }
      for (let c = 0; c < nf; c++) conv[o + c] = f(conv[o + c]! + bk[c]!);
    }
  }
}

/** Max-pool 2×2 of the ReLU'd convolution; remembers each window's first largest position. */
function pool(net: Net): void {
  const { filters: nf, conv, argmax } = net.cnn!;
  const cs = 2 * POOL_SIDE;
  for (let py = 0; py < POOL_SIDE; py++) {
    for (let px = 0; px < POOL_SIDE; px++) {
      for (let c = 0; c < nf; c++) {
        let best = (2 * py * cs + 2 * px) * nf + c;
        for (const [dy, dx] of [
          [0, 1],
          [1, 0],
          [1, 1],
        ] as const) {
          const at = ((2 * py + dy) * cs + 2 * px + dx) * nf + c;
          if (conv[at]! > conv[best]!) best = at;
        }
        const q = (py * POOL_SIDE + px) * nf + c;
        argmax[q] = best;
        net.input[q] = Math.max(conv[best]!, 0);
      }
    }
  }
}

/** The convolution's gradients from the pooled layer's: each window's gradient reaches its largest position only. */
function convBackward(net: Net, x: Float32Array): void {
  const { filters: nf, gK, gbk, argmax } = net.cnn!;
  const cs = 2 * POOL_SIDE;
  for (let q = 0; q < net.dInput.length; q++) {
    const d = net.dInput[q]!;
    if (d === 0) continue;
    const at = argmax[q]!;
    const c = at % nf;
    const pos = (at - c) / nf;
    const y = Math.floor(pos / cs);
    const xx = pos % cs;
    gbk[c] = f(gbk[c]! + d);
    for (let ky = 0; ky < KERNEL; ky++) {
      for (let kx = 0; kx < KERNEL; kx++) {
        const v = x[(y + ky) * SIDE + xx + kx]!;
        if (v === 0) continue;
        const k = (ky * KERNEL + kx) * nf + c;
        gK[k] = f(gK[k]! + f(v * d));
      }
    }
  }
}

/** One digit forward: net.probs its softmax; returns the class of its largest logit (the first on ties). */
function forward(net: Net, x: Float32Array): number {
  if (net.cnn) {
    convForward(net, x);
    pool(net);
  } else net.input.set(x);
  dense(net.input, net.W1, net.b1, net.hidden);
  relu(net.hidden);
  dense(net.hidden, net.W2, net.b2, net.logits);
  return softmax(net.logits, net.probs);
}

/**
 * The model's softmax over the classes for each of `count` digits (784 f32 each in `pixels`), CLASSES per digit in
 * their order, and the class each is given (its largest logit, the first on ties): the coordinator's evaluation,
 * which needs every class's probability for a smoothed loss.
 */
export function referenceProbabilities(
  model: ModelSpec,
  parameters: Float32Array,
  pixels: Float32Array,
  count: number,
) {
  const net = netOf(model, parameters);
  const probabilities = new Float32Array(count * CLASSES);
  const classes = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    classes[n] = forward(net, pixels.subarray(n * PIXELS, (n + 1) * PIXELS));
    probabilities.set(net.probs, n * CLASSES);
  }
  return { probabilities, classes };
}

/**
 * One digit forward and backward against the targets (on its class, off elsewhere), its gradient added to net.grad;
 * returns whether it was classed right.
 */
function sample(
  net: Net,
  x: Float32Array,
  label: number,
  { invBatch, targets }: { readonly invBatch: number; readonly targets: ReturnType<typeof smoothedTargets> },
  probs: Float32Array,
  at: number,
) {
  const top = forward(net, x);
  probs[at] = net.probs[label]!;
  const { on, off } = targets;
  for (let k = 0; k < CLASSES; k++) net.dLogits[k] = f(f(net.probs[k]! - (k === label ? on : off)) * invBatch);
  accumulateOuter(net.hidden, net.dLogits, net.gW2);
  for (let k = 0; k < CLASSES; k++) net.gb2[k] = f(net.gb2[k]! + net.dLogits[k]!);
  backDense(net.W2, net.dLogits, net.hidden, net.dHidden);
  accumulateOuter(net.input, net.dHidden, net.gW1);
  for (let j = 0; j < net.dHidden.length; j++) net.gb1[j] = f(net.gb1[j]! + net.dHidden[j]!);
  if (net.cnn) {
    backDense(net.W1, net.dHidden, net.input, net.dInput);
    convBackward(net, x);
  }
  return top === label;
}

/**
 * v ← μ·v + g; θ ← θ − lr·v, every entry, in f32; with a weight decay, g + wd·θ in place of g (added only where wd is
 * not 0, so steps without it keep their every bit, the sign of a zero included).
 */
export function momentumStep(
  theta: Float32Array,
  velocity: Float32Array,
  grad: Float32Array,
  { lr, mu, wd }: { readonly lr: number; readonly mu: number; readonly wd: number },
) {
  for (let i = 0; i < theta.length; i++) {
    const g = wd === 0 ? grad[i]! : f(grad[i]! + f(wd * theta[i]!));
    velocity[i] = f(f(mu * velocity[i]!) + g);
    theta[i] = f(theta[i]! - f(lr * velocity[i]!));
  }
}

/**
 * The mean loss gradient over these digits at θ (the reference's one step without the update), the loss's targets
 * smoothed by `labelSmoothing` (absent: one-hot): what the finite-difference test checks. Returns the gradient and
 * each digit's probability of its class.
 */
export function batchGradient(
  job: Pick<StepsJob, 'model' | 'parameters' | 'pixels' | 'labels'> & Partial<Pick<StepsJob, 'labelSmoothing'>>,
  digits: Int32Array,
) {
  const net = netOf(job.model, job.parameters);
  const probabilities = new Float32Array(digits.length);
  const perDigit = { invBatch: f(1 / digits.length), targets: smoothedTargets(job.labelSmoothing ?? 0) };
  digits.forEach((digit, at) => {
    const x = job.pixels.subarray(digit * PIXELS, (digit + 1) * PIXELS);
    sample(net, x, job.labels[digit]!, perDigit, probabilities, at);
  });
  return { grad: net.grad, probabilities };
}

export function referenceSteps(job: StepsJob): StepsResult {
  const net = netOf(job.model, job.parameters);
  const velocity = new Float32Array(job.parameters.length);
  const truthProbability = new Float32Array(job.steps * job.batch);
  const invBatch = f(1 / job.batch);
  const lr = f(job.lr);
  const mu = f(job.momentum);
  const wd = f(job.weightDecay);
  const perDigit = { invBatch, targets: smoothedTargets(job.labelSmoothing) };
  let correct = 0;
  for (let s = 0; s < job.steps; s++) {
    net.grad.fill(0);
    for (let b = 0; b < job.batch; b++) {
      const at = s * job.batch + b;
      const digit = job.order[at]!;
      const x = job.pixels.subarray(digit * PIXELS, (digit + 1) * PIXELS);
      if (sample(net, x, job.labels[digit]!, perDigit, truthProbability, at)) correct++;
    }
    momentumStep(job.parameters, velocity, net.grad, { lr, mu, wd });
  }
  if (layoutOf(job.model).size !== job.parameters.length) throw new Error('parameters changed size');
  return { truthProbability, correct };
}
