/**
 * @module worker-kernels/signal-search/wasm
 * Driver of the WebAssembly signal search (assembly/index.ts): generates the unit's signal, hands it to the module,
 * and runs one trial drift per call, keeping the strongest peaks and checkpointing after each drift exactly as the
 * reference does, so checkpoints of the two variants are interchangeable.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { KernelContext } from '../kernel.ts';
import { instantiateWasm } from '../wasm-loader.ts';
import { byPosition, byStrength, type SignalSearchCheckpoint } from './reference.ts';
import { generateSignal, type ComplexSignal } from './signal.ts';

interface SignalSearchExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  reset(): void;
  plan(n: number, twRe: number, twIm: number, rev: number): void;
  searchDrift(
    sigRe: number,
    sigIm: number,
    sampleCount: number,
    fftSize: number,
    drift: number,
    threshold: number,
    work: number,
    twRe: number,
    twIm: number,
    rev: number,
    out: number,
  ): number;
  amplitudeSum: WebAssembly.Global;
}

export interface SignalSearchWasm {
  run(input: SignalSearchInput, ctx: KernelContext<SignalSearchCheckpoint>): SignalSearchOutput;
  /** The search alone, on a signal already generated (the benchmark times this, as its C twin). */
  search(
    signal: ComplexSignal,
    input: SignalSearchInput,
    ctx: KernelContext<SignalSearchCheckpoint>,
  ): SignalSearchOutput;
}

export async function loadSignalSearchWasm(): Promise<SignalSearchWasm> {
  const wasm = await instantiateWasm<SignalSearchExports>(new URL('./build/signal-search.wasm', import.meta.url));
  const kernel: SignalSearchWasm = {
    run(input, ctx) {
      return kernel.search(generateSignal(input.signal), input, ctx);
    },
    search(signal, input, ctx) {
      const { sampleCount } = input.signal;
      const { fftSize } = input;
      wasm.reset();
      const sigRe = wasm.alloc(sampleCount * 8),
        sigIm = wasm.alloc(sampleCount * 8);
      const twRe = wasm.alloc(fftSize * 8),
        twIm = wasm.alloc(fftSize * 8),
        rev = wasm.alloc(fftSize * 4);
      const work = wasm.alloc(3 * fftSize * 8),
        out = wasm.alloc(sampleCount * 16);
      new Float64Array(wasm.memory.buffer, sigRe, sampleCount).set(signal.re);
      new Float64Array(wasm.memory.buffer, sigIm, sampleCount).set(signal.im);
      wasm.plan(fftSize, twRe, twIm, rev);
      let peaks: Peak[] = ctx.resumeFrom?.peaks ?? [];
      const amplitudeSums = ctx.resumeFrom?.amplitudeSums.slice() ?? [];
      for (let d = ctx.resumeFrom?.nextDrift ?? 0; d < input.driftRates.length; d++) {
        const count = wasm.searchDrift(
          sigRe,
          sigIm,
          sampleCount,
          fftSize,
          input.driftRates[d]!,
          input.threshold,
          work,
          twRe,
          twIm,
          rev,
          out,
        );
        const records = new DataView(wasm.memory.buffer, out, count * 16);
        const found: Peak[] = [];
        for (let i = 0; i < count; i++) {
          const at = i * 16;
          const snr = records.getFloat64(at, true);
          found.push({ drift: d, block: records.getInt32(at + 8, true), bin: records.getInt32(at + 12, true), snr });
        }
        peaks = peaks.concat(found).sort(byStrength).slice(0, input.maxPeaks);
        amplitudeSums.push(wasm.amplitudeSum.value as number);
        ctx.progress((d + 1) / input.driftRates.length);
        ctx.checkpoint({ nextDrift: d + 1, peaks, amplitudeSums: amplitudeSums.slice() });
      }
      return { peaks: peaks.slice().sort(byPosition), amplitudeSums };
    },
  };
  return kernel;
}
