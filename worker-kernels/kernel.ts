/**
 * @module worker-kernels/kernel
 * The contract every kernel keeps, whatever it runs on (TypeScript, WebAssembly, WebGPU): input and parameters in,
 * output out, progress and checkpoints reported through the context. The worker, the tests and the coordinator's
 * validator all reach a kernel through this shape only.
 */
import type { AppName } from '../protocol/apps.ts';

export interface KernelContext<Checkpoint> {
  /** Fraction of the unit done, 0..1. Cheap to call; the caller throttles what it forwards. */
  progress(fraction: number): void;
  /** A resumable state; the host persists the latest so that a reload resumes here, not from zero. */
  checkpoint(state: Checkpoint): void;
  /** The last checkpoint of an interrupted run of the same unit, if any. */
  resumeFrom?: Checkpoint | undefined;
  /** Resolves after any rest the worker's CPU limit owes; an async kernel may await it between blocks. */
  pause?(): Promise<void>;
}

/** What a comparator says of two results of one unit (BOINC's compare_results). */
export type Comparison = 'match' | 'mismatch';

export interface Kernel<Input, Output, Checkpoint = unknown> {
  readonly app: AppName;
  run(input: Input, ctx: KernelContext<Checkpoint>): Output;
  /** Whether two results of the same input are the same answer, within the app's tolerance. */
  compare(input: Input, a: Output, b: Output): Comparison;
  /** Floating-point operations one run takes; the basis of the unit's credit. */
  estimateFlops(input: Input): number;
}
