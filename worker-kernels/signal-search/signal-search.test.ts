import { beforeAll, describe, expect, test } from 'vitest';
import { SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { SignalSearchCheckpoint } from './reference.ts';
import { runSignalSearch } from './reference.ts';
import { compareSignalSearch } from './compare.ts';
import { fft } from './fft.ts';
import { mulberry32 } from './signal.ts';
import { estimateSignalSearchFlops } from './flops.ts';
import { loadSignalSearchWasm, type SignalSearchWasm } from './wasm.ts';

const quiet = { progress() {}, checkpoint() {} };

/** A fresh random unit with one tone at a known bin and a known trial drift rate. */
function unitWithTone(seed = (Math.random() * 2 ** 32) >>> 0) {
  const random = mulberry32(seed ^ 0x5eed);
  const fftSize = 256;
  const bin = Math.floor(random() * fftSize);
  const driftRates = [-4e-6, -2e-6, 0, 2e-6, 4e-6];
  const drift = Math.floor(random() * driftRates.length);
  const input = SignalSearchInput.parse({
    signal: {
      seed,
      sampleCount: 4096,
      noise: 1,
      tones: [{ frequency: bin / fftSize, drift: driftRates[drift], amplitude: 1 }],
    },
    fftSize,
    driftRates,
    threshold: 25,
    maxPeaks: 64,
  });
  return { input, bin, drift, seed };
}

describe('fft', () => {
  test('default: equals the naive DFT on random input', () => {
    const n = 64;
    const random = mulberry32((Math.random() * 2 ** 32) >>> 0);
    const xr = Float64Array.from({ length: n }, () => random() - 0.5);
    const xi = Float64Array.from({ length: n }, () => random() - 0.5);
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
    const { input, bin, drift, seed } = unitWithTone();
    const { peaks } = SignalSearchOutput.parse(runSignalSearch(input, quiet));
    const blocks = input.signal.sampleCount / input.fftSize;
    const atTone = peaks.filter((p) => p.bin === bin && p.drift === drift);
    expect(
      atTone.map((p) => p.block),
      `seed ${seed}`,
    ).toEqual([...Array(blocks).keys()]);
    // The tone is far above the noise: SNR ≈ A²N/(A²+2σ²) = 256/3.
    for (const p of atTone) expect(p.snr).toBeGreaterThan(50);
  });

  test('behavior: pure noise yields no peaks at a high threshold', () => {
    const { input } = unitWithTone();
    const noiseOnly = { ...input, signal: { ...input.signal, tones: [] } };
    expect(runSignalSearch(noiseOnly, quiet).peaks).toEqual([]);
  });

  test('behavior: a run resumed from a checkpoint gives the same result', () => {
    const { input } = unitWithTone();
    const checkpoints: SignalSearchCheckpoint[] = [];
    const full = runSignalSearch(input, { progress() {}, checkpoint: (s) => checkpoints.push(structuredClone(s)) });
    expect(checkpoints).toHaveLength(input.driftRates.length);
    const resumed = runSignalSearch(input, { ...quiet, resumeFrom: checkpoints[2] });
    expect(resumed).toEqual(full);
  });

  test('behavior: progress rises monotonically to 1', () => {
    const { input } = unitWithTone();
    const seen: number[] = [];
    runSignalSearch(input, { progress: (f) => seen.push(f), checkpoint() {} });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f > seen[i - 1]!)).toBe(true);
  });

  test('behavior: maxPeaks keeps the strongest', () => {
    const { input } = unitWithTone();
    const few = { ...input, maxPeaks: 3 };
    const { peaks } = runSignalSearch(few, quiet);
    const all = runSignalSearch(input, quiet)
      .peaks.map((p) => p.snr)
      .sort((a, b) => b - a);
    expect(peaks.map((p) => p.snr).sort((a, b) => b - a)).toEqual(all.slice(0, 3));
  });

  test('default: the FLOP estimate grows with the work', () => {
    const { input } = unitWithTone();
    const more = { ...input, driftRates: [...input.driftRates, 6e-6] };
    expect(estimateSignalSearchFlops(more)).toBeGreaterThan(estimateSignalSearchFlops(input));
  });
});

describe('signal search comparator', () => {
  const { input } = unitWithTone();
  const result = runSignalSearch(input, quiet);

  test('default: a result matches itself and a slightly perturbed copy', () => {
    expect(compareSignalSearch(input, result, result)).toBe('match');
    const jittered = { peaks: result.peaks.map((p) => ({ ...p, snr: p.snr * (1 + 1e-5) })) };
    expect(compareSignalSearch(input, result, jittered)).toBe('match');
  });

  test('error: a missing strong peak, a moved peak or a wrong SNR is a mismatch', () => {
    expect(compareSignalSearch(input, result, { peaks: result.peaks.slice(1) })).toBe('mismatch');
    const moved = { peaks: result.peaks.map((p, i) => (i === 0 ? { ...p, bin: p.bin + 1 } : p)) };
    expect(compareSignalSearch(input, result, moved)).toBe('mismatch');
    const scaled = { peaks: result.peaks.map((p) => ({ ...p, snr: p.snr * 1.1 })) };
    expect(compareSignalSearch(input, result, scaled)).toBe('mismatch');
    expect(compareSignalSearch(input, result, { peaks: [] })).toBe('mismatch');
  });

  test('behavior: a peak at the threshold may be present in one result only', () => {
    const borderline = { drift: 0, block: 0, bin: 0, snr: input.threshold * (1 + 1e-4) };
    expect(compareSignalSearch(input, result, { peaks: [...result.peaks, borderline] })).toBe('match');
  });
});

describe('signal search wasm (f64x2 SIMD) against the reference', () => {
  let wasm: SignalSearchWasm;
  beforeAll(async () => {
    wasm = await loadSignalSearchWasm();
  });

  /** A fresh random unit: random FFT size, tones, drifts and a threshold low enough to keep noise peaks too. */
  function randomUnit() {
    const random = mulberry32((Math.random() * 2 ** 32) >>> 0);
    const fftSize = 2 ** (4 + Math.floor(random() * 7)); // 16 … 1024
    const tones = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      frequency: random(),
      drift: (random() - 0.5) * 1e-5,
      amplitude: 0.5 + random(),
    }));
    return SignalSearchInput.parse({
      signal: { seed: (random() * 2 ** 32) >>> 0, sampleCount: 4096, noise: 1, tones },
      fftSize,
      driftRates: Array.from({ length: 1 + Math.floor(random() * 4) }, () => (random() - 0.5) * 1e-5),
      threshold: 2 + random() * 4,
      maxPeaks: 256,
    });
  }

  test('default: the same peaks with SNRs within 1e-9 on fresh random units', () => {
    for (let trial = 0; trial < 8; trial++) {
      const input = randomUnit();
      const expected = runSignalSearch(input, quiet);
      const actual = SignalSearchOutput.parse(wasm.run(input, quiet));
      expect(compareSignalSearch(input, actual, expected), JSON.stringify(input)).toBe('match');
      // Both are f64 with the same operation order; only sin/cos (V8's fdlibm vs AssemblyScript's musl port) and the
      // twiddle angles' rounding differ, by an ulp or so, and an FFT of ≤ 1024 points grows that to ~1e-13 relative.
      const key = (p: { drift: number; block: number; bin: number }) => `${p.drift}:${p.block}:${p.bin}`;
      const bySite = new Map(expected.peaks.map((p) => [key(p), p.snr]));
      for (const p of actual.peaks) {
        const snr = bySite.get(key(p));
        if (snr !== undefined) expect(Math.abs(p.snr - snr) / snr).toBeLessThan(1e-9);
      }
      expect(actual.peaks.length).toBeGreaterThan(0);
    }
  });

  test('behavior: a wasm run resumed from a reference checkpoint gives the reference result', () => {
    const { input } = unitWithTone();
    const checkpoints: SignalSearchCheckpoint[] = [];
    const full = runSignalSearch(input, { progress() {}, checkpoint: (s) => checkpoints.push(structuredClone(s)) });
    const resumed = wasm.run(input, { ...quiet, resumeFrom: checkpoints[1] });
    expect(compareSignalSearch(input, resumed, full)).toBe('match');
  });

  test('behavior: progress rises to 1 and the injected tone is found', () => {
    const { input, bin, drift } = unitWithTone();
    const seen: number[] = [];
    const { peaks } = wasm.run(input, { progress: (f) => seen.push(f), checkpoint() {} });
    expect(seen.at(-1)).toBe(1);
    expect(peaks.some((p) => p.bin === bin && p.drift === drift)).toBe(true);
  });
});
