/**
 * @module protocol/training
 * Wire shapes of the training app (issue 20): one work unit is H local steps of an MLP or a small CNN on one
 * volunteer's shard of MNIST, from model version v; the result is the pseudo-gradient θ_v − θ_after, quantised to
 * int8 per block, with the loss seen on the way and a digest. Every number that changes the result is in the unit,
 * so a replica on another host recomputes it bit for bit (worker-kernels/training/README in docs/training.md).
 * Byte arrays travel as base64 (standard alphabet), little-endian.
 */
import { z } from 'zod';

/** Standard base64 with padding, as btoa writes it. */
export const Base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
  .max(16_000_000);

/** 784 → hidden (ReLU) → 10, softmax cross-entropy. */
export const MlpSpec = z.strictObject({
  kind: z.literal('mlp'),
  /** A multiple of 4, so the kernels' SIMD lanes cover a layer exactly. */
  hidden: z.number().int().min(4).max(512).multipleOf(4),
});

/** 28×28 → conv 5×5 × filters (valid, ReLU) → max-pool 2×2 → hidden (ReLU) → 10, softmax cross-entropy. */
export const CnnSpec = z.strictObject({
  kind: z.literal('cnn'),
  filters: z.number().int().min(4).max(32).multipleOf(4),
  hidden: z.number().int().min(4).max(256).multipleOf(4),
});

export const ModelSpec = z.discriminatedUnion('kind', [MlpSpec, CnnSpec]);
export type ModelSpec = z.infer<typeof ModelSpec>;

/**
 * The optimiser of the H local steps: plain SGD, or heavy-ball momentum (v ← μv + g; θ ← θ − lr·v), with an L2
 * weight decay added to each step's gradient (g + wd·θ), on the cross-entropy with its targets smoothed by ε
 * (labelSmoothing: 1 − ε on the class plus ε/10 on every class). Absent weightDecay or labelSmoothing: none, as every
 * unit before them.
 */
export const InnerOptimizer = z.strictObject({
  lr: z.number().positive().max(10),
  momentum: z.number().min(0).max(0.999),
  weightDecay: z.number().min(0).max(0.1).optional(),
  labelSmoothing: z.number().min(0).max(0.5).optional(),
});
export type InnerOptimizer = z.infer<typeof InnerOptimizer>;

export const TrainingInput = z.strictObject({
  model: ModelSpec,
  /** The model version the steps start from; the result names it back, so a stale result is known as such. */
  version: z.number().int().min(0),
  /** θ_v: the model's parameters as f32 (layout in worker-kernels/training/model.ts), base64. */
  parameters: Base64,
  /** The shard: indices into the 8,000 training digits (worker-kernels/training/dataset.ts) as u16, base64. */
  samples: Base64,
  /** Seeds the batches' order and the quantiser's stochastic rounding. */
  seed: z.number().int().min(0).max(0xffff_ffff),
  /** H, the local steps between synchronisations. */
  steps: z.number().int().min(1).max(2000),
  batch: z.number().int().min(1).max(256),
  inner: InnerOptimizer,
  /** Parameters per quantisation block (each block carries one f32 scale). */
  block: z.number().int().min(16).max(4096),
  /**
   * Bits per code of the result (worker-kernels/training/compress.ts): 8, a byte each in [−127, 127], or 4, two a
   * byte in [−7, 7]. Absent: 8, as every unit before 4-bit codes.
   */
  bits: z.union([z.literal(4), z.literal(8)]).optional(),
  /**
   * Augmentation: each digit seen is shifted by whole pixels, dx and dy each drawn in [−augment, augment] from the
   * seed (worker-kernels/training/unit.ts). Absent or 0: the digits as they are.
   */
  augment: z.number().int().min(0).max(4).optional(),
});
export type TrainingInput = z.infer<typeof TrainingInput>;

export const LossStats = z.strictObject({
  /** Mean cross-entropy of the first and of the last local step's batch, and over all H steps. */
  first: z.number().min(0).finite(),
  last: z.number().min(0).finite(),
  mean: z.number().min(0).finite(),
  /** Share of the H·batch digits seen that the model classed right before stepping on them. */
  accuracy: z.number().min(0).max(1),
});
export type LossStats = z.infer<typeof LossStats>;

/**
 * The compressed pseudo-gradient Δ = θ_v − θ_after: block b's entries are codes[i]·scales[b], codes of the unit's
 * `bits` (int8 in [−127, 127], or int4 in [−7, 7] two a byte), rounded stochastically (unbiased) from a seeded
 * stream, so no error-feedback state is needed and the result is a pure function of the unit.
 */
export const TrainingOutput = z.strictObject({
  version: z.number().int().min(0),
  codes: Base64,
  scales: Base64,
  loss: LossStats,
  /** FNV-1a 64 (hex) over the codes and scales: how replicas and logs name a result at a glance. */
  digest: z.string().regex(/^[0-9a-f]{16}$/),
});
export type TrainingOutput = z.infer<typeof TrainingOutput>;
