/**
 * @module worker-kernels/signal-search/compare
 * The validator's comparator for signal-search results, imported by the coordinator. Two results agree when their
 * amplitude sums agree drift by drift, and every peak of each has a peak at the same drift, block and bin in the
 * other with an SNR within a relative tolerance, except a peak whose SNR lies at the other result's cut-off (the
 * threshold, or its weakest kept peak when maxPeaks truncated its list), which rounding may have put on either side.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { Comparison } from '../kernel.ts';
import { relativelyNear } from '../tolerance.ts';

/**
 * Relative SNR tolerance. Hosts differ in the last bits of sin/cos/log (engines, WASM, and f32 on GPUs); 1e-3 covers
 * single precision over FFT sizes up to 2^16 while staying far below the SNR gap between a tone and noise. Measured
 * (worker-kernels/conformance): the f32 WebGPU variant on SwiftShader within 6e-7 of the f64 reference, WASM 1e-15.
 */
export const SNR_TOLERANCE = 1e-3;

/**
 * Relative tolerance on each drift's Σ √snr. √snr is |X_k| over the block's RMS amplitude, Lipschitz in X and blind
 * to a uniform scale, so the f32 FFT's error (about u·log2 N of the RMS per bin) stays below 1e-6 of the sum, which
 * adds positive terms only. Measured (worker-kernels/conformance): WebGPU on SwiftShader within 3e-8, WASM 2e-16;
 * 1e-5 leaves room for GPUs that round differently. It is held tight on purpose: protocol/signal-search.ts bounds by
 * it the share of blocks a host could skip unseen.
 */
export const AMPLITUDE_TOLERANCE = 1e-5;

const key = (p: Peak) => `${p.drift}:${p.block}:${p.bin}`;

/** The SNR at which `result` stops listing peaks: its weakest when maxPeaks truncated it, else the threshold. */
function cutoff(input: SignalSearchInput, result: SignalSearchOutput): number {
  if (result.peaks.length < input.maxPeaks) return input.threshold;
  return Math.min(...result.peaks.map((p) => p.snr));
}

/**
 * Whether every peak of `a` is in `b`, or missing from it only by rounding: at b's own cut-off. The window is
 * SNR_TOLERANCE wide around b's cut-off whatever b claims, so a list of huge SNRs excuses no ordinary peak.
 */
function covers(input: SignalSearchInput, a: SignalSearchOutput, b: SignalSearchOutput): boolean {
  const inB = new Map(b.peaks.map((p) => [key(p), p]));
  const edge = cutoff(input, b);
  return a.peaks.every((p) => {
    const q = inB.get(key(p));
    return q ? relativelyNear(p.snr, q.snr, SNR_TOLERANCE) : relativelyNear(p.snr, edge, SNR_TOLERANCE);
  });
}

export function compareSignalSearch(
  input: SignalSearchInput,
  a: SignalSearchOutput,
  b: SignalSearchOutput,
): Comparison {
  const drifts = input.driftRates.length;
  if (a.amplitudeSums.length !== drifts || b.amplitudeSums.length !== drifts) return 'mismatch';
  const sums = a.amplitudeSums.every((x, d) => relativelyNear(x, b.amplitudeSums[d]!, AMPLITUDE_TOLERANCE));
  return sums && covers(input, a, b) && covers(input, b, a) ? 'match' : 'mismatch';
}
