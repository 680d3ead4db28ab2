/**
 * @module server/http/errors
 * The coordinator's HTTP errors (after Hono's HTTPException, on the one BaseError): each has a literal name from the
 * protocol's list that a client switches on, an HTTP status, and a message that names what is wrong. One handler
 * renders them all, and the store's refusals it passes on, as the protocol's ApiErrorBody.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { BaseError, type BaseErrorParameters } from '../../protocol/base-error.ts';
import { issuesOf, serializeError } from '../../protocol/error-wire.ts';
import type { ApiErrorBody, ApiErrorName } from '../../protocol/errors.ts';

export interface ApiErrorParameters extends BaseErrorParameters {
  headers?: Record<string, string>;
}

export class ApiError extends BaseError {
  override name: ApiErrorName = 'ApiError';
  readonly status: ContentfulStatusCode;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, message: string, { headers = {}, ...options }: ApiErrorParameters = {}) {
    super(message, options);
    this.status = status;
    this.headers = headers;
  }
}

export class InvalidRequestError extends ApiError {
  override name = 'InvalidRequestError' as const;
  constructor(what: string, error: z.ZodError) {
    const issues = issuesOf(error);
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    super(400, `invalid ${what}: ${summary}`, { cause: error, issues });
  }
}

export class MalformedBodyError extends ApiError {
  override name = 'MalformedBodyError' as const;
  constructor(cause: unknown) {
    super(400, 'request body is not valid JSON', { cause });
  }
}

export class UnauthorizedError extends ApiError {
  override name = 'UnauthorizedError' as const;
  constructor(message: string) {
    super(401, message);
  }
}

export class PayloadTooLargeError extends ApiError {
  override name = 'PayloadTooLargeError' as const;
  constructor(limit: number) {
    // The rest of the body is not read, so the connection cannot carry another request: say so, and close it.
    super(413, `request body is larger than ${limit} bytes`, { details: { limit }, headers: { connection: 'close' } });
  }
}

/** A work request names a project (by short name) that this coordinator does not have. */
export class UnknownProjectError extends ApiError {
  override name = 'UnknownProjectError' as const;
  constructor(project: string) {
    const message = `no project "${project}" on this coordinator`;
    super(400, `invalid work request: project: ${message}`, { issues: [{ path: 'project', message }] });
  }
}

/**
 * A project key tried to change what only the coordinator's operator sets: its project's priority or resource
 * share against the other projects (issue 17: a key that set its own priority took every replica).
 */
export class OperatorSettingError extends ApiError {
  override name = 'OperatorSettingError' as const;
  constructor(fields: string[]) {
    super(
      403,
      `${fields.join(' and ')} ${fields.length > 1 ? 'are' : 'is'} set by the coordinator's operator ` +
        '(terraflop project share); a project key may change its limits only',
      { details: { fields: fields.join(', ') } },
    );
  }
}

/**
 * The host gets no work: it was banned (a recomputation on other hosts contradicted one of its results,
 * docs/training.md), or its volunteer or network was for one of theirs.
 */
export class HostBannedError extends ApiError {
  override name = 'HostBannedError' as const;
  constructor(hostId: number, reason: string) {
    super(403, `host ${hostId} is banned: ${reason}`, { details: { hostId } });
  }
}

/** A registration's proof of work is not one this coordinator accepts (protocol/registration-proof.ts). */
export class InvalidProofError extends ApiError {
  override name = 'InvalidProofError' as const;
  constructor(field: 'proof.challenge' | 'proof.nonce', problem: string) {
    super(400, `${field}: ${problem}`, { details: { field } });
  }
}

export class NotFoundError extends ApiError {
  override name: ApiErrorName = 'NotFoundError';
  constructor(message: string) {
    super(404, message);
  }
}

/**
 * The store's refusals, answered under their own names: each says the change conflicts with what is stored, and
 * nothing changed.
 */
const STORE_REFUSALS: Partial<Record<ApiErrorName, ContentfulStatusCode>> = {
  ProjectNameTakenError: 409,
  ResearcherNameTakenError: 409,
  LastLiveKeyError: 409,
  KeyTakenError: 409,
  DatabaseUnavailableError: 503,
  HostHoldsUnitsError: 409,
  ChallengeSpentError: 409,
  NetworkBannedError: 403,
  VolunteerBannedError: 403,
  ForeignReplicaError: 403,
};

/** The status to answer an error with, or undefined for one the client was not meant to see (a bug, an outage). */
function statusOf(error: Error): ContentfulStatusCode | undefined {
  if (error instanceof ApiError) return error.status;
  if (error instanceof BaseError) return STORE_REFUSALS[error.name as ApiErrorName];
  return undefined;
}

export function renderError(error: Error, c: Context): Response {
  const status = statusOf(error);
  if (status !== undefined) {
    // Only Terraflop's own causes go out: a driver's or parser's message may name paths and internals.
    const body: ApiErrorBody = { error: serializeError(error, { causes: 'own' }) };
    const headers = error instanceof ApiError ? error.headers : status === 503 ? { 'retry-after': '2' } : {};
    return c.json(body, status, headers);
  }
  console.error('unexpected error serving', c.req.method, c.req.path, error);
  const body: ApiErrorBody = {
    error: { name: 'InternalError', message: 'internal error; the request changed nothing' },
  };
  return c.json(body, 500);
}
