/**
 * @module worker-kernels/collatz/reference
 * The reference Collatz search, the truth: exact at every size (trajectory.ts). Reports progress and a checkpoint
 * every chunk of starts, so a reload resumes mid-range.
 */
import type { CollatzInput, CollatzOutput } from '../../protocol/collatz.ts';
import type { KernelContext } from '../kernel.ts';
import { collatzTrajectory, type Trajectory } from './trajectory.ts';

export const CHUNK = 1 << 16;

/** The search so far; also the checkpoint. `next` is the first start not yet searched. */
export interface CollatzCheckpoint extends CollatzOutput {
  next: number;
}

/** Folds one start's trajectory into the running result; on equal steps the smaller start wins. */
export function fold(acc: CollatzCheckpoint, start: number, { steps, hash }: Trajectory): void {
  if (steps > acc.maxSteps || (steps === acc.maxSteps && start < acc.argMax)) {
    acc.maxSteps = steps;
    acc.argMax = start;
  }
  acc.totalSteps += steps;
  acc.digest = (acc.digest + hash) >>> 0;
}

export function initialState(input: CollatzInput, ctx: KernelContext<CollatzCheckpoint>): CollatzCheckpoint {
  const resumed = ctx.resumeFrom;
  return resumed ? { ...resumed } : { next: input.start, maxSteps: -1, argMax: input.start, totalSteps: 0, digest: 0 };
}

/** The output part of a search's state. */
export const outputOf = ({ maxSteps, argMax, totalSteps, digest }: CollatzCheckpoint): CollatzOutput => ({
  maxSteps,
  argMax,
  totalSteps,
  digest,
});

export function runCollatz(input: CollatzInput, ctx: KernelContext<CollatzCheckpoint>): CollatzOutput {
  const end = input.start + input.count;
  const state = initialState(input, ctx);
  while (state.next < end) {
    const stop = Math.min(state.next + CHUNK, end);
    for (let n = state.next; n < stop; n++) fold(state, n, collatzTrajectory(n));
    state.next = stop;
    ctx.progress((stop - input.start) / input.count);
    ctx.checkpoint({ ...state });
  }
  return outputOf(state);
}
