/**
 * @module worker-kernels/custom/sandbox-worker
 * The worker a researcher's module runs in, one per run, so the runner can stop it (time limit) without touching
 * anything else. The module gets only the ABI's imports: its memory, capped at the manifest's maximum, and the
 * progress, checkpoint and abort calls; it sees its input bytes and nothing else. Asked for the app's shader
 * instead, it runs that on a GPU device of its own (sandbox-wgsl.ts). Runs as a Web Worker in the browser and as a
 * worker thread in Node.
 */
import { runShader, ShaderUnavailableError, type ShaderRequest } from './sandbox-wgsl.ts';

export interface SandboxRequest {
  bytes: ArrayBuffer;
  input: ArrayBuffer;
  resumeFrom?: ArrayBuffer | undefined;
  memory: { initial: number; maximum: number };
  /** Run the app's WGSL shader on the input instead of the module. */
  shader?: ShaderRequest | undefined;
}

export type SandboxMessage =
  | { type: 'progress'; fraction: number }
  | { type: 'checkpoint'; state: ArrayBuffer }
  | { type: 'done'; output: ArrayBuffer }
  /** `unavailable`: the shader was asked for and this host has no WebGPU to run it. */
  | { type: 'error'; message: string; unavailable?: boolean };

interface Port {
  post(message: SandboxMessage): void;
  listen(handler: (request: SandboxRequest) => void): void;
}

async function parentPort(): Promise<Port> {
  const scope = globalThis as unknown as { WorkerGlobalScope?: unknown; postMessage(m: unknown): void; onmessage: unknown };
  if (scope.WorkerGlobalScope !== undefined) {
    return {
      post: (m) => scope.postMessage(m),
      listen: (handler) => void (scope.onmessage = (e: MessageEvent<SandboxRequest>) => handler(e.data)),
    };
  }
  const specifier = 'node:worker_threads';
  const { parentPort: port } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  if (!port) throw new Error('sandbox-worker must run in a worker');
  return { post: (m) => port.postMessage(m), listen: (handler) => void port.once('message', handler) };
}

function run(request: SandboxRequest, post: (m: SandboxMessage) => void): ArrayBuffer {
  const memory = new WebAssembly.Memory(request.memory);
  const bytesAt = (ptr: number, len: number) => {
    if (ptr < 0 || len < 0 || ptr + len > memory.buffer.byteLength) throw new Error(`bytes [${ptr}, ${ptr + len}) are outside memory`);
    return memory.buffer.slice(ptr, ptr + len);
  };
  const imports = {
    env: {
      memory,
      abort(_message: number, _file: number, line: number, column: number): never {
        throw new Error(`module aborted at ${line}:${column} (out of memory past the cap of ${request.memory.maximum} pages?)`);
      },
    },
    terraflop: {
      progress: (fraction: number) => post({ type: 'progress', fraction: Math.min(1, Math.max(0, fraction)) }),
      checkpoint: (ptr: number, len: number) => post({ type: 'checkpoint', state: bytesAt(ptr, len) }),
    },
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(request.bytes), imports);
  const exports = instance.exports as {
    _initialize?: () => void;
    alloc(len: number): number;
    run(a: number, b: number, c: number, d: number): number;
  };
  // A reactor's initialiser (WASI's convention), run here under the time limit rather than at instantiation.
  if (typeof exports._initialize === 'function') exports._initialize();
  const place = (data: ArrayBuffer) => {
    const ptr = exports.alloc(data.byteLength);
    new Uint8Array(memory.buffer, ptr, data.byteLength).set(new Uint8Array(data));
    return ptr;
  };
  const inPtr = place(request.input);
  const state = request.resumeFrom ?? new ArrayBuffer(0);
  const statePtr = place(state);
  let out: number;
  try {
    out = exports.run(inPtr, request.input.byteLength, statePtr, state.byteLength);
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    // A trap; name the memory use, since a failed grow past the cap is the usual cause of `unreachable`.
    const pages = memory.buffer.byteLength / 65_536;
    throw new Error(`module trapped: ${e.message} (memory ${pages} of ${request.memory.maximum} pages in use)`);
  }
  if (out < 0 || out + 4 > memory.buffer.byteLength) throw new Error(`run returned ${out}, not a pointer into memory`);
  return bytesAt(out + 4, new DataView(memory.buffer).getUint32(out, true));
}

const port = await parentPort();
port.listen(async (request) => {
  try {
    if (!request.shader) return port.post({ type: 'done', output: run(request, port.post) });
    const output = await runShader(request.shader, request.input);
    port.post({ type: 'progress', fraction: 1 });
    port.post({ type: 'done', output });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    port.post({ type: 'error', message, ...(e instanceof ShaderUnavailableError ? { unavailable: true } : {}) });
  }
});
