/**
 * @module worker-kernels/signal-search/reference
 * The reference signal search, the truth every faster variant is held to: for each trial chirp rate, de-chirp the
 * signal, cut it into blocks of fftSize samples, FFT each block, and report the bins whose power stands above
 * threshold × the block's mean power. The strongest maxPeaks are kept.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { KernelContext } from '../kernel.ts';
import { fft } from './fft.ts';
import { chirpCycles, generateSignal, type ComplexSignal } from './signal.ts';

/** State after finishing some drift rates: enough to resume with an identical result. */
export interface SignalSearchCheckpoint {
  nextDrift: number;
  peaks: Peak[];
}

/** Strongest first; ties broken by position so that the order is total and every host truncates alike. */
export function byStrength(a: Peak, b: Peak): number {
  return b.snr - a.snr || a.drift - b.drift || a.block - b.block || a.bin - b.bin;
}

/** Canonical order of a result's peaks: by drift, block, bin. */
export function byPosition(a: Peak, b: Peak): number {
  return a.drift - b.drift || a.block - b.block || a.bin - b.bin;
}

function searchDrift(
  signal: ComplexSignal,
  input: SignalSearchInput,
  driftIndex: number,
  onBlock: (block: number) => void,
): Peak[] {
  const { fftSize, threshold } = input;
  const drift = input.driftRates[driftIndex]!;
  const blocks = signal.re.length / fftSize;
  const re = new Float64Array(fftSize);
  const im = new Float64Array(fftSize);
  const power = new Float64Array(fftSize);
  const found: Peak[] = [];
  for (let block = 0; block < blocks; block++) {
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
    for (let k = 0; k < fftSize; k++) sum += power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    const mean = sum / fftSize;
    if (mean > 0) {
      for (let k = 0; k < fftSize; k++) {
        const snr = power[k]! / mean;
        if (snr > threshold) found.push({ drift: driftIndex, block, bin: k, snr });
      }
    }
    onBlock(block);
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
  for (let d = ctx.resumeFrom?.nextDrift ?? 0; d < input.driftRates.length; d++) {
    const found = searchDrift(signal, input, d, (block) => ctx.progress((d * blocks + block + 1) / total));
    // Keeping only the strongest maxPeaks after each drift gives the same final set as sorting everything at the end.
    peaks = peaks.concat(found).sort(byStrength).slice(0, input.maxPeaks);
    ctx.checkpoint({ nextDrift: d + 1, peaks });
  }
  return { peaks: peaks.slice().sort(byPosition) };
}
