/**
 * @module worker-kernels/variants
 * Picks and runs the fastest variant of a kernel that this device offers and the unit allows, and says which ran.
 * Order: WebGPU (on a hardware adapter), then WebAssembly, then the TypeScript reference. A fallback adapter
 * (SwiftShader: the GPU emulated on the CPU) is still used, but after WebAssembly, since it is the slower of the two
 * there. A researcher's app runs its WGSL shader wherever there is WebGPU, fallback adapters included (its author
 * chose to write one, and nothing measured says otherwise), else its WebAssembly module. A variant that cannot load
 * here (no WebGPU, WASM file missing, device lost) is skipped, and remembered so, until a later load succeeds;
 * errors of the computation itself are the unit's and propagate.
 */
import type { AppInput, AppOutput, Variant } from '../protocol/apps.ts';
import { loadCollatzWasm, type CollatzWasm } from './collatz/wasm.ts';
import { GpuError, WasmLoadError } from './errors.ts';
import { acquireGpu, type Gpu } from './gpu.ts';
import type { KernelContext } from './kernel.ts';
import { runMatmulWebGpu } from './matmul/webgpu.ts';
import { loadMatmulWasm, type MatmulWasm } from './matmul/wasm.ts';
import { runKernel } from './registry.ts';
import { runCustomUnit, shadersMayRun } from './custom/run-unit.ts';
import { loadSignalSearchWasm, type SignalSearchWasm } from './signal-search/wasm.ts';
import { gpuFitsSignalSearch, runSignalSearchWebGpu } from './signal-search/webgpu.ts';

export interface VariantRun {
  result: AppOutput;
  variant: Variant;
}

export interface VariantOptions {
  /** Variants this run may use, e.g. from a page setting or a test; all by default. */
  allow?: readonly Variant[];
}

/** One lazily loaded instance per WASM kernel, reused by every unit of the worker. */
interface WasmKernels {
  'signal-search': SignalSearchWasm;
  matmul: MatmulWasm;
  collatz: CollatzWasm;
}
const wasmLoaders: { [A in keyof WasmKernels]: () => Promise<WasmKernels[A]> } = {
  'signal-search': loadSignalSearchWasm,
  matmul: loadMatmulWasm,
  collatz: loadCollatzWasm,
};
const wasmKernels = new Map<string, Promise<unknown>>();

function wasmKernel<A extends keyof WasmKernels>(app: A): Promise<WasmKernels[A]> {
  let kernel = wasmKernels.get(app) as Promise<WasmKernels[A]> | undefined;
  if (!kernel) {
    kernel = wasmLoaders[app]();
    wasmKernels.set(app, kernel);
    kernel.catch(() => wasmKernels.delete(app));
  }
  return kernel;
}

/** The GPU, if there is one; undefined where WebGPU is missing or refuses. */
async function gpuOrNone(): Promise<Gpu | undefined> {
  try {
    return await acquireGpu();
  } catch (e) {
    if (e instanceof GpuError) return undefined;
    throw e;
  }
}

const hasWebGpu = () => typeof navigator !== 'undefined' && navigator.gpu !== undefined;

async function runWebGpu(job: AppInput, ctx: KernelContext<unknown>): Promise<AppOutput | undefined> {
  if (job.app === 'custom') {
    const output = await runCustomUnit(job.input, ctx, { variant: 'webgpu' });
    return output && { app: job.app, output };
  }
  const gpu = await acquireGpu();
  switch (job.app) {
    case 'matmul': {
      const bytes = job.input.m * job.input.n * 4;
      if (bytes > gpu.device.limits.maxStorageBufferBindingSize) return undefined; // the unit does not fit
      return { app: job.app, output: await runMatmulWebGpu(gpu, job.input, ctx) };
    }
    case 'signal-search':
      if (!gpuFitsSignalSearch(gpu, job.input)) return undefined;
      return { app: job.app, output: await runSignalSearchWebGpu(gpu, job.input, ctx as KernelContext<never>) };
    default:
      return undefined; // no WGSL variant for this app
  }
}

async function runWasm(job: AppInput, ctx: KernelContext<unknown>): Promise<AppOutput> {
  switch (job.app) {
    case 'signal-search':
      return { app: job.app, output: (await wasmKernel(job.app)).run(job.input, ctx as KernelContext<never>) };
    case 'matmul':
      return { app: job.app, output: (await wasmKernel(job.app)).run(job.input, ctx) };
    case 'collatz':
      return { app: job.app, output: (await wasmKernel(job.app)).run(job.input, ctx as KernelContext<never>) };
    case 'custom':
      return { app: job.app, output: await runCustomUnit(job.input, ctx) };
  }
}

/** The variants to try for this job, fastest first. */
export async function variantOrder(job: AppInput, options: VariantOptions = {}): Promise<Variant[]> {
  const allowed = (v: Variant) => !options.allow || options.allow.includes(v);
  // A researcher's app: whether it has a shader is known once its manifest is fetched, and its sandbox opens a
  // device of its own, so only the API is looked for here; runBestVariant moves on to WASM where either is missing.
  if (job.app === 'custom') {
    return (['webgpu', 'wasm'] as const).filter(
      (v) => allowed(v) && (v === 'wasm' || (hasWebGpu() && shadersMayRun())),
    );
  }
  // Collatz needs 64-bit integers, which WGSL lacks.
  const gpu = allowed('webgpu') && job.app !== 'collatz' ? await gpuOrNone() : undefined;
  const order: Variant[] = gpu?.isFallback ? ['wasm', 'webgpu', 'reference'] : ['webgpu', 'wasm', 'reference'];
  return order.filter((v) => allowed(v) && (v !== 'webgpu' || gpu !== undefined));
}

/**
 * Runs `job` on the fastest variant available, falling back past variants that cannot load.
 * @example const { result, variant } = await runBestVariant(job, ctx); // variant: 'wasm'
 */
export async function runBestVariant(
  job: AppInput,
  ctx: KernelContext<unknown>,
  options: VariantOptions = {},
): Promise<VariantRun> {
  const failures: string[] = [];
  for (const variant of await variantOrder(job, options)) {
    try {
      if (variant === 'reference') return { result: runKernel(job, ctx), variant };
      if (variant === 'wasm') return { result: await runWasm(job, ctx), variant };
      const result = await runWebGpu(job, ctx);
      if (result) return { result, variant };
    } catch (e) {
      if (!(e instanceof WasmLoadError || e instanceof GpuError)) throw e;
      failures.push(`${variant}: ${e.message}`);
    }
  }
  throw new WasmLoadError(`no variant of ${job.app} could run here (${failures.join('; ') || 'none allowed'})`);
}
