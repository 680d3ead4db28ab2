/**
 * @module worker-kernels/custom/runner
 * Runs a checked researcher's module, or its WGSL shader, on one input in a fresh sandbox worker, under the
 * manifest's time limit (the worker is terminated when it runs over, its GPU device with it; rests for the CPU limit
 * do not count), its memory cap (its imported memory cannot grow past the maximum) and the volunteer's CPU limit (the
 * sandbox rests at the module's calls, sandbox-rest.ts). Whatever the app does, the caller gets its output or a
 * CustomAppError (a GpuError where the shader was asked for and the host has no WebGPU or lost its device), and the
 * worker is gone afterwards. A shader's run is one dispatch, held to min(time limit, MAX_WGSL_DISPATCH_MS).
 */
import { MAX_WGSL_DISPATCH_MS } from '../../protocol/custom-app.ts';
import { reviveError } from '../../protocol/remote-error.ts';
import { GpuError } from '../errors.ts';
import type { CheckedModule } from './check-module.ts';
import { CustomAppError } from './errors.ts';
import type { SandboxCpu, SandboxRest } from './sandbox-rest.ts';
import type { SandboxMessage, SandboxRequest } from './sandbox-worker.ts';

export interface CustomRunOptions {
  input: Uint8Array;
  resumeFrom?: Uint8Array | undefined;
  onProgress?(fraction: number): void;
  onCheckpoint?(state: Uint8Array): void;
  /** 'webgpu' runs the manifest's shader (which it must have) instead of the module; 'wasm' by default. */
  variant?: 'wasm' | 'webgpu';
  /** The volunteer's CPU limit: the module rests at its progress and checkpoint calls. None by default. */
  cpu?: SandboxCpu | undefined;
  /** The sandbox starts a rest for the CPU limit: no progress meanwhile is not a hang. */
  onResting?(rest: SandboxRest): void;
  /** It rested this long and computes again. */
  onResumed?(restedMs: number): void;
}

interface Sandbox {
  send(request: SandboxRequest): void;
  terminate(): void;
}

async function spawn(onMessage: (m: SandboxMessage) => void, onError: (e: unknown) => void): Promise<Sandbox> {
  if (typeof Worker === 'function') {
    const worker = new Worker(new URL('./sandbox-worker.ts', import.meta.url), {
      type: 'module',
      name: 'terraflop-custom-app',
    });
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

/**
 * The sandbox's error, parsed with the protocol's schema and re-wrapped as the host's: a GpuError where the shader
 * was asked for and this host has no WebGPU or lost its device (the caller runs the module instead), else a
 * CustomAppError; the sandbox's own error, name and details kept, is its cause.
 */
export function sandboxFailure(app: string, wire: unknown): Error {
  const cause = reviveError(wire);
  const message = `${app}: ${cause.message}`;
  return cause.name === 'ShaderUnavailableError' || cause.name === 'ShaderDeviceLostError'
    ? new GpuError(message, { cause })
    : new CustomAppError(message, { cause });
}

/** A fresh ArrayBuffer of exactly these bytes (a Node Buffer may be a view into a shared pool). */
const copy = (bytes: Uint8Array) => new Uint8Array(bytes).buffer as ArrayBuffer;

/** A run's output and what it cost. */
export interface CustomRun {
  output: Uint8Array;
  /** Milliseconds the sandbox computed, rests for the CPU limit excluded. */
  busyMs: number;
  /** Milliseconds it rested for the CPU limit, and in how many rests. */
  restMs: number;
  rests: number;
}

/**
 * A sandbox that has not started this long after its spawn is stopped: starting a worker is the browser's work, not
 * the app's, and on a busy machine it takes long (seen: over 400 ms), so it does not count against the time limit.
 */
const STARTUP_GRACE_MS = 30_000;

/**
 * The manifest's time limit counted on computing time only: the clock starts when the sandbox has started and
 * stops while it rests for the CPU limit. Should a rest never end, the run is stopped a while after it should have.
 */
function busyClock(limitMs: number, stop: (computedMs: number, restedMs: number) => void) {
  let computed = 0;
  let since: number | undefined;
  let rested = 0;
  const computedNow = () => computed + (since === undefined ? 0 : performance.now() - since);
  const expire = () => {
    const computedMs = computedNow();
    // A timer fires up to a millisecond early by performance.now() (timers keep whole milliseconds), once for each
    // stretch of computing between rests: one that fired before the module had its limit waits out the rest of it.
    if (since !== undefined && computedMs < limitMs) {
      timer = setTimeout(expire, Math.ceil(limitMs - computedMs));
      return;
    }
    stop(computedMs, rested);
  };
  let timer = setTimeout(expire, STARTUP_GRACE_MS + limitMs);
  const counting = () => {
    clearTimeout(timer);
    since = performance.now();
    timer = setTimeout(expire, Math.max(0, limitMs - computed));
  };
  return {
    started: counting,
    resting(ms: number) {
      clearTimeout(timer);
      computed = computedNow();
      since = undefined;
      timer = setTimeout(expire, Math.max(0, limitMs - computed) + 2 * ms + 1000);
    },
    resumed(restedMs: number) {
      rested += restedMs;
      counting();
    },
    clear: () => clearTimeout(timer),
  };
}

/**
 * Runs a module that checkCustomModule accepted (`checked`), from its bytes, or its shader (`variant: 'webgpu'`).
 * @example const output = await runCustomApp(checkCustomModule(bytes, manifest), bytes, { input });
 */
export function runCustomApp(
  checked: CheckedModule,
  bytes: Uint8Array,
  options: CustomRunOptions,
): Promise<Uint8Array> {
  return runCustomAppMetered(checked, bytes, options).then((run) => run.output);
}

/**
 * runCustomApp, also saying how long the sandbox computed and rested.
 * @example
 * const { output, busyMs, restMs } = await runCustomAppMetered(checked, bytes, { input, cpu: { limit: 0.5 } });
 */
export function runCustomAppMetered(
  checked: CheckedModule,
  bytes: Uint8Array,
  options: CustomRunOptions,
): Promise<CustomRun> {
  const { manifest, memory } = checked;
  const shader = options.variant === 'webgpu' ? manifest.wgsl : undefined;
  if (options.variant === 'webgpu' && !shader)
    return Promise.reject(new CustomAppError(`${manifest.name}: the app has no WGSL shader`));
  if (options.cpu && !(options.cpu.limit > 0 && options.cpu.limit <= 1)) {
    return Promise.reject(new RangeError(`${manifest.name}: CPU limit must be in (0, 1], got ${options.cpu.limit}`));
  }
  return new Promise((resolve, reject) => {
    let sandbox: Sandbox | undefined;
    let settled = false;
    const finish = (error?: unknown, run?: CustomRun) => {
      if (settled) return;
      settled = true;
      clock.clear();
      sandbox?.terminate();
      if (error) reject(error);
      else resolve(run!);
    };
    // A shader is one dispatch, held to the manifest's limit or a dispatch's, whichever is shorter.
    const limitMs = shader ? Math.min(manifest.timeLimitMs, MAX_WGSL_DISPATCH_MS) : manifest.timeLimitMs;
    const clock = busyClock(limitMs, (computedMs, restedMs) => {
      const rests = restedMs > 0 ? ` of computing (it also rested ${Math.round(restedMs)} ms for the CPU limit)` : '';
      const subject = shader ? 'its shader was ' : '';
      const whose = limitMs < manifest.timeLimitMs ? "a dispatch's" : 'its';
      const overrun = `${manifest.name}: ${subject}stopped at ${whose} time limit of ${limitMs} ms${rests}`;
      finish(new CustomAppError(overrun, { timedOut: true, shader: shader !== undefined, computedMs, restedMs }));
    });
    const onMessage = (m: SandboxMessage) => {
      // A throwing callback is the host's fault, not the app's; it ends the run with its own error.
      try {
        if (m.type === 'started') clock.started();
        else if (m.type === 'progress') options.onProgress?.(m.fraction);
        else if (m.type === 'checkpoint') options.onCheckpoint?.(new Uint8Array(m.state));
        else if (m.type === 'resting') {
          clock.resting(m.rest.ms);
          options.onResting?.(m.rest);
        } else if (m.type === 'resumed') {
          clock.resumed(m.restedMs);
          options.onResumed?.(m.restedMs);
        } else if (m.type === 'done')
          finish(undefined, { output: new Uint8Array(m.output), busyMs: m.busyMs, restMs: m.restMs, rests: m.rests });
        else finish(sandboxFailure(manifest.name, m.error));
      } catch (e) {
        finish(e);
      }
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
        cpu: shader ? undefined : options.cpu,
        shader: shader && { wgsl: shader, label: `${manifest.name}-v${manifest.version}` },
      });
    }, onError);
  });
}
