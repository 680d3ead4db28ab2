/**
 * @module worker-kernels/custom/errors
 * The one error of researchers' apps, at upload (a refused module) or at run time (trap, time limit, memory cap),
 * with a literal name that survives the worker boundary.
 */
export class CustomAppError extends Error {
  override name = 'CustomAppError' as const;
  /** The run was stopped at its time limit; a shader's dispatch may still be running on the GPU. */
  readonly timedOut: boolean;
  constructor(message: string, options: { timedOut?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
  }
}
