/**
 * @module worker-kernels/custom/errors
 * The one error of researchers' apps, at upload (a refused module) or at run time (trap, time limit, memory cap),
 * with a literal name that survives the worker boundary.
 */
export class CustomAppError extends Error {
  override name = 'CustomAppError' as const;
}
