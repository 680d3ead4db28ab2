/**
 * @module worker-kernels/collatz/reference
 * The reference Collatz search, the truth: exact at every size, in doubles while 3n+1 stays below 2^53 and in
 * BigInt beyond. Reports progress and a checkpoint every chunk of starts, so a reload resumes mid-range.
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { KernelContext } from '../kernel.ts';

/** Largest odd n for which 3n+1 is still an exact double. */
const SAFE_ODD = Math.floor((Number.MAX_SAFE_INTEGER - 1) / 3);
export const CHUNK = 1 << 16;

function bigSteps(n: bigint): number {
  let steps = 0;
  while (n !== 1n) {
    n = n & 1n ? 3n * n + 1n : n >> 1n;
    steps++;
  }
  return steps;
}

/** Total stopping time of `start` ≥ 1: collatzSteps(1) = 0, collatzSteps(27) = 111. */
export function collatzSteps(start: number): number {
  let n = start,
    steps = 0;
  while (n !== 1) {
    if (n % 2 === 0) n /= 2;
    else if (n <= SAFE_ODD) n = 3 * n + 1;
    else return steps + bigSteps(BigInt(n));
    steps++;
  }
  return steps;
}

/** The search so far; also the checkpoint. `next` is the first start not yet searched. */
export interface CollatzCheckpoint extends CollatzOutput {
  next: number;
}

/** Folds one start's steps into the running result; ties keep the smaller start, which came first. */
export function fold(acc: CollatzCheckpoint, start: number, steps: number): void {
  if (steps > acc.maxSteps) {
    acc.maxSteps = steps;
    acc.argMax = start;
  }
  acc.totalSteps += steps;
}

export function initialState(input: CollatzInput, ctx: KernelContext<CollatzCheckpoint>): CollatzCheckpoint {
  const resumed = ctx.resumeFrom;
  return resumed ? { ...resumed } : { next: input.start, maxSteps: -1, argMax: input.start, totalSteps: 0 };
}

export function runCollatz(input: CollatzInput, ctx: KernelContext<CollatzCheckpoint>): CollatzOutput {
  const end = input.start + input.count;
  const state = initialState(input, ctx);
  while (state.next < end) {
    const stop = Math.min(state.next + CHUNK, end);
    for (let n = state.next; n < stop; n++) fold(state, n, collatzSteps(n));
    state.next = stop;
    ctx.progress((stop - input.start) / input.count);
    ctx.checkpoint({ ...state });
  }
  return { maxSteps: state.maxSteps, argMax: state.argMax, totalSteps: state.totalSteps };
}
