/**
 * @module worker-kernels/kernel
 * What every way of running an app sees of its host, whatever it runs on (TypeScript, WebAssembly, WebGPU): progress
 * and checkpoints reported through the context, the CPU limit kept through it; and what a comparator answers. An app
 * itself is declared in app.ts.
 */
import type { DutySnapshot } from './duty-cycle.ts';

/** The worker's CPU limit as handed to a kernel that keeps to it itself (KernelContext.ownCpuLimit). */
export interface CpuLimitHandle {
  /** Busy share allowed, in (0, 1]. */
  readonly limit: number;
  /** The worker's duty-cycle window when the kernel took the limit over, to carry on from. */
  readonly carry: DutySnapshot;
  /** The kernel starts a rest of about this long: the worker counts it as rest (and tells the page it is no hang). */
  resting(ms: number): void;
  /** The kernel rested this long and computes again. */
  resumed(restedMs: number): void;
}

export interface KernelContext<Checkpoint> {
  /** Fraction of the unit done, 0..1. Cheap to call; the caller throttles what it forwards. */
  progress(fraction: number): void;
  /** A resumable state; the host persists the latest so that a reload resumes here, not from zero. */
  checkpoint(state: Checkpoint): void;
  /** The last checkpoint of an interrupted run of the same unit, if any. */
  resumeFrom?: Checkpoint | undefined;
  /** Resolves after any rest the worker's CPU limit owes; an async kernel may await it between blocks. */
  pause?(): Promise<void>;
  /**
   * For a kernel that computes in a thread of its own and rests there (a researcher's app in its sandbox): takes the
   * worker's CPU limit over for this run, so the worker no longer unwinds it at checkpoints and counts its rests as
   * rest. Absent where no limit applies.
   */
  ownCpuLimit?(): CpuLimitHandle;
}

/** What a comparator says of two results of one unit (BOINC's compare_results). */
export type Comparison = 'match' | 'mismatch';
