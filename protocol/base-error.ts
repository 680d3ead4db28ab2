/**
 * @module protocol/base-error
 * The one base of Terraflop's errors, on the page, in the workers and in the coordinator alike (after viem's
 * BaseError): each class has a literal `name` a program switches on, a short message a person reads, `details` a
 * program reads, `metaMessages` (more lines for people), `issues` for a schema failure, and a `cause` chain that
 * walk() follows. Free of zod and of anything Node- or DOM-only, so the widget's loader can afford it too.
 */
import type { ErrorDetails, ErrorIssue } from './errors.ts';

export interface BaseErrorParameters {
  cause?: unknown;
  details?: ErrorDetails | undefined;
  /** Lines after the short message, for people (what to try, what was expected). */
  metaMessages?: readonly string[] | undefined;
  /** Where a schema found each problem. */
  issues?: readonly ErrorIssue[] | undefined;
}

/**
 * @example
 * class QuotaError extends BaseError {
 *   override name = 'QuotaError' as const;
 *   constructor(used: number, cause?: unknown) {
 *     super(`quota used up (${used} units)`, { cause, details: { used } });
 *   }
 * }
 */
export class BaseError extends Error {
  override name = 'BaseError';
  /** The message without the meta lines. */
  readonly shortMessage: string;
  readonly details: ErrorDetails;
  readonly metaMessages: readonly string[];
  readonly issues: readonly ErrorIssue[] | undefined;

  constructor(shortMessage: string, { cause, details, metaMessages = [], issues }: BaseErrorParameters = {}) {
    super([shortMessage, ...metaMessages].join('\n'), cause === undefined ? undefined : { cause });
    this.shortMessage = shortMessage;
    this.details = details ?? {};
    this.metaMessages = metaMessages;
    this.issues = issues;
  }

  /**
   * This error and its causes, in order: the first for which `fn` is true (null if none), or without `fn` the last.
   * @example error.walk((e) => e instanceof Error && e.name === 'GpuError')
   */
  walk(fn?: (error: unknown) => boolean): unknown {
    return walk(this, fn);
  }
}

/** walk() for any thrown value; stops after 32 steps, so a cause cycle cannot hang it. */
export function walk(error: unknown, fn?: (error: unknown) => boolean): unknown {
  let current = error;
  for (let step = 0; step < 32; step++) {
    if (fn?.(current)) return current;
    const cause = current instanceof Error ? current.cause : undefined;
    if (cause === undefined) return fn ? null : current;
    current = cause;
  }
  return fn ? null : current;
}

/**
 * The first error in `error`'s chain (itself or a cause) with one of these names, or undefined.
 * @example if (errorNamed(e, 'UnauthorizedError')) await registerAgain();
 */
export function errorNamed(error: unknown, ...names: string[]): Error | undefined {
  const found = walk(error, (e) => e instanceof Error && names.includes(e.name));
  return found instanceof Error ? found : undefined;
}
