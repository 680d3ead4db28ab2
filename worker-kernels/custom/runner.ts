/**
 * @module worker-kernels/custom/runner
 * Runs a checked researcher's module, or its WGSL shader, on one input in a fresh sandbox worker, under the
 * manifest's time limit (the worker is terminated when it runs over, its GPU device with it) and memory cap (its
 * imported memory cannot grow past the maximum). Whatever the app does, the caller gets its output or a
 * CustomAppError (a GpuError where the shader was asked for and the host has no WebGPU), and the worker is gone
 * afterwards.
 */
import { GpuError } from '../errors.ts';
import type { CheckedModule } from './check-module.ts';
import { CustomAppError } from './errors.ts';
import type { SandboxMessage, SandboxRequest } from './sandbox-worker.ts';

export interface CustomRunOptions {
  input: Uint8Array;
  resumeFrom?: Uint8Array | undefined;
  onProgress?(fraction: number): void;
  onCheckpoint?(state: Uint8Array): void;
  /** 'webgpu' runs the manifest's shader (which it must have) instead of the module; 'wasm' by default. */
  variant?: 'wasm' | 'webgpu';
}

interface Sandbox {
  send(request: SandboxRequest): void;
  terminate(): void;
}

async function spawn(onMessage: (m: SandboxMessage) => void, onError: (e: unknown) => void): Promise<Sandbox> {
  if (typeof Worker === 'function') {
    const worker = new Worker(new URL('./sandbox-worker.ts', import.meta.url), { type: 'module', name: 'terraflop-custom-app' });
    worker.onmessage = (e: MessageEvent<SandboxMessage>) => onMessage(e.data);
    worker.onerror = (e) => onError(e.message);
    return { send: (r) => worker.postMessage(r), terminate: () => worker.terminate() };
  }
  const specifier = 'node:worker_threads';
  const threads = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  const worker = new threads.Worker(new URL('./sandbox-worker.ts', import.meta.url));
  worker.on('message', onMessage);
  worker.on('error', onError);
  return { send: (r) => worker.postMessage(r), terminate: () => void worker.terminate() };
}

/** A fresh ArrayBuffer of exactly these bytes (a Node Buffer may be a view into a shared pool). */
const copy = (bytes: Uint8Array) => new Uint8Array(bytes).buffer as ArrayBuffer;

/**
 * Runs a module that checkCustomModule accepted (`checked`), from its bytes, or its shader (`variant: 'webgpu'`).
 * @example const output = await runCustomApp(checkCustomModule(bytes, manifest), bytes, { input });
 */
export function runCustomApp(checked: CheckedModule, bytes: Uint8Array, options: CustomRunOptions): Promise<Uint8Array> {
  const { manifest, memory } = checked;
  const shader = options.variant === 'webgpu' ? manifest.wgsl : undefined;
  if (options.variant === 'webgpu' && !shader) return Promise.reject(new CustomAppError(`${manifest.name}: the app has no WGSL shader`));
  return new Promise((resolve, reject) => {
    let sandbox: Sandbox | undefined;
    let settled = false;
    const finish = (error?: CustomAppError | GpuError, output?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sandbox?.terminate();
      if (error) reject(error);
      else resolve(output!);
    };
    const overrun = `${manifest.name}: ${shader ? 'its shader was ' : ''}stopped at its time limit of ${manifest.timeLimitMs} ms`;
    const timer = setTimeout(() => finish(new CustomAppError(overrun, { timedOut: true })), manifest.timeLimitMs);
    const onMessage = (m: SandboxMessage) => {
      if (m.type === 'progress') options.onProgress?.(m.fraction);
      else if (m.type === 'checkpoint') options.onCheckpoint?.(new Uint8Array(m.state));
      else if (m.type === 'done') finish(undefined, new Uint8Array(m.output));
      else if (m.unavailable) finish(new GpuError(`${manifest.name}: ${m.message}`));
      else finish(new CustomAppError(`${manifest.name}: ${m.message}`));
    };
    const onError = (e: unknown) => finish(new CustomAppError(`${manifest.name}: sandbox failed: ${String(e)}`));
    spawn(onMessage, onError).then((s) => {
      sandbox = s;
      if (settled) return s.terminate();
      s.send({
        bytes: copy(bytes),
        input: copy(options.input),
        resumeFrom: options.resumeFrom ? copy(options.resumeFrom) : undefined,
        memory,
        shader: shader && { wgsl: shader, label: `${manifest.name}-v${manifest.version}` },
      });
    }, onError);
  });
}
