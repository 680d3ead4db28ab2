/**
 * @module worker-kernels/signal-search/conformance
 * signal-search's part of the conformance spec (conformance/case.ts): random units with tones and a threshold low
 * enough that noise crosses it too, so there are always peaks to compare, some lists truncated at maxPeaks.
 */
import { SignalSearchInput, type SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { ConformanceCase } from '../conformance/case.ts';
import { relativeDifference } from '../tolerance.ts';

/** The largest relative SNR difference over the peaks both list. */
function snrDifference(actual: SignalSearchOutput, expected: SignalSearchOutput): number {
  const key = (p: { drift: number; block: number; bin: number }) => `${p.drift}:${p.block}:${p.bin}`;
  const bySite = new Map(expected.peaks.map((p) => [key(p), p.snr]));
  let worst = 0;
  for (const p of actual.peaks) {
    const snr = bySite.get(key(p));
    if (snr !== undefined) worst = Math.max(worst, relativeDifference(p.snr, snr));
  }
  return worst;
}

const f64 = {
  snr: {
    most: 1e-9,
    why:
      'f64 with the same operation order; only sin/cos (V8 fdlibm against AssemblyScript musl) and twiddle ' +
      'rounding differ, by an ulp, which an FFT of ≤ 1024 points grows to about 1e-13',
  },
  amplitude: { most: 1e-11, why: 'the same f64 spectra, summed in the same order' },
};

export const signalSearchCase: ConformanceCase<SignalSearchInput, SignalSearchOutput> = {
  randomInput: (random) =>
    SignalSearchInput.parse({
      signal: {
        seed: random.u32(),
        sampleCount: random.pick([4096, 8192]),
        noise: 1,
        tones: Array.from({ length: random.int(1, 4) }, () => ({
          frequency: random.next(),
          drift: random.uniform(-5e-6, 5e-6),
          amplitude: random.uniform(0.5, 1.5),
        })),
      },
      fftSize: 2 ** random.int(4, 11), // 16 … 1024
      driftRates: [0, ...Array.from({ length: random.int(0, 3) }, () => random.uniform(-5e-6, 5e-6))],
      threshold: random.uniform(4, 8),
      maxPeaks: random.pick([16, 256]),
    }),
  trials: 4,
  deviation: (_input, actual, expected) => ({
    snr: snrDifference(actual, expected),
    amplitude: Math.max(...actual.amplitudeSums.map((x, d) => relativeDifference(x, expected.amplitudeSums[d]!))),
  }),
  bounds: {
    wasm: f64,
    webgpu: {
      snr: {
        most: 1e-5,
        why:
          'f32 FFTs of ≤ 1024 points with phases reduced in f64 (see the WGSL): u·log2 N of the RMS per bin, a ' +
          'peak being well above the RMS; measured 6e-7 on SwiftShader. The comparator allows 1e-3 for other GPUs',
      },
      amplitude: {
        most: 1e-6,
        why:
          '√snr = |X| over the RMS amplitude: Lipschitz in X and blind to scale, and the sum adds positive terms, ' +
          'so the f32 error stays below u·log2 N ≈ 6e-7; measured 2e-8. The comparator allows 1e-5',
      },
    },
  },
};
