/**
 * The cheapest ways known to answer a signal-search unit without its FFTs, each run and shown refused against the
 * honest output (protocol/signal-search.ts gives the argument): every peak right but the amplitude sums guessed
 * (what the peaks-only output allowed: an empty list for a quiet unit, the known tones' bins for a loud one), and
 * part of the blocks searched with their amplitude sums scaled up.
 */
import { describe, expect, test } from 'vitest';
import { SignalSearchInput } from '../../protocol/signal-search.ts';
import type { Random } from '../random.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { compareSignalSearch } from './compare.ts';
import { runSignalSearch, searchBlock } from './reference.ts';
import { generateSignal } from './signal.ts';

const quiet = { progress() {}, checkpoint() {} };

/** A unit like the demo's tiny ones (server/demo/signal-search-feeder.ts): loud tones, a high threshold. */
function demoLike(random: Random): SignalSearchInput {
  const fftSize = 512,
    drifts = 8;
  const driftRates = Array.from({ length: drifts }, (_, i) => (i - drifts / 2) * 2e-7);
  return SignalSearchInput.parse({
    signal: {
      seed: random.u32(),
      sampleCount: 1 << 14,
      noise: 1,
      tones: Array.from({ length: random.int(1, 4) }, () => ({
        frequency: random.int(0, fftSize) / fftSize,
        drift: random.pick(driftRates),
        amplitude: random.uniform(0.5, 1.5),
      })),
    },
    fftSize,
    driftRates,
    threshold: 30,
    maxPeaks: 64,
  });
}

/** Each drift's amplitude sum from the blocks `kept` keeps, scaled up to all blocks. */
function sampledSums(input: SignalSearchInput, kept: (block: number) => boolean): number[] {
  const signal = generateSignal(input.signal);
  const blocks = input.signal.sampleCount / input.fftSize;
  const chosen = Array.from({ length: blocks }, (_, b) => b).filter(kept);
  return input.driftRates.map((_, d) => {
    const sum = chosen.reduce((s, b) => s + searchBlock(signal, input, d, b).amplitudeSum, 0);
    return (sum * blocks) / chosen.length;
  });
}

describe('signal search shortcuts', () => {
  test('behavior: every peak right, amplitude sums guessed from the noise statistics: refused', () => {
    const random = testRandom();
    for (let trial = 0; trial < 3; trial++) {
      const input = demoLike(random);
      const honest = runSignalSearch(input, quiet);
      // Γ(3/2)·N per block is the mean for noise; tones add a little, which the cheater may even know.
      const guess = { peaks: honest.peaks, amplitudeSums: input.driftRates.map(() => 0.886 * (1 << 14)) };
      expect(compareSignalSearch(input, guess, honest)).toBe('mismatch');
      const quietUnit = { ...input, signal: { ...input.signal, tones: [] } };
      const silence = runSignalSearch(quietUnit, quiet);
      expect(silence.peaks).toEqual([]); // the answer a peaks-only result gave away for nothing
      const nothing = { peaks: [], amplitudeSums: input.driftRates.map(() => 0.886 * (1 << 14)) };
      expect(compareSignalSearch(quietUnit, nothing, silence)).toBe('mismatch');
    }
  });

  test('behavior: half the blocks, or all but one, searched and scaled up: refused', () => {
    const input = demoLike(testRandom());
    const honest = runSignalSearch(input, quiet);
    for (const kept of [(b: number) => b % 2 === 0, (b: number) => b !== 5]) {
      const cheap = { peaks: honest.peaks, amplitudeSums: sampledSums(input, kept) };
      expect(compareSignalSearch(input, cheap, honest)).toBe('mismatch');
    }
  });

  test('check: skipping a share f of blocks misses by about 0.15·√(f / sampleCount), as the argument says', () => {
    const random = testRandom();
    const input = SignalSearchInput.parse({
      signal: { seed: random.u32(), sampleCount: 1 << 15, noise: 1, tones: [] },
      fftSize: 128,
      driftRates: [0],
      threshold: 30,
      maxPeaks: 1,
    });
    const signal = generateSignal(input.signal);
    const perBlock = Array.from({ length: 256 }, (_, b) => searchBlock(signal, input, 0, b).amplitudeSum);
    const total = perBlock.reduce((s, x) => s + x, 0);
    const f = 1 / 8;
    let squares = 0;
    const draws = 400;
    for (let draw = 0; draw < draws; draw++) {
      const skipped = new Set<number>();
      while (skipped.size < 256 * f) skipped.add(random.int(0, 256));
      const kept = perBlock.filter((_, b) => !skipped.has(b));
      const estimate = (kept.reduce((s, x) => s + x, 0) * 256) / kept.length;
      squares += ((estimate - total) / total) ** 2;
    }
    const predicted = 0.1525 * Math.sqrt(f / ((1 - f) * input.signal.sampleCount));
    const measured = Math.sqrt(squares / draws);
    console.log(`amplitude sum, ${f} of blocks skipped: rms miss ${measured.toExponential(2)}, argued ${predicted}`);
    expect(measured / predicted).toBeGreaterThan(0.7);
    expect(measured / predicted).toBeLessThan(1.4);
  });
});
