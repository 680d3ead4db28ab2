/**
 * @module worker-kernels/gpu-watch
 * Whether this worker may give the GPU work now. A dispatch cannot be cancelled: when a researcher's shader overruns
 * its time limit, its sandbox is stopped but the GPU goes on with the dispatch (SwiftShader's threads, or a hardware
 * GPU until the system's watchdog resets it and the device is lost), and meanwhile every WebGPU call of the browser
 * waits behind it, opening a device included (seen here: 21 s for a runaway dispatch of 20 s). After such an overrun,
 * or a lost device, the variants leave the GPU alone until a probe (a fresh device and an empty submission) comes
 * back: the GPU has finished the dispatch or been reset, and the next units may use it again.
 */

/** The probe under way, while the GPU is held up. */
let probe: Promise<void> | undefined;
/** The longest wait between probes that find no adapter (WebGPU off after the GPU process crashed, say). */
const MAX_RETRY_MS = 60_000;

/** Whether the GPU is free of a dispatch this worker gave up on, as far as this worker knows. */
export const gpuFree = (): boolean => probe === undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

async function waitForGpu(): Promise<void> {
  for (let wait = 1000; !(await answers()); wait = Math.min(2 * wait, MAX_RETRY_MS)) await sleep(wait);
}

/**
 * The GPU is held up (a dispatch overran, or the device was lost): the GPU variants are off in this worker until a
 * probe finds it answering again. Idempotent while a probe is under way.
 * @example if (error.timedOut) gpuHeldUp();
 */
export function gpuHeldUp(): void {
  if (probe || typeof navigator === 'undefined' || !navigator.gpu) return;
  probe = waitForGpu().finally(() => {
    probe = undefined;
  });
}
