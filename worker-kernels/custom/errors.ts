/**
 * @module worker-kernels/custom/errors
 * The one error of researchers' apps, at upload (a refused module) or at run time (trap, time limit, memory cap),
 * with a literal name that survives the worker boundary.
 */
export class CustomAppError extends Error {
  override name = 'CustomAppError' as const;
  /** The run was stopped at its time limit; a shader's dispatch may still be running on the GPU. */
  readonly timedOut: boolean;
  /** For a run stopped at its time limit: the computing its clock counted, and the rests it did not count. */
  readonly computedMs: number | undefined;
  readonly restedMs: number | undefined;
  constructor(
    message: string,
    options: { timedOut?: boolean; computedMs?: number; restedMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
    this.computedMs = options.computedMs;
    this.restedMs = options.restedMs;
  }
}
