/**
 * @module worker-kernels/gpu-probe-worker
 * One probe of the GPU (gpu-watch.ts), in a worker of its own: whether a fresh device answers an empty submission.
 * It posts true or false once. Chromium opens a worker's first WebGPU connection synchronously, on the calling
 * thread, and that waits for the GPU process, which waits behind a runaway dispatch: run on the compute worker's
 * thread, the probe stopped it for as long as the dispatch lasted, the retry of the very unit that overran included.
 */
async function answers(): Promise<boolean> {
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return false;
    const device = await adapter.requestDevice({ label: 'terraflop-gpu-probe' });
    device.queue.submit([]);
    await device.queue.onSubmittedWorkDone();
    device.destroy();
    return true;
  } catch {
    return false;
  }
}

postMessage(await answers());

export {};
