/**
 * @module e2e/kernels-webgpu/page
 * The test page of the WebGPU kernels: bundled by the spec with Vite and loaded in Chromium, it exposes the GPU
 * variants on `window.kernels` so the spec can hold them against the reference, which it runs in Node. The same
 * bundle started as a dedicated worker (as the real compute worker is) runs jobs posted to it.
 */
import type { AppInput, AppName, Variant } from '../../protocol/apps.ts';
import { variantName } from '../../worker-kernels/app.ts';
import { acquireGpu } from '../../worker-kernels/gpu.ts';
import { appOf } from '../../worker-kernels/registry.ts';
import { runBestVariant, variantOrder } from '../../worker-kernels/variants.ts';

const quiet = { progress() {}, checkpoint() {} };

const kernels = {
  async adapter() {
    const gpu = await acquireGpu();
    return { isFallback: gpu.isFallback, maxStorage: gpu.device.limits.maxStorageBufferBindingSize };
  },
  /** One unit on one variant of an app, by its name (app.ts's variantName), as the conformance spec asks. */
  async runVariant(app: AppName, name: string, input: unknown) {
    const variant = appOf(app).variants.find((v) => variantName(v) === name);
    if (!variant) throw new Error(`${app} has no variant ${name}`);
    const run = await variant.load();
    const started = performance.now();
    const output = await run(input, quiet);
    return { output, ms: performance.now() - started };
  },
  async best(job: AppInput, allow?: Variant[]) {
    const order = await variantOrder(job, allow ? { allow } : {});
    const { result, variant } = await runBestVariant(job, quiet, allow ? { allow } : {});
    return { order, result, variant };
  },
  /** Runs a job in a dedicated worker started from this same bundle, as the volunteer page's worker runs them. */
  async inWorker(job: AppInput, allow?: Variant[]) {
    const source = await (await fetch(import.meta.url)).text();
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
    try {
      return await new Promise<WorkerReply>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<WorkerReply>) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage({ job, allow });
      });
    } finally {
      worker.terminate();
    }
  },
  /** Loses the shared device (destroys it, as a GPU reset would lose it) and waits for the loss to be seen. */
  async loseDevice() {
    const gpu = await acquireGpu();
    gpu.device.destroy();
    return (await gpu.device.lost).reason;
  },
  /** A GPU validation error inside a kernel's scope must come out as a GpuError, not a dead page. */
  async invalidCommand() {
    const gpu = await acquireGpu();
    try {
      await gpu.scoped('broken', async () => {
        // MAP_READ may only be combined with COPY_DST: a validation error.
        gpu.device.createBuffer({
          label: 'broken:buffer',
          size: 16,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE,
        });
      });
      return { name: 'none', message: '' };
    } catch (e) {
      return { name: (e as Error).name, message: (e as Error).message };
    }
  },
};

type WorkerReply = { ok: true; variant: Variant; result: unknown } | { ok: false; name: string; message: string };

declare global {
  interface Window {
    kernels: typeof kernels;
  }
}

if (typeof window === 'undefined') {
  // Started as a worker by kernels.inWorker.
  const scope = globalThis as unknown as { onmessage: unknown; postMessage(m: WorkerReply): void };
  scope.onmessage = async (e: MessageEvent<{ job: AppInput; allow?: Variant[] }>) => {
    try {
      const { result, variant } = await runBestVariant(e.data.job, quiet, e.data.allow ? { allow: e.data.allow } : {});
      scope.postMessage({ ok: true, variant, result });
    } catch (error) {
      scope.postMessage({ ok: false, name: (error as Error).name, message: (error as Error).message });
    }
  };
} else {
  window.kernels = kernels;
  document.title = 'kernels ready';
}
