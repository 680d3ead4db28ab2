/**
 * @module worker-kernels/worker
 * The Web Worker that computes: the page hands it a replica through comlink, it parses the job with the protocol
 * (the page is trusted no more than the network), runs the app's kernel, and returns the output with which
 * variant ran and how long it took. Progress is forwarded at most every 100 ms so the page is not flooded.
 */
import { expose } from 'comlink';
import { AppInput, type AppOutput, type Variant } from '../protocol/apps.ts';
import { runKernel } from './registry.ts';

export interface RunHooks {
  progress(fraction: number): void;
  checkpoint(state: unknown): void;
}

export interface RunOutcome {
  result: AppOutput;
  variant: Variant;
  elapsedMs: number;
}

const PROGRESS_EVERY_MS = 100;

export const workerApi = {
  run(job: unknown, hooks: RunHooks, resumeFrom?: unknown): RunOutcome {
    const parsed = AppInput.parse(job);
    const started = performance.now();
    let lastProgress = 0;
    const result = runKernel(parsed, {
      progress(fraction) {
        const now = performance.now();
        if (fraction >= 1 || now - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = now;
          void hooks.progress(fraction);
        }
      },
      checkpoint: (state) => void hooks.checkpoint(state),
      resumeFrom,
    });
    return { result, variant: 'reference', elapsedMs: performance.now() - started };
  },
};

export type WorkerApi = typeof workerApi;

expose(workerApi);
