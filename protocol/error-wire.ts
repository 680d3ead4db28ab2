/**
 * @module protocol/error-wire
 * An error to its serialised shape (protocol/errors.ts), the same at every boundary, on the side that threw; the side
 * that receives revives it with protocol/remote-error.ts. Free of zod, so the widget's frame sends its errors
 * without loading it.
 */
import { BaseError } from './base-error.ts';
import * as bounds from './error-limits.ts';
import type { ErrorDetails, ErrorIssue, SerializedError } from './errors.ts';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const clipIssue = (i: ErrorIssue): ErrorIssue => ({
  path: clip(i.path, bounds.MAX_ISSUE_PATH),
  message: clip(i.message, bounds.MAX_DETAIL_TEXT),
});

/** A schema failure's problems as the protocol carries them: a dotted path ("(root)" for the whole) and a message. */
export function issuesOf(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): ErrorIssue[] {
  return error.issues
    .slice(0, bounds.MAX_ERROR_ISSUES)
    .map((i) => clipIssue({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/** A zod error (classic or mini) without importing zod: its issues are the point, its message is JSON. */
function zodIssues(error: unknown): ErrorIssue[] | undefined {
  if (!(error instanceof Error) || error.name !== 'ZodError') return undefined;
  const { issues } = error as Error & { issues?: unknown };
  return Array.isArray(issues) ? issuesOf({ issues }) : undefined;
}

function cleanDetails(details: ErrorDetails): ErrorDetails | undefined {
  const out: ErrorDetails = {};
  for (const [key, value] of Object.entries(details)) {
    if (Object.keys(out).length === bounds.MAX_ERROR_DETAILS) break;
    if (!bounds.ERROR_IDENTIFIER.test(key)) continue;
    if (typeof value === 'string') out[key] = clip(value, bounds.MAX_DETAIL_TEXT);
    else if (typeof value === 'number') out[key] = Number.isFinite(value) ? value : null;
    else if (typeof value === 'boolean' || value === null) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface SerializeOptions {
  /**
   * 'own': follow the cause chain only through Terraflop's own errors (BaseError), whose messages are written for
   * the receiver; a foreign cause (a driver's, a parser's) stays on this side. The coordinator sends its errors so.
   * 'all' by default.
   */
  causes?: 'all' | 'own';
}

/**
 * Any thrown value in the protocol's shape, cut to its bounds (so it always parses).
 * @example worker.postMessage({ type: 'error', error: serializeError(e) });
 */
export function serializeError(error: unknown, options: SerializeOptions = {}, depth = 0): SerializedError {
  const like = error as { name?: unknown; message?: unknown; cause?: unknown } | null;
  const isErrorLike = error instanceof Error || (typeof like === 'object' && typeof like?.message === 'string');
  const name =
    isErrorLike && typeof like?.name === 'string' && bounds.ERROR_IDENTIFIER.test(like.name) ? like.name : 'Error';
  const issues =
    error instanceof BaseError ? error.issues?.slice(0, bounds.MAX_ERROR_ISSUES).map(clipIssue) : zodIssues(error);
  const zodSummary = !(error instanceof BaseError) && issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
  const message = zodSummary || (isErrorLike ? String(like?.message) : String(error));
  const out: SerializedError = { name, message: clip(message, bounds.MAX_ERROR_MESSAGE) };
  const details = error instanceof BaseError ? cleanDetails(error.details) : undefined;
  if (details) out.details = details;
  if (issues?.length) out.issues = issues;
  const cause = isErrorLike ? like?.cause : undefined;
  const follow = options.causes === 'own' ? cause instanceof BaseError : cause !== undefined && cause !== null;
  if (follow && depth < bounds.MAX_CAUSE_DEPTH) out.cause = serializeError(cause, options, depth + 1);
  return out;
}

/**
 * One line for people: the error's name and message, then its causes' names (what a researcher's error groups show).
 * @example summarizeError(wire) // 'CustomAppError: sum: module trapped: … (caused by ModuleTrapError ← RuntimeError)'
 */
export function summarizeError(error: SerializedError): string {
  const causes: string[] = [];
  for (let cause = error.cause; cause; cause = cause.cause) causes.push(cause.name);
  return `${error.name}: ${error.message}${causes.length > 0 ? ` (caused by ${causes.join(' ← ')})` : ''}`;
}
