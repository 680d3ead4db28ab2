/**
 * @module worker-kernels/signal-search/webgpu
 * Driver of the WGSL signal search (signal-search.wgsl): uploads the unit's signal once as f32, then per trial drift
 * uploads the phases the GPU cannot compute precisely in f32 (each block's chirp phase and step, reduced mod 1 in
 * f64), dispatches one workgroup per block, reads back the peaks and each block's amplitude sum, and keeps the
 * strongest peaks with checkpoints exactly as the reference does.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import { KernelError } from '../errors.ts';
import { readBack, type Gpu } from '../gpu.ts';
import type { KernelContext } from '../kernel.ts';
import { byPosition, byStrength, type SignalSearchCheckpoint } from './reference.ts';
import { generateSignal } from './signal.ts';
import shader from './signal-search.wgsl?raw';

const KERNEL = 'signal-search';
const TABLE = 4096;
const MAX_ROW = 65_535;
const fract = (x: number) => x - Math.floor(x);

/** Whether this unit fits the GPU variant here: a block in workgroup memory, twiddles within the table. */
export function gpuFitsSignalSearch(gpu: Gpu, input: SignalSearchInput): boolean {
  const { limits } = gpu.device;
  const peakBytes = Math.ceil(input.signal.sampleCount / input.threshold) * 16;
  return (
    input.fftSize <= TABLE &&
    8 * input.fftSize + 1024 <= limits.maxComputeWorkgroupStorageSize &&
    Math.max(8 * input.signal.sampleCount, peakBytes) <= limits.maxStorageBufferBindingSize
  );
}

function cisTable(): Float32Array {
  const table = new Float32Array(2 * TABLE);
  for (let j = 0; j < TABLE; j++) {
    table[2 * j] = Math.cos((2 * Math.PI * j) / TABLE);
    table[2 * j + 1] = Math.sin((2 * Math.PI * j) / TABLE);
  }
  return table;
}

/** Per block: chirp phase at its first sample, and its per-sample step split as the shader needs (see the WGSL). */
function blockPhases(drift: number, blocks: number, n: number): Float32Array {
  const phases = new Float32Array(4 * blocks);
  for (let block = 0; block < blocks; block++) {
    const offset = block * n;
    const step = fract(drift * offset);
    const high = Math.round(step * TABLE) / TABLE;
    phases.set([fract((drift * offset * offset) / 2), high, step - high, 0], 4 * block);
  }
  return phases;
}

export function runSignalSearchWebGpu(
  gpu: Gpu,
  input: SignalSearchInput,
  ctx: KernelContext<SignalSearchCheckpoint>,
): Promise<SignalSearchOutput> {
  if (!gpuFitsSignalSearch(gpu, input)) throw new KernelError(`${KERNEL}: this unit does not fit the GPU variant`);
  return gpu.scoped(KERNEL, async () => {
    const { device } = gpu;
    const n = input.fftSize,
      { sampleCount } = input.signal,
      blocks = sampleCount / n;
    const capacity = Math.ceil(sampleCount / input.threshold); // Σ snr over a block is n, so fewer peaks than this
    const signal = generateSignal(input.signal);
    const interleaved = new Float32Array(2 * sampleCount);
    for (let t = 0; t < sampleCount; t++) interleaved.set([signal.re[t]!, signal.im[t]!], 2 * t);
    const buffer = (label: string, size: number, usage: number) =>
      device.createBuffer({ label: `${KERNEL}:${label}`, size, usage: usage | GPUBufferUsage.COPY_DST });
    const S = GPUBufferUsage.STORAGE;
    const buffers = {
      signal: buffer('signal', interleaved.byteLength, S),
      phases: buffer('block-phases', 16 * blocks, S),
      quadratic: buffer('quadratic', 4 * n, S),
      table: buffer('cis-table', 8 * TABLE, S),
      peaks: buffer('peaks', 16 * capacity, S | GPUBufferUsage.COPY_SRC),
      count: buffer('count', 4, S | GPUBufferUsage.COPY_SRC),
      amplitude: buffer('amplitude', 4 * blocks, S | GPUBufferUsage.COPY_SRC),
      params: buffer('params', 32, GPUBufferUsage.UNIFORM),
    };
    try {
      device.queue.writeBuffer(buffers.signal, 0, interleaved);
      device.queue.writeBuffer(buffers.table, 0, cisTable());
      const rowWidth = Math.min(blocks, MAX_ROW);
      const params = new ArrayBuffer(32);
      new Uint32Array(params, 0, 4).set([Math.log2(n), blocks, capacity, rowWidth]);
      new Float32Array(params, 16, 1).set([input.threshold]);
      device.queue.writeBuffer(buffers.params, 0, params);
      const pipeline = gpu.pipeline(KERNEL, 'block-fft', shader, { N: n });
      const bindGroup = device.createBindGroup({
        label: `${KERNEL}:bindings`,
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          buffers.signal,
          buffers.phases,
          buffers.quadratic,
          buffers.table,
          buffers.peaks,
          buffers.count,
          buffers.params,
          buffers.amplitude,
        ].map((b, binding) => ({ binding, resource: { buffer: b } })),
      });
      let peaks: Peak[] = ctx.resumeFrom?.peaks ?? [];
      const amplitudeSums = ctx.resumeFrom?.amplitudeSums.slice() ?? [];
      for (let d = ctx.resumeFrom?.nextDrift ?? 0; d < input.driftRates.length; d++) {
        const drift = input.driftRates[d]!;
        device.queue.writeBuffer(buffers.phases, 0, blockPhases(drift, blocks, n));
        device.queue.writeBuffer(
          buffers.quadratic,
          0,
          Float32Array.from({ length: n }, (_, i) => fract((drift * i * i) / 2)),
        );
        device.queue.writeBuffer(buffers.count, 0, new Uint32Array(1));
        const encoder = device.createCommandEncoder({ label: `${KERNEL}:drift-${d}` });
        const pass = encoder.beginComputePass({ label: `${KERNEL}:pass` });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(rowWidth, Math.ceil(blocks / rowWidth));
        pass.end();
        device.queue.submit([encoder.finish()]);
        const count = new Uint32Array(await readBack(gpu, KERNEL, buffers.count, 4))[0]!;
        const found: Peak[] = [];
        if (count > 0) {
          const records = new DataView(await readBack(gpu, KERNEL, buffers.peaks, 16 * Math.min(count, capacity)));
          for (let at = 0; at < records.byteLength; at += 16) {
            const block = records.getUint32(at, true),
              bin = records.getUint32(at + 4, true);
            found.push({ drift: d, block, bin, snr: records.getFloat32(at + 8, true) });
          }
        }
        peaks = peaks.concat(found).sort(byStrength).slice(0, input.maxPeaks);
        // Each block's sum came in f32; the blocks add up in f64, in order, as the reference's do.
        let amplitudeSum = 0;
        for (const x of new Float32Array(await readBack(gpu, KERNEL, buffers.amplitude, 4 * blocks))) amplitudeSum += x;
        amplitudeSums.push(amplitudeSum);
        ctx.progress((d + 1) / input.driftRates.length);
        ctx.checkpoint({ nextDrift: d + 1, peaks, amplitudeSums: amplitudeSums.slice() });
      }
      return { peaks: peaks.slice().sort(byPosition), amplitudeSums };
    } finally {
      for (const b of Object.values(buffers)) b.destroy();
    }
  });
}
