/**
 * @module worker-kernels/signal-search/flops
 * The floating-point operations a signal-search unit takes, counted by the conventions BOINC's projects use
 * (an FFT of n points is 5·n·log2(n); a sine or cosine about 10). Credit is granted from this estimate, never
 * from a host's claim. Its output costs every FFT (protocol/signal-search.ts says why); the count is nominal, as
 * FFT benchmarks count, so an FFT with fewer operations (split radix) is still credited 5·n·log2(n).
 */
import type { SignalSearchInput } from '../../protocol/signal-search.ts';

const TRANSCENDENTAL = 10;

export function estimateSignalSearchFlops(input: SignalSearchInput): number {
  const { sampleCount, tones } = input.signal;
  const generate = sampleCount * (4 * TRANSCENDENTAL + tones.length * (2 * TRANSCENDENTAL + 8));
  const perDrift =
    sampleCount * (2 * TRANSCENDENTAL + 8) + // de-chirp
    (sampleCount / input.fftSize) * 5 * input.fftSize * Math.log2(input.fftSize) + // FFTs
    sampleCount * 7; // power, SNR, threshold, and √snr into the amplitude sum
  return generate + input.driftRates.length * perDrift;
}
