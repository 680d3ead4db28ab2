/**
 * @module server/demo/signal-search-feeder
 * The demo project's work generator: keeps a supply of signal-search units, each a seeded noisy band with a few
 * chirped tones injected at known bins and drift rates, so that a coordinator started on its defaults always has
 * real work for the first volunteer, and a test can check the answer.
 */
import { SignalSearchInput } from '../../protocol/signal-search.ts';
import { estimateFlops } from '../../worker-kernels/registry.ts';
import type { Pass } from '../passes/passes.ts';
import type { NewWorkUnit } from '../store/types.ts';

export type DemoSize = 'tiny' | 'standard';

const SIZES = {
  // A fraction of a second in a browser: for end-to-end tests.
  tiny: { sampleCount: 1 << 14, fftSize: 512, drifts: 8 },
  // A few seconds on a laptop core.
  standard: { sampleCount: 1 << 18, fftSize: 2048, drifts: 32 },
} as const;

export function makeDemoUnit(size: DemoSize, random: () => number = Math.random): NewWorkUnit {
  const { sampleCount, fftSize, drifts } = SIZES[size];
  const driftRates = Array.from({ length: drifts }, (_, i) => (i - drifts / 2) * 2e-7);
  const tones = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
    frequency: Math.floor(random() * fftSize) / fftSize,
    drift: driftRates[Math.floor(random() * drifts)]!,
    amplitude: 0.5 + random(),
  }));
  const input = SignalSearchInput.parse({
    signal: { seed: Math.floor(random() * 2 ** 32), sampleCount, noise: 1, tones },
    fftSize,
    driftRates,
    threshold: 30,
    maxPeaks: 64,
  });
  return signalSearchUnit(input, size === 'tiny' ? 600 : 86_400);
}

/** A signal-search unit replicated as the demo's are: two agreeing results, at most three errors and six results. */
export function signalSearchUnit(input: SignalSearchInput, delayBoundS: number): NewWorkUnit {
  const job = { app: 'signal-search' as const, input };
  return {
    job,
    flopsEstimate: estimateFlops(job),
    minQuorum: 2,
    targetNresults: 2,
    maxErrorResults: 3,
    maxTotalResults: 6,
    delayBoundS,
  };
}

/** A pass that tops the demo up to `low` units no host has started, `chunk` units at a time. */
export function demoFeeder(size: DemoSize, { low = 20, chunk = 20 } = {}): Pass {
  return async (store, now) => {
    if ((await store.countFreshUnits('signal-search', low)) >= low) return false;
    const units = Array.from({ length: chunk }, () => makeDemoUnit(size));
    await store.createBatch({ app: 'signal-search', name: `demo ${new Date(now).toISOString()}`, units, now });
    return true;
  };
}
