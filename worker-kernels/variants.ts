/**
 * @module worker-kernels/variants
 * Picks and runs the fastest variant of an app that this device offers and the unit allows, and says which ran.
 * Order: the app's variants as it lists them (fastest first), except that one only usable as a fallback (a GPU
 * emulated on the CPU, SwiftShader, slower there than WebAssembly) comes after the others; the reference last. A
 * variant that cannot load here (no WebGPU, WASM file or engine feature missing, device lost) is skipped, and its
 * load is tried again for a later unit; errors of the computation itself are the unit's and propagate.
 */
import type { AppInput, AppOutput, Variant } from '../protocol/apps.ts';
import { type AppVariant, type VariantRunner, variantName } from './app.ts';
import { GpuError, WasmLoadError } from './errors.ts';
import type { KernelContext } from './kernel.ts';
import { appOf, runReference } from './registry.ts';

export interface VariantRun {
  result: AppOutput;
  variant: Variant;
}

export interface VariantOptions {
  /** Variants this run may use, e.g. from a page setting or a test; all by default. */
  allow?: readonly Variant[];
}

type AnyVariant = AppVariant<unknown, unknown, unknown>;

/** One load per variant and worker (a WASM instance reused by every unit); a failed load is forgotten. */
const loaded = new Map<AnyVariant, Promise<VariantRunner<unknown, unknown, unknown>>>();

function load(variant: AnyVariant): Promise<VariantRunner<unknown, unknown, unknown>> {
  let runner = loaded.get(variant);
  if (!runner) {
    runner = variant.load();
    loaded.set(variant, runner);
    runner.catch(() => loaded.delete(variant));
  }
  return runner;
}

type Step = AnyVariant | 'reference';

async function plan(job: AppInput, options: VariantOptions): Promise<Step[]> {
  const allowed = (v: Variant) => !options.allow || options.allow.includes(v);
  const app = appOf(job.app);
  const first: Step[] = [];
  const later: Step[] = [];
  for (const variant of app.variants) {
    if (!allowed(variant.kind)) continue;
    const availability = await variant.available();
    if (availability === 'preferred') first.push(variant);
    else if (availability === 'fallback') later.push(variant);
  }
  const reference: Step[] = app.reference && allowed('reference') ? ['reference'] : [];
  return [...first, ...later, ...reference];
}

const kindOf = (step: Step): Variant => (step === 'reference' ? step : step.kind);

/** The kinds of variant to try for this job, fastest first. */
export async function variantOrder(job: AppInput, options: VariantOptions = {}): Promise<Variant[]> {
  return [...new Set((await plan(job, options)).map(kindOf))];
}

/**
 * Runs `job` on the fastest variant available, falling back past variants that cannot load or do not fit.
 * @example const { result, variant } = await runBestVariant(job, ctx); // variant: 'wasm'
 */
export async function runBestVariant(
  job: AppInput,
  ctx: KernelContext<unknown>,
  options: VariantOptions = {},
): Promise<VariantRun> {
  const failures: string[] = [];
  for (const step of await plan(job, options)) {
    if (step === 'reference') return { result: runReference(job, ctx), variant: 'reference' };
    try {
      const output = await (await load(step))(job.input, ctx);
      if (output !== undefined) return { result: { app: job.app, output } as AppOutput, variant: step.kind };
    } catch (e) {
      if (!(e instanceof WasmLoadError || e instanceof GpuError)) throw e;
      failures.push(`${variantName(step)}: ${e.message}`);
    }
  }
  throw new WasmLoadError(`no variant of ${job.app} could run here (${failures.join('; ') || 'none allowed'})`);
}
