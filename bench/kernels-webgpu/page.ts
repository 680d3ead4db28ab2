/**
 * @module bench/kernels-webgpu/page
 * The WebGPU side of bench:kernels, bundled with Vite and opened in Chromium (bench/kernels-webgpu.ts): the adapter
 * as it describes itself, its attainable f32 peak (peak.wgsl), the matmul kernel's dispatches alone, and whole
 * units of each app's WGSL variant as the worker runs them (upload and readback included). Exposed on
 * `window.bench`; the page sets its title when ready.
 */
import type { AppInput } from '../../protocol/apps.ts';
import { acquireGpu, type Gpu } from '../../worker-kernels/gpu.ts';
import { uploadMatmul } from '../../worker-kernels/matmul/webgpu.ts';
import { appOf } from '../../worker-kernels/registry.ts';
import peakShader from './peak.wgsl?raw';

const quiet = { progress() {}, checkpoint() {} };
/** Each figure times one submission of at least this long, the work repeated in it as often as that takes. */
const MIN_MS = 300;
const TRIES = 3;

/** Milliseconds from submitting `repeats` copies of the work, in one command buffer, to the GPU finishing them. */
async function submitted(gpu: Gpu, encode: (encoder: GPUCommandEncoder) => void, repeats: number): Promise<number> {
  const encoder = gpu.device.createCommandEncoder({ label: 'bench' });
  for (let r = 0; r < repeats; r++) encode(encoder);
  const started = performance.now();
  gpu.device.queue.submit([encoder.finish()]);
  await gpu.device.queue.onSubmittedWorkDone();
  return performance.now() - started;
}

/**
 * Milliseconds per copy of the work: after a warm-up, the copies in one submission double until it takes MIN_MS
 * (so a dispatch's launch cost is spread thin on a fast GPU), then the best of TRIES such submissions.
 */
async function perDispatch(gpu: Gpu, encode: (encoder: GPUCommandEncoder) => void): Promise<number> {
  await submitted(gpu, encode, 1);
  let repeats = 1;
  while (repeats < 1 << 14 && (await submitted(gpu, encode, repeats)) < MIN_MS) repeats *= 2;
  let best = Infinity;
  for (let t = 0; t < TRIES; t++) best = Math.min(best, await submitted(gpu, encode, repeats));
  return best / repeats;
}

/** The peak shader's dispatch: workgroups of 64 invocations, each 64·ITERATIONS FLOPs. */
async function peak(workgroups: number, iterations: number) {
  const gpu = await acquireGpu();
  return gpu.scoped('peak', async () => {
    const { device } = gpu;
    const params = device.createBuffer({
      label: 'peak:params',
      size: 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(params, 0, new Float32Array([0.999, 1e-3, 0, 0]));
    const sink = device.createBuffer({ label: 'peak:sink', size: workgroups * 64 * 16, usage: GPUBufferUsage.STORAGE });
    const pipeline = gpu.pipeline('peak', 'vec4-fma', peakShader, { ITERATIONS: iterations });
    const bindGroup = device.createBindGroup({
      label: 'peak:bindings',
      layout: pipeline.getBindGroupLayout(0),
      entries: [params, sink].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    try {
      const ms = await perDispatch(gpu, (encoder) => {
        const pass = encoder.beginComputePass({ label: 'peak:pass' });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(workgroups);
        pass.end();
      });
      return { ms, flops: workgroups * 64 * 64 * iterations };
    } finally {
      params.destroy();
      sink.destroy();
    }
  });
}

const bench = {
  /** The adapter as WebGPU describes it; no WebGPU API gives its peak FLOP rate. */
  async adapter() {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter');
    const { vendor, architecture, device, description } = adapter.info;
    return { vendor, architecture, device, description, isFallback: (await acquireGpu()).isFallback };
  },
  peak,
  /** The tiled kernel's dispatch alone on an n×n×n unit, and the unit's output read back once after. */
  async matmulKernel(size: number) {
    const gpu = await acquireGpu();
    return gpu.scoped('matmul', async () => {
      const unit = uploadMatmul(gpu, { seed: 1, m: size, k: size, n: size });
      try {
        const ms = await perDispatch(gpu, (encoder) => unit.encode(encoder));
        return { ms, rowAbsSums: await unit.rowAbsSums() };
      } finally {
        unit.destroy();
      }
    });
  },
  /** A whole unit on the app's WGSL variant as the worker runs it: its best of TRIES after a warm-up. */
  async unit(job: AppInput) {
    const variant = appOf(job.app).variants.find((v) => v.kind === 'webgpu');
    if (!variant) throw new Error(`${job.app} has no WGSL variant`);
    const run = await variant.load();
    let output = await run(job.input, quiet);
    let best = Infinity;
    for (let t = 0; t < TRIES; t++) {
      const started = performance.now();
      output = await run(job.input, quiet);
      best = Math.min(best, performance.now() - started);
    }
    if (output === undefined) throw new Error(`${job.app}: the unit does not fit this device`);
    return { ms: best, output };
  },
};

declare global {
  interface Window {
    bench: typeof bench;
  }
}

window.bench = bench;
document.title = 'bench ready';
