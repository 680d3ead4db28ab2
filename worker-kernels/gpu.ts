/**
 * @module worker-kernels/gpu
 * The one WebGPU device the kernels share, and its hygiene: fallback adapters (SwiftShader) are accepted, the
 * limits the kernels need are requested explicitly (the defaults are smaller than adapters offer), pipelines are
 * cached by a deterministic key, every object is labelled with its kernel, and device loss or an uncaptured error
 * becomes a typed GpuError on the next call instead of a dead page. Set `globalThis.TERRAFLOP_DEBUG_WGSL = true`
 * to print each shader as it is compiled.
 */
import { GpuError } from './errors.ts';

export interface Gpu {
  readonly device: GPUDevice;
  /** A software or otherwise slow adapter (SwiftShader here): usable, but not preferred over WebAssembly. */
  readonly isFallback: boolean;
  /**
   * The compute pipeline for `code` with its override constants, compiled once per key and constants. `stage`
   * names one of the module's entry points and the layout its kernel shares between them (a module with several;
   * by default the one entry point and an automatic layout).
   */
  pipeline(
    kernel: string,
    key: string,
    code: string,
    constants?: Record<string, number>,
    stage?: PipelineStage,
  ): GPUComputePipeline;
  /** Runs `work` inside a validation and out-of-memory error scope; a GPU error or a lost device throws GpuError. */
  scoped<T>(kernel: string, work: () => Promise<T>): Promise<T>;
}

/** One entry point of a module with several, and the pipeline layout all of them share. */
export interface PipelineStage {
  readonly entryPoint: string;
  readonly layout: GPUPipelineLayout;
}

let current: Promise<Gpu> | undefined;

/** Limits the kernels rely on, asked for at the adapter's maximum. */
const NEEDED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/** Opens the device; `drop` forgets it, so that the next acquireGpu opens a fresh one. */
async function open(drop: () => void): Promise<Gpu> {
  if (typeof navigator === 'undefined' || !navigator.gpu) throw new GpuError('WebGPU is not available here');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new GpuError('no WebGPU adapter');
  const requiredLimits: Record<string, number> = {};
  for (const name of NEEDED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ label: 'terraflop-kernels', requiredLimits });
  let failure: GpuError | undefined;
  // After a loss or an error outside any kernel's scope this device fails its units (`failure`), and the next
  // acquire opens a fresh one: a volunteer's GPU comes back after a reset without a reload.
  device.lost.then((info) => {
    failure = new GpuError(`GPU device lost (${info.reason}): ${info.message}`);
    drop();
  });
  device.addEventListener('uncapturederror', (event) => {
    failure ??= new GpuError(`uncaptured GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    drop();
  });
  const pipelines = new Map<string, GPUComputePipeline>();
  // One module per kernel and key, shared by the pipelines of its entry points and override constants.
  const modules = new Map<string, GPUShaderModule>();
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  return {
    device,
    isFallback: Boolean(adapter.info?.isFallbackAdapter ?? legacy.isFallbackAdapter),
    pipeline(kernel, key, code, constants = {}, stage) {
      const cacheKey = `${kernel}:${key}${stage ? `@${stage.entryPoint}` : ''}${Object.entries(constants)
        .map(([k, v]) => `:${k}=${v}`)
        .join('')}`;
      let pipeline = pipelines.get(cacheKey);
      if (!pipeline) {
        if ((globalThis as { TERRAFLOP_DEBUG_WGSL?: boolean }).TERRAFLOP_DEBUG_WGSL) console.log(cacheKey, code);
        const moduleKey = `${kernel}:${key}`;
        let module = modules.get(moduleKey);
        if (!module) {
          module = device.createShaderModule({ label: moduleKey, code });
          modules.set(moduleKey, module);
        }
        pipeline = device.createComputePipeline({
          label: cacheKey,
          layout: stage?.layout ?? 'auto',
          compute: { module, constants, ...(stage && { entryPoint: stage.entryPoint }) },
        });
        pipelines.set(cacheKey, pipeline);
      }
      return pipeline;
    },
    async scoped<T>(kernel: string, work: () => Promise<T>): Promise<T> {
      if (failure) throw failure;
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      let result: T | undefined;
      let thrown: unknown;
      try {
        result = await work();
      } catch (cause) {
        thrown = cause;
      }
      const [validation, memory] = [await device.popErrorScope(), await device.popErrorScope()];
      const error = validation ?? memory;
      if (error) throw new GpuError(`${kernel}: ${error.message}`);
      if (failure) throw failure;
      // GPU promises reject with DOMExceptions; anything else (the kernel's own errors, the throttle's unwinding
      // through checkpoint()) passes through as it is.
      if (thrown instanceof DOMException) throw new GpuError(`${kernel}: ${thrown.message}`, { cause: thrown });
      if (thrown !== undefined) throw thrown;
      return result as T;
    },
  };
}

/** The shared device, opened on first use; throws GpuError where WebGPU is missing or refuses. */
export function acquireGpu(): Promise<Gpu> {
  if (!current) {
    // Only this device's loss forgets it: an old device lost later must not drop its successor.
    const drop = () => {
      if (current === opening) current = undefined;
    };
    const opening: Promise<Gpu> = open(drop).catch((cause: unknown) => {
      drop();
      throw cause instanceof GpuError ? cause : new GpuError(`cannot open WebGPU: ${String(cause)}`, { cause });
    });
    current = opening;
  }
  return current;
}

/** Reads a storage buffer back to the CPU through a labelled staging buffer. */
export async function readBack(gpu: Gpu, kernel: string, source: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const staging = gpu.device.createBuffer({
    label: `${kernel}:staging`,
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = gpu.device.createCommandEncoder({ label: `${kernel}:readback` });
  encoder.copyBufferToBuffer(source, 0, staging, 0, bytes);
  gpu.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.destroy();
  return copy;
}
