/**
 * @module worker-kernels/registry
 * Every app by name: the one list an app joins. The worker runs them (variants.ts); the coordinator's validator
 * checks and compares results with them and prices units by their FLOP estimates, so both sides agree on what an
 * app is. Nothing here or in variants.ts knows one app from another.
 */
import type { AppInput, AppInputOf, AppName, AppOutput, AppOutputOf } from '../protocol/apps.ts';
import type { App } from './app.ts';
import { collatz } from './collatz/index.ts';
import { custom } from './custom/index.ts';
import { KernelError } from './errors.ts';
import type { Comparison, KernelContext } from './kernel.ts';
import { matmul } from './matmul/index.ts';
import { signalSearch } from './signal-search/index.ts';
import { training } from './training/index.ts';

/** Each entry is typed by its own app's schemas, so an app's input and output cannot be paired with another's. */
export const apps: { readonly [N in AppName]: App<AppInputOf[N], AppOutputOf[N], never> } = {
  'signal-search': signalSearch,
  matmul,
  collatz,
  custom,
  training,
};

/**
 * The app of a job, its types erased: the job's `app` field names it, and the protocol's discriminated union pairs
 * that name with its input and output, so the pairing holds by construction.
 */
export function appOf(name: AppName): App<unknown, unknown, unknown> {
  return apps[name] as unknown as App<unknown, unknown, unknown>;
}

/** The app's reference on this job (the simulated hosts' and the tests' truth). */
export function runReference(job: AppInput, ctx: KernelContext<unknown>): AppOutput {
  const { reference } = appOf(job.app);
  if (!reference) throw new KernelError(`${job.app} has no reference: it runs only as its uploaded code`);
  return { app: job.app, output: reference(job.input, ctx) } as AppOutput;
}

/** Why a result cannot be right for this job, or undefined when it may be (the validator's first look). */
export function checkSanity(job: AppInput, result: AppOutput): string | undefined {
  if (result.app !== job.app) return `a ${result.app} result for a ${job.app} unit`;
  return appOf(job.app).sanity(job.input, result.output);
}

export function compareOutputs(job: AppInput, a: AppOutput, b: AppOutput): Comparison {
  if (a.app !== job.app || b.app !== job.app) return 'mismatch';
  return appOf(job.app).compare(job.input, a.output, b.output);
}

export function estimateFlops(job: AppInput): number {
  return appOf(job.app).estimateFlops(job.input);
}
