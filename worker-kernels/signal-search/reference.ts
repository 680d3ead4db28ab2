/**
 * @module worker-kernels/signal-search/reference
 * The reference signal search, the truth every faster variant is held to: for each trial chirp rate, de-chirp the
 * signal, cut it into blocks of fftSize samples, FFT each block, report the bins whose power stands above
 * threshold × the block's mean power, and add up every bin's √snr (protocol/signal-search.ts says why). The
 * strongest maxPeaks are kept.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { KernelContext } from '../kernel.ts';
import { fft } from './fft.ts';
import { chirpCycles, generateSignal, type ComplexSignal } from './signal.ts';

/** State after finishing some drift rates: enough to resume with an identical result. */
export interface SignalSearchCheckpoint {
  nextDrift: number;
  peaks: Peak[];
  /** One per drift done. */
  amplitudeSums: number[];
}

/** Strongest first; ties broken by position so that the order is total and every host truncates alike. */
export function byStrength(a: Peak, b: Peak): number {
  return b.snr - a.snr || a.drift - b.drift || a.block - b.block || a.bin - b.bin;
}

/** Canonical order of a result's peaks: by drift, block, bin. */
export function byPosition(a: Peak, b: Peak): number {
  return a.drift - b.drift || a.block - b.block || a.bin - b.bin;
}

/** One block at one trial drift: its peaks and its Σ √snr. */
export interface BlockSearch {
  peaks: Peak[];
  amplitudeSum: number;
}

/** Searches block `block` of `signal` at trial drift `driftIndex`; `scratch` is two arrays of fftSize. */
export function searchBlock(
  signal: ComplexSignal,
  input: SignalSearchInput,
  driftIndex: number,
  block: number,
  { re, im } = { re: new Float64Array(input.fftSize), im: new Float64Array(input.fftSize) },
): BlockSearch {
  const { fftSize, threshold } = input;
  const drift = input.driftRates[driftIndex]!;
  const offset = block * fftSize;
  for (let i = 0; i < fftSize; i++) {
    const angle = -2 * Math.PI * chirpCycles(drift, offset + i);
    const c = Math.cos(angle),
      s = Math.sin(angle);
    const xr = signal.re[offset + i]!,
      xi = signal.im[offset + i]!;
    re[i] = xr * c - xi * s;
    im[i] = xr * s + xi * c;
  }
  fft(re, im);
  let sum = 0;
  for (let k = 0; k < fftSize; k++) sum += re[k]! * re[k]! + im[k]! * im[k]!;
  const mean = sum / fftSize;
  const found: BlockSearch = { peaks: [], amplitudeSum: 0 };
  if (mean > 0) {
    for (let k = 0; k < fftSize; k++) {
      const snr = (re[k]! * re[k]! + im[k]! * im[k]!) / mean;
      found.amplitudeSum += Math.sqrt(snr);
      if (snr > threshold) found.peaks.push({ drift: driftIndex, block, bin: k, snr });
    }
  }
  return found;
}

export function runSignalSearch(
  input: SignalSearchInput,
  ctx: KernelContext<SignalSearchCheckpoint>,
): SignalSearchOutput {
  const signal = generateSignal(input.signal);
  const blocks = input.signal.sampleCount / input.fftSize;
  const total = input.driftRates.length * blocks;
  let peaks = ctx.resumeFrom?.peaks ?? [];
  const amplitudeSums = ctx.resumeFrom?.amplitudeSums.slice() ?? [];
  const scratch = { re: new Float64Array(input.fftSize), im: new Float64Array(input.fftSize) };
  for (let d = ctx.resumeFrom?.nextDrift ?? 0; d < input.driftRates.length; d++) {
    let amplitudeSum = 0;
    for (let block = 0; block < blocks; block++) {
      const found = searchBlock(signal, input, d, block, scratch);
      // Keeping only the strongest maxPeaks as they come gives the same final set as sorting everything at the end.
      if (found.peaks.length > 0) peaks = peaks.concat(found.peaks).sort(byStrength).slice(0, input.maxPeaks);
      amplitudeSum += found.amplitudeSum;
      ctx.progress((d * blocks + block + 1) / total);
    }
    amplitudeSums.push(amplitudeSum);
    ctx.checkpoint({ nextDrift: d + 1, peaks, amplitudeSums: amplitudeSums.slice() });
  }
  return { peaks: peaks.slice().sort(byPosition), amplitudeSums };
}
