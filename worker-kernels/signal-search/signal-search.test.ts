import { beforeAll, describe, expect, test } from 'vitest';
import { SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { Random } from '../random.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { compareSignalSearch } from './compare.ts';
import { fft } from './fft.ts';
import { estimateSignalSearchFlops } from './flops.ts';
import type { SignalSearchCheckpoint } from './reference.ts';
import { runSignalSearch } from './reference.ts';
import { loadSignalSearchWasm, type SignalSearchWasm } from './wasm.ts';

const quiet = { progress() {}, checkpoint() {} };

/** A random unit with one tone at a known bin and a known trial drift rate. */
function unitWithTone(random: Random) {
  const fftSize = 256;
  const bin = random.int(0, fftSize);
  const driftRates = [-4e-6, -2e-6, 0, 2e-6, 4e-6];
  const drift = random.int(0, driftRates.length);
  const input = SignalSearchInput.parse({
    signal: {
      seed: random.u32(),
      sampleCount: 4096,
      noise: 1,
      tones: [{ frequency: bin / fftSize, drift: driftRates[drift], amplitude: 1 }],
    },
    fftSize,
    driftRates,
    threshold: 25,
    maxPeaks: 64,
  });
  return { input, bin, drift };
}

describe('fft', () => {
  test('default: equals the naive DFT on random input', () => {
    const n = 64;
    const random = testRandom();
    const xr = Float64Array.from({ length: n }, () => random.next() - 0.5);
    const xi = Float64Array.from({ length: n }, () => random.next() - 0.5);
    const re = xr.slice(),
      im = xi.slice();
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0,
        si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * k * t) / n;
        sr += xr[t]! * Math.cos(a) - xi[t]! * Math.sin(a);
        si += xr[t]! * Math.sin(a) + xi[t]! * Math.cos(a);
      }
      expect(re[k]).toBeCloseTo(sr, 9);
      expect(im[k]).toBeCloseTo(si, 9);
    }
  });

  test('error: refuses a size that is not a power of two', () => {
    expect(() => fft(new Float64Array(12), new Float64Array(12))).toThrow(/power of two/);
  });
});

describe('signal search reference', () => {
  test('default: finds the injected tone at its bin and drift in every block', () => {
    const { input, bin, drift } = unitWithTone(testRandom());
    const { peaks } = SignalSearchOutput.parse(runSignalSearch(input, quiet));
    const blocks = input.signal.sampleCount / input.fftSize;
    const atTone = peaks.filter((p) => p.bin === bin && p.drift === drift);
    expect(atTone.map((p) => p.block)).toEqual([...Array(blocks).keys()]);
    // The tone is far above the noise: SNR ≈ A²N/(A²+2σ²) = 256/3.
    for (const p of atTone) expect(p.snr).toBeGreaterThan(50);
  });

  test("default: over noise, a drift's amplitude sum is about Γ(3/2) = 0.886 per bin", () => {
    const { input } = unitWithTone(testRandom());
    const noiseOnly = { ...input, signal: { ...input.signal, tones: [] } };
    const { peaks, amplitudeSums } = runSignalSearch(noiseOnly, quiet);
    expect(peaks).toEqual([]); // and nothing crosses the high threshold
    for (const sum of amplitudeSums) expect(Math.abs(sum / input.signal.sampleCount - 0.886)).toBeLessThan(0.02);
  });

  test('behavior: a run resumed from a checkpoint gives the same result', () => {
    const { input } = unitWithTone(testRandom());
    const checkpoints: SignalSearchCheckpoint[] = [];
    const full = runSignalSearch(input, { progress() {}, checkpoint: (s) => checkpoints.push(structuredClone(s)) });
    expect(checkpoints).toHaveLength(input.driftRates.length);
    const resumed = runSignalSearch(input, { ...quiet, resumeFrom: checkpoints[2] });
    expect(resumed).toEqual(full);
  });

  test('behavior: progress rises monotonically to 1', () => {
    const { input } = unitWithTone(testRandom());
    const seen: number[] = [];
    runSignalSearch(input, { progress: (f) => seen.push(f), checkpoint() {} });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f > seen[i - 1]!)).toBe(true);
  });

  test('behavior: maxPeaks keeps the strongest', () => {
    const { input } = unitWithTone(testRandom());
    const few = { ...input, maxPeaks: 3 };
    const { peaks } = runSignalSearch(few, quiet);
    const all = runSignalSearch(input, quiet)
      .peaks.map((p) => p.snr)
      .sort((a, b) => b - a);
    expect(peaks.map((p) => p.snr).sort((a, b) => b - a)).toEqual(all.slice(0, 3));
  });

  test('default: the FLOP estimate grows with the work', () => {
    const { input } = unitWithTone(testRandom());
    const more = { ...input, driftRates: [...input.driftRates, 6e-6] };
    expect(estimateSignalSearchFlops(more)).toBeGreaterThan(estimateSignalSearchFlops(input));
  });
});

describe('signal search wasm (f64x2 SIMD)', () => {
  let wasm: SignalSearchWasm;
  beforeAll(async () => {
    wasm = await loadSignalSearchWasm();
  });

  test('behavior: a wasm run resumed from a reference checkpoint gives the reference result', () => {
    const { input } = unitWithTone(testRandom());
    const checkpoints: SignalSearchCheckpoint[] = [];
    const full = runSignalSearch(input, { progress() {}, checkpoint: (s) => checkpoints.push(structuredClone(s)) });
    const resumed = wasm.run(input, { ...quiet, resumeFrom: checkpoints[1] });
    expect(compareSignalSearch(input, resumed, full)).toBe('match');
  });

  test('behavior: progress rises to 1 and the injected tone is found', () => {
    const { input, bin, drift } = unitWithTone(testRandom());
    const seen: number[] = [];
    const { peaks } = wasm.run(input, { progress: (f) => seen.push(f), checkpoint() {} });
    expect(seen.at(-1)).toBe(1);
    expect(peaks.some((p) => p.bin === bin && p.drift === drift)).toBe(true);
  });
});
