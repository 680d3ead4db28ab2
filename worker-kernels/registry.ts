/**
 * @module worker-kernels/registry
 * Every app's kernel by name. The worker runs them; the coordinator's validator compares with them and prices
 * units by their FLOP estimates, so both sides agree on what an app is.
 */
import type { AppInput, AppName, AppOutput } from '../protocol/apps.ts';
import type { Comparison, Kernel, KernelContext } from './kernel.ts';
import { collatz } from './collatz/index.ts';
import { custom } from './custom/kernel.ts';
import { matmul } from './matmul/index.ts';
import { signalSearch } from './signal-search/index.ts';

// Each entry is typed by its own app; the functions below take the discriminated union and pair it correctly.
const kernels = { 'signal-search': signalSearch, matmul, collatz, custom } as const satisfies Record<
  AppName,
  Kernel<never, unknown>
>;

export function runKernel(job: AppInput, ctx: KernelContext<unknown>): AppOutput {
  switch (job.app) {
    case 'signal-search':
      return { app: job.app, output: kernels[job.app].run(job.input, ctx as KernelContext<never>) };
    case 'matmul':
      return { app: job.app, output: kernels[job.app].run(job.input, ctx) };
    case 'collatz':
      return { app: job.app, output: kernels[job.app].run(job.input, ctx as KernelContext<never>) };
    case 'custom':
      return { app: job.app, output: kernels[job.app].run(job.input, ctx) };
  }
}

/** A result's output as its app's type; the caller has checked that `result.app` is `app`. */
type OutputOf = { [O in AppOutput as O['app']]: O['output'] };
function outputOf<N extends AppName>(result: AppOutput, app: N): OutputOf[N] {
  if (result.app !== app) throw new Error(`expected a ${app} result, got ${result.app}`);
  return result.output as unknown as OutputOf[N];
}

export function compareOutputs(job: AppInput, a: AppOutput, b: AppOutput): Comparison {
  if (a.app !== job.app || b.app !== job.app) return 'mismatch';
  switch (job.app) {
    case 'signal-search':
      return kernels[job.app].compare(job.input, outputOf(a, job.app), outputOf(b, job.app));
    case 'matmul':
      return kernels[job.app].compare(job.input, outputOf(a, job.app), outputOf(b, job.app));
    case 'collatz':
      return kernels[job.app].compare(job.input, outputOf(a, job.app), outputOf(b, job.app));
    case 'custom':
      return kernels[job.app].compare(job.input, outputOf(a, job.app), outputOf(b, job.app));
  }
}

export function estimateFlops(job: AppInput): number {
  switch (job.app) {
    case 'signal-search':
      return kernels[job.app].estimateFlops(job.input);
    case 'matmul':
      return kernels[job.app].estimateFlops(job.input);
    case 'collatz':
      return kernels[job.app].estimateFlops(job.input);
    case 'custom':
      return kernels[job.app].estimateFlops(job.input);
  }
}
