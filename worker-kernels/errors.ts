/**
 * @module worker-kernels/errors
 * The errors a kernel variant raises, each with a literal name that survives the worker boundary (comlink
 * serialises name and message), so the page and the coordinator can tell a missing WASM file from a lost GPU.
 */
import { BaseError } from '../protocol/base-error.ts';

export class KernelError extends BaseError {
  override name: 'KernelError' | 'WasmLoadError' | 'GpuError' = 'KernelError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The WebAssembly module could not be fetched, compiled or instantiated. */
export class WasmLoadError extends KernelError {
  override name = 'WasmLoadError' as const;
}

/** No usable WebGPU adapter or device, the device was lost, or a GPU command raised a validation error. */
export class GpuError extends KernelError {
  override name = 'GpuError' as const;
}
