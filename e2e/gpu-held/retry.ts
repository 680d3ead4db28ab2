/**
 * @module e2e/gpu-held/retry
 * The compute worker's part after a researcher's shader overran, with the real code, on the test page's thread
 * (Playwright serves the page's own workers, not workers' workers): the runner stops the shader's sandbox at its time
 * limit, the unit's code marks the GPU held up (as worker-kernels/custom/run-unit.ts does), and the page's retry runs
 * the module as WebAssembly at once. It reports whether this thread called WebGPU for the probe (it must not: Chromium
 * opens a thread's first WebGPU connection synchronously, and behind the runaway dispatch that held the compute
 * worker until the dispatch ended), and whether the retry finished while the GPU was still held up, i.e. without
 * waiting on the dispatch.
 */
import { checkCustomModule } from '../../worker-kernels/custom/check-module.ts';
import { CustomAppError } from '../../worker-kernels/custom/errors.ts';
import { runCustomApp } from '../../worker-kernels/custom/runner.ts';
import { gpuFree, gpuHeldUp } from '../../worker-kernels/gpu-watch.ts';

export interface RetryRequest {
  module: number[];
  /** The app's manifest with its runaway shader. */
  manifest: unknown;
  /** The runaway shader's input, and the retry's. */
  runawayInput: number[];
  retryInput: number[];
}

export interface RetryReport {
  /** How the shader's run ended. */
  runaway: string;
  /** Calls of navigator.gpu.requestAdapter made on this thread while the GPU was held up. */
  adapterCallsHere: number;
  /** The retry's output words. */
  output: number[];
  /** Whether the GPU was still held up (the probe had not yet found it free) when the retry finished. */
  retryDoneWhileHeld: boolean;
  /** The longest this thread's event loop stood still from the overrun to the retry's end, and how long that took. */
  longestStallMs: number;
  retryMs: number;
  /** From the overrun until the probe found the GPU free again. */
  heldMs: number;
}

/** Runs the runaway shader, then at once its retry as WebAssembly, as the compute worker does. */
export async function retryAfterRunaway(data: RetryRequest): Promise<RetryReport> {
  const gpu = navigator.gpu;
  let adapterCalls = 0;
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = (options?: GPURequestAdapterOptions) => {
    adapterCalls++;
    return requestAdapter(options);
  };
  const bytes = new Uint8Array(data.module);
  const checked = checkCustomModule(bytes, data.manifest);
  const runaway = await runCustomApp(checked, bytes, {
    input: new Uint8Array(data.runawayInput),
    variant: 'webgpu',
  }).then(
    () => 'finished',
    (e: unknown) => (e instanceof CustomAppError ? e.message : String(e)),
  );
  const overran = performance.now();
  adapterCalls = 0;
  let last = performance.now();
  let longestStallMs = 0;
  const ticks = setInterval(() => {
    longestStallMs = Math.max(longestStallMs, performance.now() - last);
    last = performance.now();
  }, 10);
  gpuHeldUp();
  const output = await runCustomApp(checked, bytes, { input: new Uint8Array(data.retryInput) });
  const retryMs = performance.now() - overran;
  const retryDoneWhileHeld = !gpuFree();
  clearInterval(ticks);
  longestStallMs = Math.max(longestStallMs, performance.now() - last);
  while (!gpuFree()) await new Promise((resolve) => setTimeout(resolve, 50));
  gpu.requestAdapter = requestAdapter;
  return {
    runaway,
    adapterCallsHere: adapterCalls,
    output: Array.from(new Uint32Array(output.slice().buffer)),
    retryDoneWhileHeld,
    longestStallMs,
    retryMs,
    heldMs: performance.now() - overran,
  };
}
