/**
 * @module protocol/remote-error
 * The receiving side of the one error shape: reviveError parses what came across with the protocol's schema and
 * gives back an error that keeps the thrower's name, details, issues and causes, so both sides switch on the same
 * names. protocol/error-wire.ts is the sending side.
 */
import { BaseError } from './base-error.ts';
import { issuesOf } from './error-wire.ts';
import { SerializedError } from './errors.ts';

/** An error thrown on the other side of a boundary, revived: its name is the thrower's, not a class of this side. */
export class RemoteError extends BaseError {
  constructor(wire: SerializedError) {
    super(wire.message, {
      details: wire.details,
      issues: wire.issues,
      cause: wire.cause === undefined ? undefined : new RemoteError(wire.cause),
    });
    this.name = wire.name;
  }
}

/** What came across was meant to be an error but is not in the protocol's shape. */
export class UnreadableError extends BaseError {
  override name = 'UnreadableError' as const;
}

/**
 * The error a serialised one stands for, parsed with the protocol's schema first: a RemoteError with the thrower's
 * name, or an UnreadableError naming what is wrong with the shape.
 * @example throw reviveError(message.error);
 */
export function reviveError(wire: unknown): BaseError {
  const parsed = SerializedError.safeParse(wire);
  if (parsed.success) return new RemoteError(parsed.data);
  const issues = issuesOf(parsed.error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new UnreadableError(`an error arrived in no shape the protocol knows: ${summary}`, { issues });
}
