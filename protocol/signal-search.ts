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

export const SignalSearchOutput = z.strictObject({
  peaks: z.array(Peak).max(256),
});
export type SignalSearchOutput = z.infer<typeof SignalSearchOutput>;
