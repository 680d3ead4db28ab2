/**
 * @module worker-kernels/training/webgpu
 * Driver of the WGSL training steps (training.wgsl): θ, its velocity and the scratch stay on the GPU for the H
 * steps; the unit's digits go up a chunk of steps at a time, each step's batch copied into place before its six
 * dispatches and its statistics copied out after; θ and the statistics come back once at the end. Between chunks
 * it reports progress and rests as the worker's CPU limit asks.
 */
import type { TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import type { Gpu } from '../gpu.ts';
import { readBack } from '../gpu.ts';
import type { KernelContext } from '../kernel.ts';
import { loadMnist } from './dataset.ts';
import { CLASSES, layoutOf, PIXELS } from './model.ts';
import { type StepsJob, type StepsResult, smoothedTargets } from './steps.ts';
import shader from './training.wgsl?raw';
import { stepsJob, unitOutput } from './unit.ts';

const KERNEL = 'training';
const WORKGROUP = 64;
/** Steps per submission: the digits of one chunk are uploaded at once, and progress is told between chunks. */
const CHUNK_STEPS = 16;
const BINDINGS = 8;

/** Each device's one layout for every stage (their bindings are the same eight), so pipelines cache by key. */
const layouts = new WeakMap<GPUDevice, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();

function layoutFor(device: GPUDevice) {
  let layout = layouts.get(device);
  if (!layout) {
    const entries: GPUBindGroupLayoutEntry[] = Array.from({ length: BINDINGS }, (_, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: binding === BINDINGS - 1 ? 'uniform' : 'storage' },
    }));
    const group = device.createBindGroupLayout({ label: `${KERNEL}:bindings`, entries });
    const pipeline = device.createPipelineLayout({ label: `${KERNEL}:layout`, bindGroupLayouts: [group] });
    layout = { group, pipeline };
    layouts.set(device, layout);
  }
  return layout;
}

/** The sizes that fix one pipeline set: the shader's override constants. */
function constantsOf(job: StepsJob) {
  const layout = layoutOf(job.model);
  const filters = job.model.kind === 'cnn' ? job.model.filters : 0;
  return { FILTERS: filters, HIDDEN: job.model.hidden, BATCH: job.batch, DENSE_IN: layout.denseIn };
}

/** Floats of the scratch: pooled input and its gradient (CNN), hidden and its gradient, the logits' gradient. */
function scratchFloats(job: StepsJob): number {
  const { FILTERS, HIDDEN, BATCH, DENSE_IN } = constantsOf(job);
  return (FILTERS ? 2 * BATCH * DENSE_IN : 0) + 2 * BATCH * HIDDEN + BATCH * CLASSES;
}

/**
 * The most digits (steps × batch) of a CNN unit the GPU takes. Its last bits differ from the CPU's (exp, division,
 * fusion), and in the CNN they flip max-pool choices that the steps then amplify: from θ one ulp apart in a tenth of
 * its entries, CPU runs part by relative L2 0.03 after 10 steps of 32 and 0.11 after 50 (2.5e-7 after 200 steps of
 * 4 with a thousandth of the entries apart), past compare.ts's 0.02, so a GPU host would fail its recomputation and
 * be banned. The MLP's part by 1.7e-7 after 50 steps of 32, 8.9e-5 after 400, with every entry one ulp apart
 * (wasm.test.ts). Small CNN units (the conformance spec's) agree.
 */
export const GPU_CNN_DIGITS = 32;

/**
 * Whether a unit fits: every buffer within a binding, every dispatch within a dimension, and an MLP or a CNN unit
 * of at most GPU_CNN_DIGITS digits (larger ones run on WebAssembly, whose bytes the reference's are).
 */
export function gpuFitsTraining(gpu: Gpu, input: TrainingInput): boolean {
  if (input.model.kind === 'cnn' && input.steps * input.batch > GPU_CNN_DIGITS) return false;
  const { limits } = gpu.device;
  const layout = layoutOf(input.model);
  const largest = Math.max(
    layout.size * 4,
    CHUNK_STEPS * input.batch * PIXELS * 4,
    (2 * input.batch * layout.denseIn + 2 * input.batch * input.model.hidden + input.batch * CLASSES) * 4,
    input.steps * input.batch * 2 * 4,
  );
  const widest = Math.max(layout.size, input.batch * layout.denseIn, input.batch * input.model.hidden);
  return (
    largest <= Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) &&
    Math.ceil(widest / WORKGROUP) <= limits.maxComputeWorkgroupsPerDimension
  );
}

type Stage = 'conv_pool' | 'hidden_fwd' | 'logits' | 'hidden_back' | 'input_back' | 'update';

/** The stages of one step in order, each with its invocations. */
function stagesOf(job: StepsJob): [Stage, number][] {
  const { FILTERS, HIDDEN, BATCH, DENSE_IN } = constantsOf(job);
  const cnn = FILTERS > 0;
  return [
    ...(cnn ? [['conv_pool', BATCH * DENSE_IN] as [Stage, number]] : []),
    ['hidden_fwd', BATCH * HIDDEN],
    ['logits', BATCH],
    ['hidden_back', BATCH * HIDDEN],
    ...(cnn ? [['input_back', BATCH * DENSE_IN] as [Stage, number]] : []),
    ['update', layoutOf(job.model).size],
  ];
}

/**
 * The H steps on the GPU, θ updated in place as the reference does.
 * @example const { truthProbability, correct } = await gpuSteps(gpu, stepsJob(input, split), ctx);
 */
export async function gpuSteps(gpu: Gpu, job: StepsJob, ctx: KernelContext<unknown>): Promise<StepsResult> {
  const { device } = gpu;
  const { batch, steps } = job;
  const seen = steps * batch;
  const made: GPUBuffer[] = [];
  const buffer = (label: string, bytes: number, usage: number) => {
    const b = device.createBuffer({ label: `${KERNEL}:${label}`, size: Math.max(bytes, 16), usage });
    made.push(b);
    return b;
  };
  const { STORAGE, COPY_DST, COPY_SRC, UNIFORM } = GPUBufferUsage;
  try {
    const size = job.parameters.length;
    const theta = buffer('theta', size * 4, STORAGE | COPY_DST | COPY_SRC);
    const velocity = buffer('velocity', size * 4, STORAGE | COPY_DST);
    const x = buffer('x', batch * PIXELS * 4, STORAGE | COPY_DST);
    const labels = buffer('labels', batch * 4, STORAGE | COPY_DST);
    const act = buffer('act', scratchFloats(job) * 4, STORAGE);
    const argmax = buffer('argmax', batch * layoutOf(job.model).denseIn * 4, STORAGE);
    const stats = buffer('stats', batch * 2 * 4, STORAGE | COPY_SRC);
    const params = buffer('step', 32, UNIFORM | COPY_DST);
    const chunkDigits = buffer('chunk-digits', CHUNK_STEPS * batch * PIXELS * 4, COPY_SRC | COPY_DST);
    const chunkLabels = buffer('chunk-labels', CHUNK_STEPS * batch * 4, COPY_SRC | COPY_DST);
    const allStats = buffer('all-stats', seen * 2 * 4, COPY_DST | COPY_SRC);
    device.queue.writeBuffer(theta, 0, job.parameters);
    device.queue.writeBuffer(velocity, 0, new Float32Array(size));
    const { on, off } = smoothedTargets(job.labelSmoothing);
    const step = [job.lr, job.momentum, 1 / batch, job.weightDecay, on, off, 0, 0];
    device.queue.writeBuffer(params, 0, new Float32Array(step));
    const layout = layoutFor(device);
    const bindGroup = device.createBindGroup({
      label: `${KERNEL}:bind-group`,
      layout: layout.group,
      entries: [theta, velocity, x, labels, act, argmax, stats, params].map((b, binding) => ({
        binding,
        resource: { buffer: b },
      })),
    });
    const constants = constantsOf(job);
    const stages = stagesOf(job).map(([entryPoint, invocations]) => ({
      pipeline: gpu.pipeline(KERNEL, 'steps', shader, constants, { entryPoint, layout: layout.pipeline }),
      workgroups: Math.ceil(invocations / WORKGROUP),
    }));
    for (let first = 0; first < steps; first += CHUNK_STEPS) {
      const count = Math.min(CHUNK_STEPS, steps - first);
      uploadChunk(device, job, first, count, chunkDigits, chunkLabels);
      const encoder = device.createCommandEncoder({ label: `${KERNEL}:encoder` });
      for (let s = 0; s < count; s++) {
        encoder.copyBufferToBuffer(chunkDigits, s * batch * PIXELS * 4, x, 0, batch * PIXELS * 4);
        encoder.copyBufferToBuffer(chunkLabels, s * batch * 4, labels, 0, batch * 4);
        const pass = encoder.beginComputePass({ label: `${KERNEL}:step` });
        pass.setBindGroup(0, bindGroup);
        for (const { pipeline, workgroups } of stages) {
          pass.setPipeline(pipeline);
          pass.dispatchWorkgroups(workgroups);
        }
        pass.end();
        encoder.copyBufferToBuffer(stats, 0, allStats, (first + s) * batch * 2 * 4, batch * 2 * 4);
      }
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      ctx.progress((first + count) / steps);
      await ctx.pause?.();
    }
    job.parameters.set(new Float32Array(await readBack(gpu, KERNEL, theta, size * 4)));
    return statsOf(new Float32Array(await readBack(gpu, KERNEL, allStats, seen * 2 * 4)), steps, batch);
  } finally {
    for (const b of made) b.destroy();
  }
}

/** Steps [first, first + count)'s digits and labels, in the unit's order, into the chunk's staging buffers. */
function uploadChunk(
  device: GPUDevice,
  job: StepsJob,
  first: number,
  count: number,
  digits: GPUBuffer,
  labels: GPUBuffer,
) {
  const n = count * job.batch;
  const pixels = new Float32Array(n * PIXELS);
  const classes = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const d = job.order[first * job.batch + k]!;
    pixels.set(job.pixels.subarray(d * PIXELS, (d + 1) * PIXELS), k * PIXELS);
    classes[k] = job.labels[d]!;
  }
  device.queue.writeBuffer(digits, 0, pixels);
  device.queue.writeBuffer(labels, 0, classes);
}

/** Per step, the batch's probabilities then its right-or-wrong flags: back to the order of the digits seen. */
function statsOf(all: Float32Array, steps: number, batch: number): StepsResult {
  const truthProbability = new Float32Array(steps * batch);
  let correct = 0;
  for (let s = 0; s < steps; s++) {
    truthProbability.set(all.subarray(2 * s * batch, (2 * s + 1) * batch), s * batch);
    for (let b = 0; b < batch; b++) correct += all[(2 * s + 1) * batch + b]!;
  }
  return { truthProbability, correct };
}

export async function runTrainingWebGpu(
  gpu: Gpu,
  input: TrainingInput,
  ctx: KernelContext<unknown>,
): Promise<TrainingOutput> {
  const split = await loadMnist();
  return gpu.scoped(KERNEL, async () => {
    const job = stepsJob(input, split);
    const result = await gpuSteps(gpu, job, ctx);
    ctx.progress(1);
    return unitOutput(input, job, result);
  });
}
