/**
 * @module web/lib/worker-pool
 * One compute worker per allowed core. A worker that crashes, or hangs (no progress within a bound), is terminated
 * and replaced, and its run rejects with a named error; the caller retries the replica once, then reports it.
 */
import { proxy } from 'comlink';
import type { RunHooks, RunOptions, RunOutcome } from '../../worker-kernels/worker.ts';
import { startComputeWorker, type ComputeWorker } from './compute-worker.ts';
import { BaseError } from '../../protocol/base-error.ts';

export class WorkerCrashError extends BaseError {
  override name = 'WorkerCrashError' as const;
}
export class WorkerHangError extends BaseError {
  override name = 'WorkerHangError' as const;
}
/** The run was cut short because computing paused or stopped; its replica resumes from its checkpoint later. */
export class RunStoppedError extends BaseError {
  override name = 'RunStoppedError' as const;
}

export interface RunRequest {
  job: unknown;
  hooks: RunHooks;
  resumeFrom?: unknown;
  options: RunOptions;
}

/** One worker and the run it is doing; replaces its worker after a crash or hang. */
export class ComputeSlot {
  private worker: ComputeWorker;
  private readonly create: () => ComputeWorker;
  private readonly hangMs: number;
  /** Fails the run in progress, if any. */
  private failRun: ((error: Error) => void) | undefined;
  private stopped = false;
  /** The worker died while no run was in progress; the next run gets a fresh one. */
  private crashedIdle = false;

  constructor(create: () => ComputeWorker, hangMs: number) {
    this.create = create;
    this.hangMs = hangMs;
    this.worker = this.start();
  }

  private start(): ComputeWorker {
    const worker = this.create();
    worker.onCrash((message) => {
      if (worker !== this.worker) return;
      if (this.failRun) this.failRun(new WorkerCrashError(message));
      else this.crashedIdle = true;
    });
    return worker;
  }

  run({ job, hooks, resumeFrom, options }: RunRequest): Promise<RunOutcome> {
    if (this.crashedIdle) this.replace();
    const worker = this.worker;
    return new Promise<RunOutcome>((resolve, reject) => {
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      let done = false;
      const settle = (finish: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(watchdog);
        if (this.failRun === fail) this.failRun = undefined;
        finish();
      };
      const fail = (error: Error) => {
        if (worker === this.worker && !this.stopped) this.replace();
        settle(() => reject(error));
      };
      const heartbeat = (restMs = 0) => {
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => fail(new WorkerHangError(`no progress for ${this.hangMs / 1000} s`)),
          this.hangMs + restMs,
        );
      };
      heartbeat();
      this.failRun = fail;
      const live: RunHooks = {
        progress: (f) => {
          heartbeat();
          return hooks.progress(f);
        },
        checkpoint: (s) => {
          heartbeat();
          return hooks.checkpoint(s);
        },
        resting: (ms) => heartbeat(ms),
      };
      worker.api.run(job, proxy(live), resumeFrom, options).then(
        (outcome) => settle(() => resolve(outcome)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  }

  private replace(): void {
    this.crashedIdle = false;
    this.worker.terminate();
    this.worker = this.start();
  }

  terminate(): void {
    this.stopped = true;
    this.worker.terminate();
    this.failRun?.(new RunStoppedError('computing paused'));
  }
}

export interface PoolOptions {
  /** A run with no progress for this long is a hang. */
  hangMs: number;
  create?: () => ComputeWorker;
}

/** The slots; sized to the cores the volunteer allows. */
export class WorkerPool {
  readonly slots: ComputeSlot[];

  constructor(size: number, { hangMs, create = startComputeWorker }: PoolOptions) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`a worker pool needs at least one worker, got ${size}`);
    this.slots = Array.from({ length: size }, () => new ComputeSlot(create, hangMs));
  }

  /** Terminates every worker at once: a run in progress stops within milliseconds and resumes from its checkpoint. */
  terminate(): void {
    for (const slot of this.slots) slot.terminate();
  }
}
