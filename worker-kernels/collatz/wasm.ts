/**
 * @module worker-kernels/collatz/wasm
 * Driver of the WebAssembly Collatz search (assembly/index.ts): searches the range a chunk at a time (progress and
 * checkpoints as the reference gives them) and finishes exactly, with the reference's BigInt path, the rare starts
 * whose trajectories leave 64 bits.
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { KernelContext } from '../kernel.ts';
import { instantiateWasm } from '../wasm-loader.ts';
import { CHUNK, fold, initialState, outputOf, type CollatzCheckpoint } from './reference.ts';
import { collatzTrajectory } from './trajectory.ts';

interface CollatzExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  search(start: number, count: number, overflow: number, room: number): void;
  maxSteps: WebAssembly.Global;
  argMax: WebAssembly.Global;
  totalSteps: WebAssembly.Global;
  digest: WebAssembly.Global;
  overflowCount: WebAssembly.Global;
}

export interface CollatzWasm {
  run(input: CollatzInput, ctx: KernelContext<CollatzCheckpoint>): CollatzOutput;
  /** How many starts of the last run left 64 bits and were finished in BigInt. */
  overflowed: number;
}

/** Folds one chunk's totals from the module into the state (a chunk of only overflowed starts has no record). */
function foldChunk(state: CollatzCheckpoint, wasm: CollatzExports): void {
  const maxSteps = wasm.maxSteps.value as number;
  const argMax = wasm.argMax.value as number;
  if (maxSteps >= 0 && (maxSteps > state.maxSteps || (maxSteps === state.maxSteps && argMax < state.argMax))) {
    state.maxSteps = maxSteps;
    state.argMax = argMax;
  }
  state.totalSteps += wasm.totalSteps.value as number;
  state.digest = (state.digest + (wasm.digest.value as number)) >>> 0;
}

export async function loadCollatzWasm(): Promise<CollatzWasm> {
  const wasm = await instantiateWasm<CollatzExports>(new URL('./build/collatz.wasm', import.meta.url));
  const overflow = wasm.alloc(CHUNK * 8);
  const kernel: CollatzWasm = {
    overflowed: 0,
    run(input, ctx) {
      this.overflowed = 0;
      const end = input.start + input.count;
      const state = initialState(input, ctx);
      while (state.next < end) {
        const count = Math.min(CHUNK, end - state.next);
        wasm.search(state.next, count, overflow, CHUNK);
        foldChunk(state, wasm);
        const overflowed = new Float64Array(wasm.memory.buffer, overflow, wasm.overflowCount.value as number);
        this.overflowed += overflowed.length;
        for (const start of overflowed) fold(state, start, collatzTrajectory(start));
        state.next += count;
        ctx.progress((state.next - input.start) / input.count);
        ctx.checkpoint({ ...state });
      }
      return outputOf(state);
    },
  };
  return kernel;
}
