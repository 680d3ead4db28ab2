/**
 * @module worker-kernels/matmul/webgpu
 * Driver of the tiled WGSL matmul (matmul.wgsl): uploads the unit's matrices, dispatches one workgroup per 64×64
 * tile of C, reads C back and takes each row's Σ |C[i][j]| in f64.
 */
import type { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import type { Gpu } from '../gpu.ts';
import { readBack } from '../gpu.ts';
import type { KernelContext } from '../kernel.ts';
import { generateMatrices } from './matrices.ts';
import shader from './matmul.wgsl?raw';

const KERNEL = 'matmul';
const TILE = 64;

function storage(gpu: Gpu, label: string, data: Float32Array | number, extra = 0): GPUBuffer {
  const size = typeof data === 'number' ? data : data.byteLength;
  const buffer = gpu.device.createBuffer({ label: `${KERNEL}:${label}`, size, usage: GPUBufferUsage.STORAGE | extra });
  if (typeof data !== 'number') gpu.device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** Whether C fits one storage binding of this device (A and B, at most 2048×2048 f32, fit every adapter). */
export const gpuFitsMatmul = (gpu: Gpu, { m, n }: MatmulInput) =>
  m * n * 4 <= gpu.device.limits.maxStorageBufferBindingSize;

/** A unit's matrices on the GPU, bound to the tiled kernel. */
export interface MatmulOnGpu {
  /** Records the product's dispatch, C = A·B (the benchmark records it many times to time the kernel alone). */
  encode(encoder: GPUCommandEncoder): void;
  /** Reads C back and takes each row's Σ |C[i][j]| in f64: the unit's output. */
  rowAbsSums(): Promise<number[]>;
  destroy(): void;
}

/** Uploads the unit's matrices (generated from its seed) and binds them, with C, to the tiled kernel. */
export function uploadMatmul(gpu: Gpu, input: MatmulInput): MatmulOnGpu {
  const { m, k, n } = input;
  const { a, b } = generateMatrices(input);
  const { device } = gpu;
  const bufA = storage(gpu, 'a', a, GPUBufferUsage.COPY_DST);
  const bufB = storage(gpu, 'b', b, GPUBufferUsage.COPY_DST);
  const bufC = storage(gpu, 'c', m * n * 4, GPUBufferUsage.COPY_SRC);
  const dims = device.createBuffer({
    label: `${KERNEL}:dims`,
    size: 16,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(dims, 0, new Uint32Array([m, k, n, 0]));
  const pipeline = gpu.pipeline(KERNEL, 'tiled-64x64', shader);
  const bindGroup = device.createBindGroup({
    label: `${KERNEL}:bindings`,
    layout: pipeline.getBindGroupLayout(0),
    entries: [bufA, bufB, bufC, dims].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  return {
    encode(encoder) {
      const pass = encoder.beginComputePass({ label: `${KERNEL}:pass` });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.ceil(n / TILE), Math.ceil(m / TILE));
      pass.end();
    },
    async rowAbsSums() {
      const c = new Float32Array(await readBack(gpu, KERNEL, bufC, m * n * 4));
      const sums: number[] = [];
      for (let i = 0; i < m; i++) {
        let sum = 0;
        for (let j = i * n; j < (i + 1) * n; j++) sum += Math.abs(c[j]!);
        sums.push(sum);
      }
      return sums;
    },
    destroy() {
      for (const buffer of [bufA, bufB, bufC, dims]) buffer.destroy();
    },
  };
}

export function runMatmulWebGpu(gpu: Gpu, input: MatmulInput, ctx: KernelContext<unknown>): Promise<MatmulOutput> {
  return gpu.scoped(KERNEL, async () => {
    const unit = uploadMatmul(gpu, input);
    try {
      const encoder = gpu.device.createCommandEncoder({ label: `${KERNEL}:encoder` });
      unit.encode(encoder);
      gpu.device.queue.submit([encoder.finish()]);
      const rowAbsSums = await unit.rowAbsSums();
      ctx.progress(1);
      return { rowAbsSums };
    } finally {
      unit.destroy();
    }
  });
}
