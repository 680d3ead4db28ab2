/**
 * The training app's reference: its gradients against finite differences of an independent f64 forward pass, its
 * determinism, that its steps learn, and what its sanity check and comparator refuse.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { ModelSpec, TrainingInput } from '../../protocol/training.ts';
import { base64ToBytes, bytesToBase64, decodeF32, decodeI8, encodeF32, encodeI8 } from './codec.ts';
import { compareTraining, relativeL2 } from './compare.ts';
import { codeLimit, compress, decodeCodes, decompress, dequantise, encodeCodes } from './compress.ts';
import { loadMnist, type MnistSplit, TRAIN_SIZE } from './dataset.ts';
import { trainingInput } from './input.ts';
import { CLASSES, KERNEL, layoutOf, PIXELS, POOL_SIDE, SIDE } from './model.ts';
import { initialParameters } from './model.ts';
import { batchGradient, referenceSteps } from './reference.ts';
import { checkTraining } from './sanity.ts';
import { signFlippedCodes } from '../testing/training-results.ts';
import { runTrainingUnit, trainingPixels } from './unit.ts';

let split: MnistSplit;
beforeAll(async () => {
  split = await loadMnist();
});

/**
 * Mean cross-entropy at θ in f64, written apart from the reference (plain loops, no layout helpers), against targets
 * smoothed by ε: 1 − ε on the class plus ε/10 on every class.
 */
function lossF64(
  spec: ModelSpec,
  theta: Float64Array,
  { pixels, labels, epsilon }: { pixels: Float32Array; labels: Uint8Array; epsilon: number },
  digits: number[],
) {
  const at = Object.fromEntries(layoutOf(spec).tensors.map((t) => [t.name, t.offset]));
  const h = spec.hidden;
  let total = 0;
  for (const d of digits) {
    const x = Array.from(pixels.subarray(d * PIXELS, (d + 1) * PIXELS));
    let input = x;
    if (spec.kind === 'cnn') {
      const nf = spec.filters;
      input = new Array(POOL_SIDE * POOL_SIDE * nf).fill(0);
      for (let py = 0; py < POOL_SIDE; py++)
        for (let px = 0; px < POOL_SIDE; px++)
          for (let c = 0; c < nf; c++) {
            let best = -Infinity;
            for (let dy = 0; dy < 2; dy++)
              for (let dx = 0; dx < 2; dx++) {
                let v = theta[at.bk! + c]!;
                for (let ky = 0; ky < KERNEL; ky++)
                  for (let kx = 0; kx < KERNEL; kx++)
                    v += x[(2 * py + dy + ky) * SIDE + 2 * px + dx + kx]! * theta[at.K! + (ky * KERNEL + kx) * nf + c]!;
                best = Math.max(best, v);
              }
            input[(py * POOL_SIDE + px) * nf + c] = Math.max(0, best);
          }
    }
    const hidden = Array.from({ length: h }, (_, j) => {
      let v = theta[at.b1! + j]!;
      for (let i = 0; i < input.length; i++) v += input[i]! * theta[at.W1! + i * h + j]!;
      return Math.max(0, v);
    });
    const logits = Array.from({ length: CLASSES }, (_, k) => {
      let v = theta[at.b2! + k]!;
      for (let j = 0; j < h; j++) v += hidden[j]! * theta[at.W2! + j * CLASSES + k]!;
      return v;
    });
    const top = Math.max(...logits);
    const lse = top + Math.log(logits.reduce((s, z) => s + Math.exp(z - top), 0));
    // −Σ t_k·log p_k = lse − Σ t_k·z_k, and Σ t_k = 1.
    const targeted = logits.reduce((s, z, k) => s + (epsilon / CLASSES + (k === labels[d] ? 1 - epsilon : 0)) * z, 0);
    total += lse - targeted;
  }
  return total / digits.length;
}

describe.each<[ModelSpec, number]>([
  [{ kind: 'mlp', hidden: 12 }, 0],
  [{ kind: 'cnn', filters: 4, hidden: 8 }, 0],
  [{ kind: 'mlp', hidden: 12 }, 0.1],
  [{ kind: 'cnn', filters: 4, hidden: 8 }, 0.1],
])('gradients of %o, label smoothing %d', (spec, epsilon) => {
  test('default: every tensor agrees with central finite differences of the f64 loss', () => {
    const theta = initialParameters(spec, 7);
    // Biases off zero: at zero every blank window of the CNN sits on the ReLU's kink, where no derivative exists.
    for (const t of layoutOf(spec).tensors.filter((t) => t.bias)) {
      for (let i = 0; i < t.length; i++) theta[t.offset + i] = 0.05 * Math.sin(7 * i + t.offset);
    }
    const pixels = trainingPixels(split);
    const digits = [3, 141, 592, 6535];
    const { grad } = batchGradient(
      { model: spec, parameters: theta, pixels, labels: split.train.labels, labelSmoothing: epsilon },
      Int32Array.from(digits),
    );
    const base = Float64Array.from(theta);
    const eps = 1e-4;
    for (const t of layoutOf(spec).tensors) {
      // The largest-gradient entries of each tensor, and a few others: where a wrong index would show.
      const order = [...Array(t.length).keys()].sort(
        (a, b) => Math.abs(grad[t.offset + b]!) - Math.abs(grad[t.offset + a]!),
      );
      for (const i of [...order.slice(0, 4), order[Math.floor(order.length / 3)]!]) {
        const p = base.slice();
        const m = base.slice();
        p[t.offset + i]! += eps;
        m[t.offset + i]! -= eps;
        const data = { pixels, labels: split.train.labels, epsilon };
        const numeric = (lossF64(spec, p, data, digits) - lossF64(spec, m, data, digits)) / (2 * eps);
        const analytic = grad[t.offset + i]!;
        expect(Math.abs(analytic - numeric), `${t.name}[${i}]: ${analytic} vs ${numeric}`).toBeLessThan(
          2e-3 * Math.max(1e-2, Math.abs(numeric)),
        );
      }
    }
  });
});

function unit(overrides: Partial<Parameters<typeof trainingInput>[0]> = {}): TrainingInput {
  const model = { kind: 'mlp', hidden: 16 } as const;
  return trainingInput({
    model,
    version: 3,
    parameters: initialParameters(model, 11),
    samples: Uint16Array.from({ length: 400 }, (_, i) => (i * 17) % TRAIN_SIZE),
    seed: 5,
    steps: 40,
    batch: 10,
    inner: { lr: 0.05, momentum: 0.9 },
    block: 256,
    ...overrides,
  });
}

describe('a unit on the reference', () => {
  test('default: the steps learn, and the result is sane and names its version', () => {
    const input = unit({ steps: 150, inner: { lr: 0.05, momentum: 0 } });
    const output = runTrainingUnit(input, split, referenceSteps);
    expect(output.version).toBe(3);
    expect(checkTraining(input, output)).toBeUndefined();
    expect(output.loss.first).toBeGreaterThan(1.5);
    expect(output.loss.mean).toBeLessThan(output.loss.first);
    expect(output.loss.last).toBeLessThan(output.loss.first / 2);
    expect(output.loss.accuracy).toBeGreaterThan(0.5);
  });

  test('behavior: the same unit twice gives the same bytes; another seed, other bytes', () => {
    const input = unit({ steps: 5 });
    const a = runTrainingUnit(input, split, referenceSteps);
    expect(runTrainingUnit(input, split, referenceSteps)).toEqual(a);
    const other = runTrainingUnit({ ...input, seed: 6 }, split, referenceSteps);
    expect(other.digest).not.toBe(a.digest);
    expect(compareTraining(input, a, other)).toBe('mismatch');
    expect(compareTraining(input, a, a)).toBe('match');
  });

  test('error: a sign-flipped, a stale and a truncated result are refused', () => {
    const input = unit({ steps: 5 });
    const honest = runTrainingUnit(input, split, referenceSteps);
    const flipped = { ...honest, codes: encodeI8(decodeI8(honest.codes).map((c) => -c)) };
    expect(checkTraining(input, flipped)).toBeUndefined();
    expect(compareTraining(input, honest, flipped)).toBe('mismatch');
    expect(checkTraining(input, { ...honest, version: 2 })).toMatch(/version 2/);
    expect(compareTraining(input, honest, { ...honest, version: 2 })).toBe('mismatch');
    const short = { ...honest, codes: encodeI8(decodeI8(honest.codes).subarray(1)) };
    expect(checkTraining(input, short)).toMatch(/codes for a model/);
    const negative = { ...honest, scales: encodeF32(decodeF32(honest.scales)!.map((s) => -s)) };
    expect(checkTraining(input, negative)).toMatch(/scale negative/);
  });

  test('behavior: a 4-bit unit sends half the bytes of codes; its replicas are checked as 8-bit ones', () => {
    const input = unit({ steps: 5, bits: 4 });
    const honest = runTrainingUnit(input, split, referenceSteps);
    const wide = runTrainingUnit({ ...input, bits: 8 }, split, referenceSteps);
    const size = decodeI8(wide.codes).length;
    expect(base64ToBytes(honest.codes).length).toBe(Math.ceil(size / 2));
    expect(checkTraining(input, honest)).toBeUndefined();
    expect(runTrainingUnit(input, split, referenceSteps)).toEqual(honest);
    expect(compareTraining(input, honest, honest)).toBe('match');
    // The same Δ as the 8-bit unit's, coarser: within a 4-bit quantum of it (relative L2 well under 1).
    const coarse = dequantise(honest, size, input.block, 4)!;
    const fine = dequantise(wide, size, input.block, 8)!;
    expect(relativeL2(coarse, fine)).toBeLessThan(0.5);
    const flipped = { ...honest, codes: signFlippedCodes(honest.codes, size) };
    expect(checkTraining(input, flipped)).toBeUndefined();
    expect(compareTraining(input, honest, flipped)).toBe('mismatch');
  });

  test('error: a 4-bit unit refuses 8-bit codes and a code of -8', () => {
    const input = unit({ steps: 5, bits: 4 });
    const honest = runTrainingUnit(input, split, referenceSteps);
    const wide = runTrainingUnit({ ...input, bits: 8 }, split, referenceSteps);
    expect(checkTraining(input, wide)).toMatch(/8-bit codes for a unit of 4-bit codes/);
    expect(compareTraining(input, honest, wide)).toBe('mismatch');
    expect(checkTraining({ ...input, bits: 8 }, honest)).toMatch(/4-bit codes for a unit of 8-bit codes/);
    const bytes = base64ToBytes(honest.codes);
    bytes[0] = (bytes[0]! & 0xf0) | 0x8; // the first code −8, which the quantiser never writes
    expect(checkTraining(input, { ...honest, codes: bytesToBase64(bytes) })).toMatch(/a code of -8, outside \[-7, 7\]/);
  });

  test('error: parameters of another model are refused before any step', () => {
    const input = unit({ parameters: new Float32Array(10) });
    expect(() => runTrainingUnit(input, split, referenceSteps)).toThrow(/parameters hold 10 f32/);
  });
});

describe.each([8, 4] as const)('compression, %i-bit codes', (bits) => {
  test('default: codes with one scale per block, within one quantum of the input, unbiased over seeds', () => {
    const delta = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * (i % 7));
    const mean = new Float64Array(delta.length);
    const seeds = 200;
    const limit = codeLimit(bits);
    for (let seed = 0; seed < seeds; seed++) {
      const c = compress(delta, 64, seed, bits);
      expect(c.scales.length).toBe(16);
      expect(c.codes.every((q) => Math.abs(q) <= limit)).toBe(true);
      const back = decompress(c, 64);
      for (let i = 0; i < back.length; i++) {
        expect(Math.abs(back[i]! - delta[i]!)).toBeLessThanOrEqual(c.scales[Math.floor(i / 64)]! * 1.0001);
        mean[i]! += back[i]! / seeds;
      }
    }
    // Unbiased: the mean over 200 seeds is within 4 standard errors (quantum/√(4·200)) of the input.
    const quantum = 6 / limit;
    const worst = Math.max(...mean.map((m, i) => Math.abs(m - delta[i]!)));
    expect(worst).toBeLessThan((4 * quantum) / Math.sqrt(4 * seeds));
  });

  test('behavior: the wire carries the codes as they were, an odd count too; other lengths refused', () => {
    for (const count of [1000, 999]) {
      const { codes } = compress(
        Float32Array.from({ length: count }, (_, i) => Math.cos(i)),
        64,
        3,
        bits,
      );
      const text = encodeCodes(codes, bits);
      expect(base64ToBytes(text).length).toBe(bits === 8 ? count : Math.ceil(count / 2));
      expect(decodeCodes(text, count)).toEqual({ codes, bits });
      expect(decodeCodes(text, count + 3)).toBeUndefined();
    }
    if (bits === 8) return;
    // Every model has an even count (protocol/training.ts), but the format allows odd ones: the last nibble pads, 0.
    const { codes } = compress(
      Float32Array.from({ length: 999 }, (_, i) => Math.cos(i)),
      64,
      3,
      bits,
    );
    const bytes = base64ToBytes(encodeCodes(codes, bits));
    bytes[bytes.length - 1]! |= 0x10;
    expect(decodeCodes(bytesToBase64(bytes), 999)).toBeUndefined();
  });
});
