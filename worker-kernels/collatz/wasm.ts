/**
 * @module worker-kernels/collatz/wasm
 * Driver of the WebAssembly Collatz search (assembly/index.ts): searches the range a chunk at a time (progress and
 * checkpoints as the reference gives them) and finishes exactly, with the reference's BigInt path, the rare starts
 * whose trajectories leave 64 bits.
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { KernelContext } from '../kernel.ts';
import { instantiateWasm } from '../wasm-loader.ts';
import { CHUNK, collatzSteps, initialState, type CollatzCheckpoint } from './reference.ts';

interface CollatzExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  search(start: number, count: number, overflow: number, room: number): void;
  maxSteps: WebAssembly.Global;
  argMax: WebAssembly.Global;
  totalSteps: WebAssembly.Global;
  overflowCount: WebAssembly.Global;
}

export interface CollatzWasm {
  run(input: CollatzInput, ctx: KernelContext<CollatzCheckpoint>): CollatzOutput;
  /** How many starts of the last run left 64 bits and were finished in BigInt. */
  overflowed: number;
}

/** Folds a start found out of order: on equal steps the smaller start wins. */
function merge(state: CollatzCheckpoint, start: number, steps: number): void {
  if (steps > state.maxSteps || (steps === state.maxSteps && start < state.argMax)) {
    state.maxSteps = steps;
    state.argMax = start;
  }
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
        if (wasm.maxSteps.value >= 0) merge(state, wasm.argMax.value as number, wasm.maxSteps.value as number);
        state.totalSteps += wasm.totalSteps.value as number;
        const overflowed = new Float64Array(wasm.memory.buffer, overflow, wasm.overflowCount.value as number);
        this.overflowed += overflowed.length;
        for (const start of overflowed) {
          const steps = collatzSteps(start);
          merge(state, start, steps);
          state.totalSteps += steps;
        }
        state.next += count;
        ctx.progress((state.next - input.start) / input.count);
        ctx.checkpoint({ ...state });
      }
      return { maxSteps: state.maxSteps, argMax: state.argMax, totalSteps: state.totalSteps };
    },
  };
  return kernel;
}
