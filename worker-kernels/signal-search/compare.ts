/**
 * @module worker-kernels/signal-search/compare
 * The validator's comparator for signal-search results, imported by the coordinator. Two results agree when every
 * peak of one has a peak at the same drift, block and bin in the other with an SNR within a relative tolerance,
 * except peaks so close to a cut-off (the threshold, or the weakest kept peak when maxPeaks truncated the list)
 * that rounding may legitimately put them on either side.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { Comparison } from '../kernel.ts';

/**
 * Relative SNR tolerance. Hosts differ in the last bits of sin/cos/log (engines, WASM, and f32 on GPUs); 1e-3 covers
 * single precision over FFT sizes up to 2^16 while staying far below the SNR gap between a tone and noise. Checked:
 * the f32 WebGPU variant differs from the f64 reference by under 1e-6 (e2e/kernels-webgpu.spec.ts), the WASM
 * variant by ~1e-13, so 1e-3 stands, with a wide margin for GPUs that round differently.
 */
export const SNR_TOLERANCE = 1e-3;

const key = (p: Peak) => `${p.drift}:${p.block}:${p.bin}`;
const near = (a: number, b: number) => Math.abs(a - b) <= SNR_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));

/** The SNR below which a peak may be missing from another result without disagreement. */
function borderline(input: SignalSearchInput, result: SignalSearchOutput): number {
  const full = result.peaks.length >= input.maxPeaks;
  const weakest = full ? Math.min(...result.peaks.map((p) => p.snr)) : input.threshold;
  return Math.max(input.threshold, weakest) * (1 + SNR_TOLERANCE);
}

function covers(input: SignalSearchInput, a: SignalSearchOutput, b: SignalSearchOutput): boolean {
  const inB = new Map(b.peaks.map((p) => [key(p), p]));
  const cutoff = Math.max(borderline(input, a), borderline(input, b));
  return a.peaks.every((p) => {
    const q = inB.get(key(p));
    return q ? near(p.snr, q.snr) : p.snr <= cutoff;
  });
}

export function compareSignalSearch(
  input: SignalSearchInput,
  a: SignalSearchOutput,
  b: SignalSearchOutput,
): Comparison {
  return covers(input, a, b) && covers(input, b, a) ? 'match' : 'mismatch';
}
