/**
 * @module e2e/custom-throttle/page
 * The test page of researchers' apps under the CPU limit: bundled by the spec with Vite and loaded in Chromium, it
 * runs a module given by the spec as the compute worker does (runThrottled, then the runner's sandbox worker, which
 * rests at the module's calls) and returns what the sandbox reported: each rest as the duty cycle planned it, how
 * long each lasted, and the busy and wall milliseconds of the run.
 */
import { runThrottled } from '../../worker-kernels/throttled-run.ts';
import { checkCustomModule } from '../../worker-kernels/custom/check-module.ts';
import { cpuOptions } from '../../worker-kernels/custom/run-unit.ts';
import { runCustomAppMetered } from '../../worker-kernels/custom/runner.ts';
import type { SandboxRest } from '../../worker-kernels/custom/sandbox-rest.ts';

export interface ThrottledUnits {
  outputs: number[][];
  rests: SandboxRest[];
  restedMs: number[];
  /** The sandboxes' computing time, the worker's busy time (its duty cycle), and the wall clock, over all units. */
  sandboxBusyMs: number;
  workerBusyMs: number;
  wallMs: number;
  checkpoints: number;
  starts: number;
}

const page = {
  /** Runs one unit per range, back to back as the worker does, at this CPU limit. */
  async runUnits(
    moduleBytes: number[],
    manifest: unknown,
    ranges: [number, number][],
    limit: number,
  ): Promise<ThrottledUnits> {
    const bytes = new Uint8Array(moduleBytes);
    const checked = checkCustomModule(bytes, manifest);
    const result: ThrottledUnits = {
      outputs: [],
      rests: [],
      restedMs: [],
      sandboxBusyMs: 0,
      workerBusyMs: 0,
      wallMs: 0,
      checkpoints: 0,
      starts: 0,
    };
    const hooks = { progress() {}, checkpoint: () => void result.checkpoints++ };
    const started = performance.now();
    for (const range of ranges) {
      const outcome = await runThrottled(limit, hooks, undefined, async (ctx) => {
        result.starts++;
        const cpu = cpuOptions(ctx);
        const run = await runCustomAppMetered(checked, bytes, {
          input: new Uint8Array(new Uint32Array(range).buffer),
          onCheckpoint: (s) => ctx.checkpoint(s),
          cpu: cpu.cpu,
          onResting: (rest) => {
            result.rests.push(rest);
            cpu.onResting?.(rest);
          },
          onResumed: (ms) => {
            result.restedMs.push(ms);
            cpu.onResumed?.(ms);
          },
        });
        result.sandboxBusyMs += run.busyMs;
        return Array.from(new Uint32Array(run.output.slice().buffer));
      });
      result.outputs.push(outcome.value);
      result.workerBusyMs += outcome.busyMs;
    }
    result.wallMs = performance.now() - started;
    return result;
  },
};

declare global {
  interface Window {
    throttle: typeof page;
  }
}

window.throttle = page;
document.title = 'throttle ready';
