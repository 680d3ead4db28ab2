/**
 * @module worker-kernels/custom/sandbox-worker
 * The worker a researcher's module runs in, one per run, so the runner can stop it (time limit) without touching
 * anything else. The module gets only the ABI's imports: its memory, capped at the manifest's maximum, and the
 * progress, checkpoint and abort calls; it sees its input bytes and nothing else. At the progress and checkpoint
 * calls it rests for the volunteer's CPU limit (sandbox-rest.ts). Asked for the app's shader instead, it runs that on
 * a GPU device of its own (sandbox-wgsl.ts). Runs as a Web Worker in the browser and as a worker thread in Node.
 */
import { jspi, SandboxThrottle, UNWIND, type RestMessage, type SandboxCpu } from './sandbox-rest.ts';
import { runShader, type ShaderRequest } from './sandbox-wgsl.ts';
import { serializeError } from '../../protocol/error-wire.ts';
import type { SerializedError } from '../../protocol/errors.ts';
import { ModuleAbiError, ModuleTrapError } from './errors.ts';

export interface SandboxRequest {
  bytes: ArrayBuffer;
  input: ArrayBuffer;
  resumeFrom?: ArrayBuffer | undefined;
  memory: { initial: number; maximum: number };
  /** The volunteer's CPU limit, kept by resting at the module's progress and checkpoint calls (sandbox-rest.ts). */
  cpu?: SandboxCpu | undefined;
  /** Run the app's WGSL shader on the input instead of the module (a dispatch cannot rest: no CPU limit applies). */
  shader?: ShaderRequest | undefined;
}

export type SandboxMessage =
  /**
   * The sandbox is up and has the request, or, for a shader, is about to dispatch it: the time limit counts from
   * here, not from the worker's spawn.
   */
  | { type: 'started' }
  | { type: 'progress'; fraction: number }
  | { type: 'checkpoint'; state: ArrayBuffer }
  | RestMessage
  /** `busyMs`: the run's computing time, rests excluded. */
  | { type: 'done'; output: ArrayBuffer; busyMs: number; restMs: number; rests: number }
  /** What went wrong, in the protocol's shape (protocol/errors.ts); ShaderUnavailableError: no WebGPU here. */
  | { type: 'error'; error: SerializedError };

interface Port {
  post(message: SandboxMessage): void;
  listen(handler: (request: SandboxRequest) => void): void;
}

async function parentPort(): Promise<Port> {
  const scope = globalThis as unknown as {
    WorkerGlobalScope?: unknown;
    postMessage(m: unknown): void;
    onmessage: unknown;
  };
  if (scope.WorkerGlobalScope !== undefined) {
    return {
      post: (m) => scope.postMessage(m),
      listen: (handler) => {
        scope.onmessage = (e: MessageEvent<SandboxRequest>) => handler(e.data);
      },
    };
  }
  const specifier = 'node:worker_threads';
  const { parentPort: port } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  if (!port) throw new Error('sandbox-worker must run in a worker');
  return { post: (m) => port.postMessage(m), listen: (handler) => void port.once('message', handler) };
}

/** One instance of the module, run from `state` to its output; `saved` keeps each checkpoint it makes. */
async function runInstance(
  module: WebAssembly.Module,
  request: SandboxRequest,
  state: ArrayBuffer,
  throttle: SandboxThrottle | undefined,
  saved: (state: ArrayBuffer) => void,
  post: (m: SandboxMessage) => void,
): Promise<ArrayBuffer> {
  const memory = new WebAssembly.Memory(request.memory);
  const bytesAt = (ptr: number, len: number) => {
    if (ptr < 0 || len < 0 || ptr + len > memory.buffer.byteLength)
      throw new ModuleAbiError(`bytes [${ptr}, ${ptr + len}) are outside memory`);
    return memory.buffer.slice(ptr, ptr + len);
  };
  // Under JSPI the imports may suspend the module for a rest, and its entry points are called as promising. Rests
  // are taken only inside those entry points (`inside`): JSPI cannot suspend a plain call such as alloc.
  const suspend = throttle?.by === 'suspend';
  let inside = false;
  const rest = (checkpoint: boolean) => (inside ? throttle?.atCall(checkpoint) : undefined);
  const callOut = (f: (...args: never[]) => unknown) => (suspend ? new jspi.Suspending!(f) : f);
  const callIn = <A extends unknown[]>(f: (...args: A) => unknown) => {
    const entry = suspend ? jspi.promising!(f) : f;
    return async (...args: A) => {
      inside = true;
      try {
        return await entry(...args);
      } finally {
        inside = false;
      }
    };
  };
  const imports = {
    env: {
      memory,
      abort(_message: number, _file: number, line: number, column: number): never {
        throw new ModuleTrapError(
          `module aborted at ${line}:${column} (out of memory past the cap of ${request.memory.maximum} pages?)`,
          { details: { line, column, maximumPages: request.memory.maximum } },
        );
      },
    },
    terraflop: {
      progress: callOut((fraction: number) => {
        post({ type: 'progress', fraction: Math.min(1, Math.max(0, fraction)) });
        return rest(false);
      }),
      checkpoint: callOut((ptr: number, len: number) => {
        const bytes = bytesAt(ptr, len);
        saved(bytes);
        post({ type: 'checkpoint', state: bytes });
        return rest(true);
      }),
    },
  };
  const exports = new WebAssembly.Instance(module, imports).exports as {
    _initialize?: () => void;
    alloc(len: number): number;
    run(a: number, b: number, c: number, d: number): number;
  };
  // A reactor's initialiser (WASI's convention), run here under the time limit rather than at instantiation.
  if (typeof exports._initialize === 'function') await callIn(exports._initialize)();
  const place = (data: ArrayBuffer) => {
    const ptr = exports.alloc(data.byteLength);
    new Uint8Array(memory.buffer, ptr, data.byteLength).set(new Uint8Array(data));
    return ptr;
  };
  const inPtr = place(request.input);
  const statePtr = place(state);
  let out: number;
  try {
    out = (await callIn(exports.run)(inPtr, request.input.byteLength, statePtr, state.byteLength)) as number;
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    // A trap; name the memory use, since a failed grow past the cap is the usual cause of `unreachable`.
    const pages = memory.buffer.byteLength / 65_536;
    throw new ModuleTrapError(
      `module trapped: ${e.message} (memory ${pages} of ${request.memory.maximum} pages in use)`,
      { cause: e, details: { memoryPages: pages, maximumPages: request.memory.maximum } },
    );
  }
  if (out < 0 || out + 4 > memory.buffer.byteLength)
    throw new ModuleAbiError(`run returned ${out}, not a pointer into memory`);
  return bytesAt(out + 4, new DataView(memory.buffer).getUint32(out, true));
}

/** Runs the module under the CPU limit; where it rests by unwinding, each rest resumes a fresh instance. */
async function run(request: SandboxRequest, post: (m: SandboxMessage) => void): Promise<SandboxMessage> {
  const throttle = request.cpu && request.cpu.limit < 1 ? new SandboxThrottle(request.cpu, post) : undefined;
  const started = performance.now();
  const module = new WebAssembly.Module(request.bytes);
  let state = request.resumeFrom ?? new ArrayBuffer(0);
  for (;;) {
    try {
      const output = await runInstance(module, request, state, throttle, (s) => (state = s), post);
      const busyMs = throttle ? throttle.finish() : performance.now() - started;
      return { type: 'done', output, busyMs, restMs: throttle?.restMs ?? 0, rests: throttle?.rests ?? 0 };
    } catch (e) {
      if (e !== UNWIND) throw e;
      await throttle!.restNow();
    }
  }
}

const port = await parentPort();
port.listen(async (request) => {
  try {
    if (!request.shader) {
      port.post({ type: 'started' });
      return port.post(await run(request, port.post));
    }
    // A shader's time limit is its dispatch's (protocol/custom-app.ts MAX_WGSL_DISPATCH_MS): opening a device and
    // compiling, seconds on a loaded machine's SwiftShader, count under the runner's start-up grace. Counted from
    // here, a shader that never dispatches (refused at compile or validation) was stopped at its limit on a busy
    // host, and its unit retried as WebAssembly, instead of failing with the shader's own error.
    let started = performance.now();
    const output = await runShader(request.shader, request.input, () => {
      started = performance.now();
      port.post({ type: 'started' });
    });
    port.post({ type: 'progress', fraction: 1 });
    port.post({ type: 'done', output, busyMs: performance.now() - started, restMs: 0, rests: 0 });
  } catch (e) {
    port.post({ type: 'error', error: serializeError(e) });
  }
});
