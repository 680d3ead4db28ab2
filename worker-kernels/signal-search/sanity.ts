/**
 * @module worker-kernels/signal-search/sanity
 * What one signal-search result must satisfy before it is compared with any other, from the unit alone. A block's
 * SNRs are its bins' powers over their mean, so they add up to fftSize: no SNR exceeds fftSize, a block's listed
 * SNRs add up to at most fftSize, and its Σ √snr lies between √fftSize and fftSize (Cauchy–Schwarz), so a drift's
 * amplitude sum is at most sampleCount and at least the √snr of its listed peaks. Every peak stands above the
 * threshold, at a drift, block and bin the unit has, once, and there are at most maxPeaks of them.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import { SNR_TOLERANCE } from './compare.ts';

/** Slack for rounding on the bounds below, which an f32 host may touch. */
const SLACK = 1 + SNR_TOLERANCE;

function checkPeak(input: SignalSearchInput, p: Peak): string | undefined {
  const blocks = input.signal.sampleCount / input.fftSize;
  const at = `peak ${p.drift}:${p.block}:${p.bin}`;
  if (p.drift >= input.driftRates.length) return `${at}: drift index past the unit's ${input.driftRates.length}`;
  if (p.block >= blocks) return `${at}: block past the unit's ${blocks}`;
  if (p.bin >= input.fftSize) return `${at}: bin past fftSize ${input.fftSize}`;
  if (!(p.snr > input.threshold)) return `${at}: SNR ${p.snr} is not above the threshold ${input.threshold}`;
  if (p.snr > input.fftSize * SLACK) return `${at}: SNR ${p.snr} exceeds fftSize ${input.fftSize}, the most a bin has`;
  return undefined;
}

/** Sums of `value` over the peaks grouped by `group`. */
function sumsBy(peaks: Peak[], group: (p: Peak) => string, value: (p: Peak) => number): Map<string, number> {
  const sums = new Map<string, number>();
  for (const p of peaks) sums.set(group(p), (sums.get(group(p)) ?? 0) + value(p));
  return sums;
}

function checkSums(input: SignalSearchInput, { peaks, amplitudeSums }: SignalSearchOutput): string | undefined {
  if (amplitudeSums.length !== input.driftRates.length) {
    return `amplitudeSums has ${amplitudeSums.length} entries, the unit has ${input.driftRates.length} drifts`;
  }
  const over = amplitudeSums.findIndex((x) => x > input.signal.sampleCount * SLACK);
  if (over >= 0) return `amplitudeSums[${over}] = ${amplitudeSums[over]} exceeds sampleCount`;
  // A block with any power in it has Σ √snr ≥ √fftSize; only a silent signal (no noise, no tone) has none.
  const { noise, tones, sampleCount } = input.signal;
  const least = noise > 0 || tones.length > 0 ? ((sampleCount / input.fftSize) * Math.sqrt(input.fftSize)) / SLACK : 0;
  const under = amplitudeSums.findIndex((x) => x < least);
  if (under >= 0) return `amplitudeSums[${under}] = ${amplitudeSums[under]} is below ${least}, the least blocks have`;
  for (const [block, sum] of sumsBy(
    peaks,
    (p) => `${p.drift}:${p.block}`,
    (p) => p.snr,
  )) {
    if (sum > input.fftSize * SLACK) return `the SNRs of block ${block} add up to ${sum}, past fftSize`;
  }
  for (const [drift, sum] of sumsBy(
    peaks,
    (p) => String(p.drift),
    (p) => Math.sqrt(p.snr),
  )) {
    const total = amplitudeSums[Number(drift)]!;
    if (sum > total * SLACK) return `the peaks of drift ${drift} alone have Σ √snr ${sum}, past its sum ${total}`;
  }
  return undefined;
}

export function checkSignalSearch(input: SignalSearchInput, output: SignalSearchOutput): string | undefined {
  if (output.peaks.length > input.maxPeaks) return `${output.peaks.length} peaks, past maxPeaks ${input.maxPeaks}`;
  const seen = new Set<string>();
  for (const p of output.peaks) {
    const wrong = checkPeak(input, p);
    if (wrong) return wrong;
    const at = `${p.drift}:${p.block}:${p.bin}`;
    if (seen.has(at)) return `peak ${at} is listed twice`;
    seen.add(at);
  }
  return checkSums(input, output);
}
