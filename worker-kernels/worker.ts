/**
 * @module worker-kernels/worker
 * The Web Worker that computes: the page hands it a replica through comlink, it parses the job with the protocol
 * (the page is trusted no more than the network), runs the app's kernel, and returns the output with which
 * variant ran and how long it took, keeping to the CPU limit the page sets (see throttled-run).
 */
import { expose } from 'comlink';
import { AppInput, type AppOutput, type Variant } from '../protocol/apps.ts';
import { runBestVariant } from './variants.ts';
import { runThrottled, type RunHooks } from './throttled-run.ts';
import { useProtocolErrors } from './comlink-errors.ts';

export type { RunHooks };

/** How the page asks a unit to run: the CPU limit is this worker's busy share, in (0, 1]. */
export interface RunOptions {
  cpuLimit?: number;
  /** The volunteer's "Use the GPU" setting: false keeps the run to WebAssembly and the reference. */
  gpu?: boolean;
}

export interface RunOutcome {
  result: AppOutput;
  variant: Variant;
  elapsedMs: number;
  /** Milliseconds inside the kernel, rests for the CPU limit excluded. */
  busyMs: number;
}

export const workerApi = {
  async run(job: unknown, hooks: RunHooks, resumeFrom?: unknown, options: RunOptions = {}): Promise<RunOutcome> {
    const parsed = AppInput.parse(job);
    const started = performance.now();
    const { value, busyMs } = await runThrottled(options.cpuLimit ?? 1, hooks, resumeFrom, (ctx) =>
      runBestVariant(parsed, ctx, options.gpu === false ? { allow: ['wasm', 'reference'] } : {}),
    );
    return { result: value.result, variant: value.variant, elapsedMs: performance.now() - started, busyMs };
  },
};

export type WorkerApi = typeof workerApi;

useProtocolErrors();
expose(workerApi);
