/**
 * @module worker-kernels/gpu-watch
 * Whether this worker may give the GPU work now. A dispatch cannot be cancelled: when a researcher's shader overruns
 * its time limit, its sandbox is stopped but the GPU goes on with the dispatch (SwiftShader's threads, or a hardware
 * GPU until the system's watchdog resets it and the device is lost), and meanwhile every WebGPU call of the browser
 * waits behind it, opening a device included (seen here: 21 s for a runaway dispatch of 20 s). After such an overrun,
 * or a lost device, the variants leave the GPU alone until a probe (a fresh device and an empty submission) comes
 * back: the GPU has finished the dispatch or been reset, and the next units may use it again.
 *
 * The probe runs in a worker of its own (gpu-probe-worker.ts), never on this worker's thread: Chromium opens a
 * worker's first WebGPU connection synchronously, and behind a runaway dispatch that blocked the compute worker until
 * the dispatch ended, so the page's retry of the unit, as WebAssembly, could not even start its sandbox (seen: a
 * WorkerHangError after 60 s on a loaded machine). A probe that does not answer within PROBE_MS is ended and counts as
 * a no.
 */

/** The probe under way, while the GPU is held up. */
let probe: Promise<void> | undefined;
/** The longest wait between probes that find no adapter (WebGPU off after the GPU process crashed, say). */
const MAX_RETRY_MS = 60_000;

/** Whether the GPU is free of a dispatch this worker gave up on, as far as this worker knows. */
export const gpuFree = (): boolean => probe === undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long one probe may take before it counts as a no (the GPU is still held up). */
const PROBE_MS = 60_000;

/** One probe, in a fresh worker of its own, ended once it has answered. */
function answers(): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./gpu-probe-worker.ts', import.meta.url), {
        type: 'module',
        name: 'terraflop-gpu-probe',
      });
    } catch {
      return resolve(false);
    }
    const answer = (free: boolean) => {
      clearTimeout(timer);
      worker.terminate();
      resolve(free);
    };
    const timer = setTimeout(() => answer(false), PROBE_MS);
    worker.onmessage = (e: MessageEvent<unknown>) => answer(e.data === true);
    worker.onerror = () => answer(false);
  });
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
  if (probe || typeof navigator === 'undefined' || !navigator.gpu || typeof Worker !== 'function') return;
  probe = waitForGpu().finally(() => {
    probe = undefined;
  });
}
