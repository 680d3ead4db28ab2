/**
 * @module protocol/signal-search
 * Wire shapes of the signal-search app: what a work unit carries in, what a result carries out.
 * The input is a reference to data, not the data itself: a seeded synthetic signal that every host regenerates
 * bit-for-bit-ish (transcendentals may differ in the last bits between engines, hence the fuzzy comparator).
 */
import { z } from 'zod';

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
const powerOfTwo = (min: number, max: number) =>
  z.number().int().min(min).max(max).refine(isPowerOfTwo, { message: 'must be a power of two' });

export const Tone = z.strictObject({
  /** Frequency at sample 0, in cycles per sample, in [0, 1). */
  frequency: z.number().min(0).lt(1),
  /** Frequency drift in cycles per sample², the Doppler chirp that SETI@home searched over. */
  drift: z.number().min(-1e-3).max(1e-3),
  amplitude: z.number().positive().max(1000),
});
export type Tone = z.infer<typeof Tone>;

export const SignalSearchInput = z
  .strictObject({
    signal: z.strictObject({
      seed: z.number().int().min(0).max(0xffff_ffff),
      sampleCount: powerOfTwo(1 << 8, 1 << 22),
      /** Standard deviation of the complex Gaussian noise, per component. */
      noise: z.number().min(0).max(1000),
      tones: z.array(Tone).max(16),
    }),
    fftSize: powerOfTwo(16, 1 << 16),
    /** Trial chirp rates (cycles per sample²); the signal is de-chirped at each before its FFTs. */
    driftRates: z.array(z.number().min(-1e-3).max(1e-3)).min(1).max(256),
    /** A bin is a peak when its power exceeds threshold × the block's mean power. */
    threshold: z.number().gt(1).max(1e6),
    maxPeaks: z.number().int().min(1).max(256),
  })
  .refine((u) => u.fftSize <= u.signal.sampleCount, {
    message: 'fftSize must not exceed signal.sampleCount',
    path: ['fftSize'],
  });
export type SignalSearchInput = z.infer<typeof SignalSearchInput>;

export const Peak = z.strictObject({
  /** Index into the unit's driftRates. */
  drift: z.number().int().min(0).max(255),
  /** Which block of fftSize samples. */
  block: z.number().int().min(0),
  bin: z.number().int().min(0),
  /** Power over the block's mean power. */
  snr: z.number().positive().finite(),
});
export type Peak = z.infer<typeof Peak>;

/**
 * A search's answer: the peaks, and per trial drift the sum over every block and bin of √snr (the bin's amplitude
 * over the block's RMS amplitude).
 *
 * Why it costs the work credited: the peaks alone do not. A unit with no peak above its threshold is answered by
 * an empty list, and where the tones are known (they are in the input) their bins can be had from a single-bin DFT
 * and the block's mean power from Parseval (Σ|X|² = N·Σ|x|²), without any FFT. amplitudeSums closes that: Σ_k |X_k|
 * has no identity like Parseval's, so each drift's sum needs the magnitude of every bin of every block, that is
 * every FFT. Skipping a share f of a drift's blocks and scaling up the rest misses, for noise, by about
 * 0.15·√(f / sampleCount) relative (a block's Σ √snr has mean 0.886·N and spread 0.135·√N, its normalisation by
 * the block's own mean power taking out most of the bins' spread), which the comparator's 1e-5 hides only while
 * f < (1e-5 / 0.15)²·sampleCount: under 2 % of the largest unit (2^22 samples), 0.1 % of the demo's standard one
 * (2^18), none of its tiny one. worker-kernels/signal-search/shortcuts.test.ts runs these shortcuts, shows them
 * refused, and measures that spread.
 */
export const SignalSearchOutput = z.strictObject({
  peaks: z.array(Peak).max(256),
  /** One per trial drift, in the order of the unit's driftRates. */
  amplitudeSums: z.array(z.number().min(0).finite()).max(256),
});
export type SignalSearchOutput = z.infer<typeof SignalSearchOutput>;
