import { describe, expect, test } from 'vitest';
import { type Peak, SignalSearchInput, type SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { Random } from '../random.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { AMPLITUDE_TOLERANCE, compareSignalSearch, SNR_TOLERANCE } from './compare.ts';
import { byPosition, runSignalSearch } from './reference.ts';
import { checkSignalSearch } from './sanity.ts';

const quiet = { progress() {}, checkpoint() {} };

/** A random unit with a tone or two and a threshold low enough that noise crosses it too. */
function randomUnit(random: Random, maxPeaks = 256): SignalSearchInput {
  const fftSize = 2 ** random.int(5, 9);
  return SignalSearchInput.parse({
    signal: {
      seed: random.u32(),
      sampleCount: 4096,
      noise: 1,
      tones: Array.from({ length: random.int(1, 3) }, () => ({
        frequency: random.next(),
        drift: random.uniform(-5e-6, 5e-6),
        amplitude: random.uniform(0.5, 1.5),
      })),
    },
    fftSize,
    driftRates: Array.from({ length: random.int(1, 4) }, () => random.uniform(-5e-6, 5e-6)),
    threshold: random.uniform(5, 12),
    maxPeaks,
  });
}

/** Refused: insane, or a mismatch whichever side it is on. */
function refused(input: SignalSearchInput, crafted: SignalSearchOutput, honest: SignalSearchOutput): boolean {
  if (checkSignalSearch(input, crafted) !== undefined) return true;
  const one = compareSignalSearch(input, crafted, honest);
  expect(compareSignalSearch(input, honest, crafted), 'the comparator is symmetric').toBe(one);
  return one === 'mismatch';
}

const withPeaks = (out: SignalSearchOutput, peaks: Peak[]) => ({ ...out, peaks: peaks.slice().sort(byPosition) });

/** A peak clear of every cut-off, which no rounding could drop. */
const clear = (input: SignalSearchInput, out: SignalSearchOutput) => (p: Peak) => {
  const weakest = Math.min(...out.peaks.map((q) => q.snr));
  const edges = [input.threshold, ...(out.peaks.length >= input.maxPeaks ? [weakest] : [])];
  return edges.every((edge) => Math.abs(p.snr - edge) > 2 * SNR_TOLERANCE * edge);
};

/** Outputs a cheater could send for this unit, each by name. */
function crafted(random: Random, input: SignalSearchInput, honest: SignalSearchOutput) {
  const { peaks, amplitudeSums } = honest;
  const blocks = input.signal.sampleCount / input.fftSize;
  const spot = () => ({ drift: random.int(0, input.driftRates.length), block: random.int(0, blocks) });
  const equal = (snr: number) =>
    Array.from({ length: input.maxPeaks }, () => ({ ...spot(), bin: random.int(0, input.fftSize), snr }));
  const strong = peaks.filter(clear(input, honest));
  const victim = strong.length > 0 ? random.pick(strong) : undefined;
  const taken = new Set(peaks.map((p) => `${p.drift}:${p.block}:${p.bin}`));
  const free = { ...spot(), bin: random.int(0, input.fftSize) };
  const outputs: Record<string, SignalSearchOutput> = {
    // Issue 17's attack: maxPeaks peaks of equal, huge SNR (now past what an FFT allows), and a sane variant.
    'equal huge SNRs': withPeaks(honest, equal(4 * input.fftSize)),
    'equal SNRs within bounds': withPeaks(honest, equal(input.fftSize / 4)),
    'amplitude sums perturbed': { peaks, amplitudeSums: amplitudeSums.map((x) => x * (1 + 3 * AMPLITUDE_TOLERANCE)) },
    'one amplitude sum perturbed': { peaks, amplitudeSums: amplitudeSums.map((x, d) => (d ? x : x * 0.9999)) },
    'amplitude sums of noise alone': { peaks, amplitudeSums: amplitudeSums.map(() => 0.886 * 4096) },
    'amplitude sums dropped': { peaks, amplitudeSums: amplitudeSums.slice(1) },
    'amplitude sums padded': { peaks, amplitudeSums: [...amplitudeSums, amplitudeSums[0]!] },
    'another unit': runSignalSearch({ ...input, signal: { ...input.signal, seed: input.signal.seed ^ 1 } }, quiet),
  };
  if (peaks.length > 0) {
    outputs['equal SNRs at the strongest honest one'] = withPeaks(honest, equal(Math.max(...peaks.map((p) => p.snr))));
    outputs['peaks one bin over'] = withPeaks(
      honest,
      peaks.map((p) => ({ ...p, bin: (p.bin + 1) % input.fftSize })),
    );
    outputs['peaks one block over'] = withPeaks(
      honest,
      peaks.map((p) => ({ ...p, block: (p.block + 1) % blocks })),
    );
    outputs['no peaks'] = withPeaks(honest, []);
  }
  if (victim) {
    outputs['a clear peak dropped'] = withPeaks(
      honest,
      peaks.filter((p) => p !== victim),
    );
    outputs['a clear peak perturbed'] = withPeaks(
      honest,
      peaks.map((p) => (p === victim ? { ...p, snr: p.snr * (1 + 3 * SNR_TOLERANCE) } : p)),
    );
  }
  if (!taken.has(`${free.drift}:${free.block}:${free.bin}`)) {
    outputs['a peak added'] = withPeaks(honest, [...peaks, { ...free, snr: 2 * input.threshold }]);
  }
  return outputs;
}

describe('signal search comparator', () => {
  test('default: a result matches itself and a copy jittered within the tolerances, from either side', () => {
    const input = randomUnit(testRandom());
    const result = runSignalSearch(input, quiet);
    expect(compareSignalSearch(input, result, result)).toBe('match');
    const jittered = {
      peaks: result.peaks.map((p) => ({ ...p, snr: p.snr * (1 + SNR_TOLERANCE / 10) })),
      amplitudeSums: result.amplitudeSums.map((x) => x * (1 + AMPLITUDE_TOLERANCE / 10)),
    };
    expect(compareSignalSearch(input, result, jittered)).toBe('match');
    expect(compareSignalSearch(input, jittered, result)).toBe('match');
  });

  test('behavior: a peak at the threshold may be in one result only, as rounding may put it either side', () => {
    // 16 blocks of 256: far fewer peaks than maxPeaks, so the list stops at the threshold.
    const input = { ...randomUnit(testRandom()), fftSize: 256 };
    const result = runSignalSearch(input, quiet);
    expect(result.peaks.length).toBeLessThan(input.maxPeaks);
    const spot = `${0}:${0}:${0}`;
    if (result.peaks.some((p) => `${p.drift}:${p.block}:${p.bin}` === spot)) return;
    const borderline = { drift: 0, block: 0, bin: 0, snr: input.threshold * (1 + SNR_TOLERANCE / 2) };
    expect(compareSignalSearch(input, result, withPeaks(result, [...result.peaks, borderline]))).toBe('match');
  });

  test('behavior: with maxPeaks reached, a peak at the weakest kept SNR may be in one result only', () => {
    // Noise alone crosses a threshold of 4 in e^-4 of the bins: far more than 8 peaks.
    const input = { ...randomUnit(testRandom(), 8), threshold: 4 };
    const result = runSignalSearch(input, quiet);
    expect(result.peaks).toHaveLength(8);
    const weakest = result.peaks.reduce((w, p) => (p.snr < w.snr ? p : w));
    const swapped = { ...weakest, bin: (weakest.bin + 1) % input.fftSize, snr: weakest.snr * (1 + SNR_TOLERANCE / 4) };
    if (result.peaks.some((p) => p.drift === swapped.drift && p.block === swapped.block && p.bin === swapped.bin))
      return;
    const other = withPeaks(result, [...result.peaks.filter((p) => p !== weakest), swapped]);
    expect(compareSignalSearch(input, result, other)).toBe('match');
  });

  test('property: on random units, crafted outputs are never judged equal to the reference output', () => {
    const random = testRandom();
    for (let trial = 0; trial < 10; trial++) {
      const input = randomUnit(random, random.pick([16, 64, 256]));
      const honest = runSignalSearch(input, quiet);
      for (const [what, output] of Object.entries(crafted(random, input, honest))) {
        expect(refused(input, output, honest), `${what}: ${JSON.stringify(input)}`).toBe(true);
      }
    }
  });
});

describe('signal search sanity check', () => {
  test('default: reference outputs are sane', () => {
    const random = testRandom();
    for (let trial = 0; trial < 5; trial++) {
      const input = randomUnit(random, random.pick([4, 256]));
      expect(checkSignalSearch(input, runSignalSearch(input, quiet))).toBeUndefined();
    }
  });

  test('error: each bound the unit or physics sets is checked', () => {
    const input = randomUnit(testRandom(), 256);
    const honest = runSignalSearch(input, quiet);
    const p = honest.peaks[0]!;
    const insane = (peaks: Peak[], amplitudeSums = honest.amplitudeSums) =>
      checkSignalSearch(input, { peaks, amplitudeSums });
    expect(insane([{ ...p, snr: input.fftSize * 1.01 }])).toMatch(/exceeds fftSize/);
    expect(insane([{ ...p, snr: input.threshold }])).toMatch(/not above the threshold/);
    expect(insane([{ ...p, drift: input.driftRates.length }])).toMatch(/drift index/);
    expect(insane([{ ...p, block: 4096 / input.fftSize }])).toMatch(/block past/);
    expect(insane([{ ...p, bin: input.fftSize }])).toMatch(/bin past/);
    expect(insane([p, p])).toMatch(/listed twice/);
    const crowd = [0, 1, 2].map((bin) => ({ ...p, bin, snr: input.fftSize / 2 }));
    expect(insane(crowd)).toMatch(/add up to/);
    expect(insane(honest.peaks, honest.amplitudeSums.slice(1))).toMatch(/entries/);
    expect(
      insane(
        honest.peaks,
        honest.amplitudeSums.map(() => 4096 * 1.01),
      ),
    ).toMatch(/exceeds sampleCount/);
    expect(
      insane(
        honest.peaks,
        honest.amplitudeSums.map(() => 0),
      ),
    ).toMatch(/below/);
    const many = { ...input, maxPeaks: 1 };
    const two = [p, { ...p, bin: (p.bin + 1) % input.fftSize }];
    expect(checkSignalSearch(many, { peaks: two, amplitudeSums: honest.amplitudeSums })).toMatch(/maxPeaks/);
  });

  test('error: peaks whose √snr alone add up past the amplitude sum of their drift are insane', () => {
    // 64 blocks of 64 bins, 4 peaks just above the threshold in each: every block within its own bounds, but the
    // 256 peaks' √snr (575) pass the least amplitude sum a drift may have (64 blocks × √64 = 512).
    const input = SignalSearchInput.parse({
      signal: { seed: 1, sampleCount: 4096, noise: 1, tones: [] },
      fftSize: 64,
      driftRates: [0],
      threshold: 5,
      maxPeaks: 256,
    });
    const peaks = Array.from({ length: 256 }, (_, i) => ({ drift: 0, block: i >> 2, bin: i & 3, snr: 5.05 }));
    expect(checkSignalSearch(input, { peaks, amplitudeSums: [512] })).toMatch(/alone have/);
    expect(checkSignalSearch(input, { peaks, amplitudeSums: [600] })).toBeUndefined();
  });
});
