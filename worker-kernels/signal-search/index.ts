/**
 * @module worker-kernels/signal-search
 * The signal-search app: SETI@home's kind of work — search a band of complex samples over chirp rates for tones.
 */
import { SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { App } from '../app.ts';
import { gpuVariant, wasmVariant } from '../app-variants.ts';
import { compareSignalSearch } from './compare.ts';
import { estimateSignalSearchFlops } from './flops.ts';
import { runSignalSearch, type SignalSearchCheckpoint } from './reference.ts';
import { checkSignalSearch } from './sanity.ts';
import { loadSignalSearchWasm } from './wasm.ts';

export const signalSearch: App<SignalSearchInput, SignalSearchOutput, SignalSearchCheckpoint> = {
  name: 'signal-search',
  input: SignalSearchInput,
  output: SignalSearchOutput,
  reference: runSignalSearch,
  variants: [
    gpuVariant(async () => {
      const { gpuFitsSignalSearch, runSignalSearchWebGpu } = await import('./webgpu.ts');
      return { fits: gpuFitsSignalSearch, run: runSignalSearchWebGpu };
    }),
    wasmVariant(loadSignalSearchWasm),
  ],
  sanity: checkSignalSearch,
  compare: compareSignalSearch,
  estimateFlops: estimateSignalSearchFlops,
};
