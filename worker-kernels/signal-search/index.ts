/**
 * @module worker-kernels/signal-search
 * The signal-search app: SETI@home's kind of work — search a band of complex samples over chirp rates for tones.
 */
import type { SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { Kernel } from '../kernel.ts';
import { compareSignalSearch } from './compare.ts';
import { estimateSignalSearchFlops } from './flops.ts';
import { runSignalSearch, type SignalSearchCheckpoint } from './reference.ts';

export const signalSearch: Kernel<SignalSearchInput, SignalSearchOutput, SignalSearchCheckpoint> = {
  app: 'signal-search',
  run: runSignalSearch,
  compare: compareSignalSearch,
  estimateFlops: estimateSignalSearchFlops,
};
