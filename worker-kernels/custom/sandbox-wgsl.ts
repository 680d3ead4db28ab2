/**
 * @module worker-kernels/custom/sandbox-wgsl
 * Runs a researcher's WGSL shader on one input, inside the sandbox worker (so the runner's time limit stops it by
 * terminating the worker, which takes its GPU device with it). The device is the sandbox's own, opened with
 * WebGPU's default limits, which every adapter offers, so a shader that runs on one host runs on all. Bindings are
 * laid out from the manifest's description, not inferred, so a shader that disagrees with it is refused by
 * WebGPU's validation. Compile errors, validation errors and a lost device become errors that say which; WebGPU
 * refuses a shader that asks for more memory than it allows (an array of 65,536 elements or more, over 64 KiB of
 * private memory, over 16 KiB of workgroup memory, a binding larger than the manifest's buffer) at compile or
 * dispatch, and the manifest caps the buffers (1 MiB each) and the dispatch (MAX_WGSL_WORKGROUPS).
 */
import type { CustomWgsl, WgslBinding } from '../../protocol/custom-app.ts';
import { BaseError } from '../../protocol/base-error.ts';

/** No WebGPU here (no API, adapter or device): the caller runs the WebAssembly module instead. */
export class ShaderUnavailableError extends BaseError {
  override name = 'ShaderUnavailableError' as const;
}

/**
 * The GPU device was lost during the run (the GPU was reset, its process crashed): the host's failure, not the
 * app's, so the host runs the unit as WebAssembly instead and leaves the GPU alone until it is back (gpu-watch.ts).
 */
export class ShaderDeviceLostError extends BaseError {
  override name = 'ShaderDeviceLostError' as const;
}

/** The browser's compiler refused the WGSL: its messages, by line and column, say more than the error scope's. */
class ShaderCompileError extends BaseError {
  override name = 'ShaderCompileError' as const;
}

/** The shader compiled but WebGPU refused to run it as the manifest describes. */
class ShaderRunError extends BaseError {
  override name = 'ShaderRunError' as const;
}

export interface ShaderRequest {
  wgsl: CustomWgsl;
  /** Labels the GPU objects, for the browser's own error messages. */
  label: string;
}

const BUFFER_TYPES: Record<WgslBinding['type'], GPUBufferBindingType> = {
  'storage-read': 'read-only-storage',
  'storage-read-write': 'storage',
  uniform: 'uniform',
};

async function openDevice(label: string): Promise<GPUDevice> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new ShaderUnavailableError('WebGPU is not available here');
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) throw new ShaderUnavailableError('no WebGPU adapter');
  try {
    return await adapter.requestDevice({ label });
  } catch (cause) {
    throw new ShaderUnavailableError(`cannot open a WebGPU device: ${String(cause)}`);
  }
}

/** Workgroup counts: the manifest's, or one per `inputBytesPerWorkgroup` bytes of input (at least one). */
export function workgroupCounts(wgsl: CustomWgsl, inputBytes: number): [number, number, number] {
  if (Array.isArray(wgsl.workgroups)) return wgsl.workgroups;
  return [Math.max(1, Math.ceil(inputBytes / wgsl.workgroups.inputBytesPerWorkgroup)), 1, 1];
}

/** Each binding's contents as the ABI defines them (docs/apps.md); sizes rounded up as WebGPU requires. */
function contents(b: WgslBinding, input: ArrayBuffer, counts: [number, number, number]): Uint8Array {
  const align = b.type === 'uniform' ? 16 : 4;
  const round = (n: number) => Math.max(align, Math.ceil(n / align) * align);
  if (b.role === 'output') return new Uint8Array(round(b.bytes));
  if (b.role === 'uniform') return new Uint8Array(new Uint32Array([input.byteLength, ...counts]).buffer);
  if (input.byteLength > b.bytes)
    throw new ShaderRunError(
      `input of ${input.byteLength} bytes is over its shader's input binding of ${b.bytes} bytes`,
      { details: { inputBytes: input.byteLength, bindingBytes: b.bytes } },
    );
  const data = new Uint8Array(round(input.byteLength));
  data.set(new Uint8Array(input));
  return data;
}

async function compile(device: GPUDevice, { wgsl, label }: ShaderRequest): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ label, code: wgsl.source });
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    throw new ShaderCompileError(
      `shader does not compile: ${errors.map((m) => `${m.lineNum}:${m.linePos}: ${m.message}`).join('; ')}`,
    );
  }
  const layout = device.createBindGroupLayout({
    label,
    entries: wgsl.bindings.map((b) => ({
      binding: b.binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: BUFFER_TYPES[b.type] },
    })),
  });
  try {
    return await device.createComputePipelineAsync({
      label,
      layout: device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: wgsl.entryPoint },
    });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ShaderRunError(`shader refused by WebGPU: ${message}`, { cause });
  }
}

async function dispatch(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  { wgsl, label }: ShaderRequest,
  input: ArrayBuffer,
): Promise<ArrayBuffer> {
  const counts = workgroupCounts(wgsl, input.byteLength);
  const most = device.limits.maxComputeWorkgroupsPerDimension;
  if (counts.some((c) => c > most))
    throw new ShaderRunError(`dispatch of ${counts.join('×')} workgroups is over WebGPU's ${most} per dimension`);
  const buffers = wgsl.bindings.map((b) => {
    const data = contents(b, input, counts);
    const usage =
      (b.type === 'uniform' ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE) |
      GPUBufferUsage.COPY_DST |
      (b.role === 'output' ? GPUBufferUsage.COPY_SRC : 0);
    const buffer = device.createBuffer({ label: `${label}:${b.role}`, size: data.byteLength, usage });
    device.queue.writeBuffer(buffer, 0, data);
    return { binding: b, buffer };
  });
  const output = buffers.find((b) => b.binding.role === 'output')!;
  const staging = device.createBuffer({
    label: `${label}:staging`,
    size: output.buffer.size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder({ label });
  const pass = encoder.beginComputePass({ label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map(({ binding, buffer }) => ({ binding: binding.binding, resource: { buffer } })),
    }),
  );
  pass.dispatchWorkgroups(...counts);
  pass.end();
  encoder.copyBufferToBuffer(output.buffer, 0, staging, 0, output.buffer.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  return staging.getMappedRange().slice(0, output.binding.bytes);
}

/**
 * Runs the shader on `input` and returns the output binding's bytes; throws ShaderUnavailableError where there is no
 * WebGPU, and a ShaderCompileError or ShaderRunError saying what went wrong otherwise. `onDispatch` is called once
 * the device is open and the shader compiled, before the dispatch.
 * @example const output = await runShader({ wgsl: manifest.wgsl, label: 'prime-count' }, input);
 */
export async function runShader(
  request: ShaderRequest,
  input: ArrayBuffer,
  onDispatch: () => void = () => {},
): Promise<ArrayBuffer> {
  const device = await openDevice(request.label);
  const lost = device.lost.then((info) => {
    throw new ShaderDeviceLostError(`GPU device lost (${info.reason}): ${info.message}`, {
      details: { reason: info.reason },
    });
  });
  lost.catch(() => {}); // raced below; destroying the device at the end resolves it too, which is no failure
  let output: ArrayBuffer | undefined, thrown: unknown;
  try {
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    output = await Promise.race([
      (async () => {
        const pipeline = await compile(device, request);
        onDispatch();
        return dispatch(device, pipeline, request, input);
      })(),
      lost,
    ]);
  } catch (e) {
    thrown = e;
  }
  // WebGPU's own account of a refused command says more than the failed read that follows it.
  const scoped = await Promise.all([device.popErrorScope(), device.popErrorScope()]).catch(() => []);
  device.destroy();
  const error = scoped.find((e) => e);
  if (thrown instanceof ShaderCompileError || thrown instanceof ShaderDeviceLostError) throw thrown;
  if (error) throw new ShaderRunError(`shader refused by WebGPU: ${error.message}`);
  if (thrown !== undefined) throw thrown;
  return output!;
}
