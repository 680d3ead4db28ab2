/**
 * @module worker-kernels/app-variants
 * The two kinds of variant the built-in apps declare, so that an app's index.ts says only what is its own: a
 * WebAssembly build (always worth trying; its load fails where the engine lacks what the build needs), and a WGSL
 * kernel on the shared GPU (preferred on a hardware adapter, after WebAssembly on an emulated one).
 */
import type { AppVariant, Availability } from './app.ts';
import { GpuError } from './errors.ts';
import { acquireGpu, type Gpu } from './gpu.ts';
import { gpuFree } from './gpu-watch.ts';
import type { KernelContext } from './kernel.ts';

/** A loaded WebAssembly kernel: an instance that runs unit after unit. */
export interface WasmKernel<Input, Output, Checkpoint> {
  run(input: Input, ctx: KernelContext<Checkpoint>): Output;
}

/**
 * @param load instantiates the build; rejects with a WasmLoadError where it cannot
 * @example wasmVariant(() => loadCollatzWasm())
 */
export function wasmVariant<Input, Output, Checkpoint>(
  load: () => Promise<WasmKernel<Input, Output, Checkpoint>>,
  build?: string,
): AppVariant<Input, Output, Checkpoint> {
  return {
    kind: 'wasm',
    ...(build && { build }),
    available: async () => 'preferred',
    async load() {
      const kernel = await load();
      return (input, ctx) => kernel.run(input, ctx);
    },
  };
}

/** A WGSL kernel's driver, imported lazily: its shader is a Vite `?raw` import, which only a bundle can load. */
export interface GpuKernel<Input, Output, Checkpoint> {
  /** Whether this unit fits the device's limits. */
  fits(gpu: Gpu, input: Input): boolean;
  run(gpu: Gpu, input: Input, ctx: KernelContext<Checkpoint>): Promise<Output>;
}

/**
 * The GPU if there is one, else none; a fallback adapter is usable but slower than WebAssembly. None either while
 * the GPU is held up by a dispatch that overran (gpu-watch.ts).
 */
async function gpuAvailability(): Promise<Availability> {
  if (!gpuFree()) return 'none';
  try {
    return (await acquireGpu()).isFallback ? 'fallback' : 'preferred';
  } catch (e) {
    if (e instanceof GpuError) return 'none';
    throw e;
  }
}

/** @example gpuVariant(async () => { const m = await import('./webgpu.ts'); return { fits: m.fits, run: m.run }; }) */
export function gpuVariant<Input, Output, Checkpoint>(
  load: () => Promise<GpuKernel<Input, Output, Checkpoint>>,
): AppVariant<Input, Output, Checkpoint> {
  return {
    kind: 'webgpu',
    available: gpuAvailability,
    async load() {
      const kernel = await load();
      await acquireGpu();
      // The device is acquired per unit: after a loss, acquireGpu opens a fresh one.
      return async (input, ctx) => {
        const gpu = await acquireGpu();
        return kernel.fits(gpu, input) ? kernel.run(gpu, input, ctx) : undefined;
      };
    },
  };
}
