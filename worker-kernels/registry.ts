/**
 * @module worker-kernels/registry
 * Every app's kernel by name. The worker runs them; the coordinator's validator compares with them and prices
 * units by their FLOP estimates, so both sides agree on what an app is.
 */
import type { AppInput, AppName, AppOutput } from '../protocol/apps.ts';
import type { Comparison, Kernel, KernelContext } from './kernel.ts';
import { signalSearch } from './signal-search/index.ts';

// Each entry is typed by its own app; the functions below take the discriminated union and pair it correctly.
const kernels = { 'signal-search': signalSearch } as const satisfies Record<AppName, Kernel<never, unknown>>;

export function runKernel(job: AppInput, ctx: KernelContext<unknown>): AppOutput {
  switch (job.app) {
    case 'signal-search':
      return { app: job.app, output: kernels[job.app].run(job.input, ctx as KernelContext<never>) };
  }
}

export function compareOutputs(job: AppInput, a: AppOutput, b: AppOutput): Comparison {
  if (a.app !== job.app || b.app !== job.app) return 'mismatch';
  switch (job.app) {
    case 'signal-search':
      return kernels[job.app].compare(job.input, a.output, b.output);
  }
}

export function estimateFlops(job: AppInput): number {
  switch (job.app) {
    case 'signal-search':
      return kernels[job.app].estimateFlops(job.input);
  }
}
