/**
 * @module worker-kernels/custom/errors
 * The errors of researchers' apps: CustomAppError, the one the host sees, at upload (a refused module) or at run
 * time (trap, time limit, memory cap); and, as its cause, what the module did in its sandbox (ModuleTrapError,
 * ModuleAbiError). Their names and details survive the sandbox's and the worker's boundaries.
 */
import { BaseError } from '../../protocol/base-error.ts';
import type { ErrorDetails } from '../../protocol/errors.ts';

export interface CustomAppErrorOptions {
  /** The run was stopped at its time limit; a shader's dispatch may still be running on the GPU. */
  timedOut?: boolean;
  /** What was stopped was the app's shader (its WGSL dispatch), not its module. */
  shader?: boolean;
  /** For a run stopped at its time limit: the computing its clock counted, and the rests it did not count. */
  computedMs?: number;
  restedMs?: number;
  cause?: unknown;
}

export class CustomAppError extends BaseError {
  override name = 'CustomAppError' as const;
  constructor(message: string, { timedOut = false, shader, computedMs, restedMs, cause }: CustomAppErrorOptions = {}) {
    const measured = computedMs === undefined ? {} : { computedMs, restedMs: restedMs ?? 0 };
    super(message, { cause, details: { timedOut, ...(shader && { shader }), ...measured } as ErrorDetails });
  }

  get timedOut(): boolean {
    return this.details['timedOut'] === true;
  }
  get computedMs(): number | undefined {
    return this.details['computedMs'] as number | undefined;
  }
  get restedMs(): number | undefined {
    return this.details['restedMs'] as number | undefined;
  }
}

/** The module trapped (unreachable, an access out of bounds, a failed grow past its memory cap) or called abort. */
export class ModuleTrapError extends BaseError {
  override name = 'ModuleTrapError' as const;
}

/** The module broke the ABI (docs/apps.md): it named bytes outside its memory, or returned no pointer into it. */
export class ModuleAbiError extends BaseError {
  override name = 'ModuleAbiError' as const;
}

/**
 * Whether `error` (here, or revived from the worker's wire shape, which keeps the name and details) says an app's
 * shader was stopped at its time limit: the same dispatch would overrun again, so its unit's retry runs as
 * WebAssembly (web/lib/run-unit.ts).
 * @example if (shaderOverran(error)) retryOptions = { ...options, gpu: false };
 */
export function shaderOverran(error: unknown): boolean {
  return (
    error instanceof BaseError &&
    error.name === 'CustomAppError' &&
    error.details['timedOut'] === true &&
    error.details['shader'] === true
  );
}
