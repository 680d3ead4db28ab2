/**
 * @module protocol/errors
 * The one serialised shape of an error, whichever boundary it crosses (worker to page, sandbox to worker, widget to
 * partner page, page to coordinator in a client error, coordinator to page in every 4xx and 5xx): a name a program
 * switches on, a message a person reads, details a program reads, the issues of a schema failure, and its cause,
 * to a bounded depth.
 */
import { z } from 'zod';
import {
  ERROR_IDENTIFIER,
  MAX_CAUSE_DEPTH,
  MAX_DETAIL_TEXT,
  MAX_ERROR_DETAILS,
  MAX_ERROR_ISSUES,
  MAX_ERROR_MESSAGE,
  MAX_ISSUE_PATH,
} from './error-limits.ts';

/** A class name: what a program switches on. */
export const ErrorName = z.string().regex(ERROR_IDENTIFIER, 'an identifier of at most 64 characters');

/** Facts about an error for programs (an HTTP status, a time limit hit, a memory size): flat, JSON-safe values. */
export const ErrorDetails = z
  .object({})
  .catchall(z.union([z.string().max(MAX_DETAIL_TEXT), z.number(), z.boolean(), z.literal(null)]))
  .refine(
    (d) => Object.keys(d).every((key) => ERROR_IDENTIFIER.test(key)),
    'keys are identifiers of at most 64 characters',
  )
  .refine((d) => Object.keys(d).length <= MAX_ERROR_DETAILS, `at most ${MAX_ERROR_DETAILS} details`);
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** One problem a schema found: where (a dotted path, "(root)" for the whole value) and what. */
export const ErrorIssue = z.strictObject({
  path: z.string().max(MAX_ISSUE_PATH),
  message: z.string().max(MAX_DETAIL_TEXT),
});
export type ErrorIssue = z.infer<typeof ErrorIssue>;

export interface SerializedError {
  name: string;
  message: string;
  details?: ErrorDetails | undefined;
  issues?: ErrorIssue[] | undefined;
  cause?: SerializedError | undefined;
}

/** The shape with `depth` more causes allowed below it: a bounded nesting, so a hostile chain costs nothing. */
function errorAt(depth: number): z.ZodType<SerializedError> {
  const shape = {
    name: ErrorName,
    message: z.string().max(MAX_ERROR_MESSAGE),
    details: ErrorDetails.optional(),
    issues: z.array(ErrorIssue).max(MAX_ERROR_ISSUES).optional(),
  };
  if (depth === 0) return z.strictObject(shape);
  return z.strictObject({ ...shape, cause: errorAt(depth - 1).optional() });
}

/**
 * An error as it crosses a boundary. Made by serializeError (protocol/error-wire.ts), turned back into an error by
 * reviveError (protocol/remote-error.ts).
 */
export const SerializedError = errorAt(MAX_CAUSE_DEPTH);

/**
 * The names the coordinator's errors have (server/http/errors.ts and the store's refusals it passes on), so the page
 * can switch on them. The type checks the coordinator's side: an ApiError's name must be one of these.
 */
export const API_ERROR_NAMES = [
  'ApiError',
  'InternalError',
  'DatabaseUnavailableError',
  'InvalidRequestError',
  'MalformedBodyError',
  'UnauthorizedError',
  'PayloadTooLargeError',
  'RateLimitedError',
  'NotFoundError',
  'UnknownProjectError',
  'UnknownAppError',
  'AppRefusedError',
  'AppConflictError',
  'SignupClosedError',
  'ProjectNameTakenError',
  'ResearcherNameTakenError',
  'LastLiveKeyError',
  'InvalidAddressError',
  'AddressTakenError',
  'InvalidSignatureError',
  'InvalidLinkError',
  'ChainOffError',
  'KeyTakenError',
  'TooManyStreamsError',
  'HostHoldsUnitsError',
  'OperatorSettingError',
  'HostBannedError',
  'InvalidProofError',
  'ChallengeSpentError',
  'NetworkBannedError',
  'VolunteerBannedError',
  'NotAttestableError',
  'NotDrawnError',
  'ForeignReplicaError',
] as const;
export type ApiErrorName = (typeof API_ERROR_NAMES)[number];

export const isApiErrorName = (name: string): name is ApiErrorName =>
  (API_ERROR_NAMES as readonly string[]).includes(name);

/** The body of every 4xx and 5xx the coordinator sends. */
export const ApiErrorBody = z.strictObject({ error: SerializedError });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
