/**
 * @module server/http/errors
 * The coordinator's one error hierarchy (after viem's BaseError and Hono's HTTPException): each error has a literal
 * name a client can switch on, an HTTP status, and a message that names what is wrong. One handler renders them all
 * as the protocol's ApiErrorBody.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { ApiErrorBody } from '../../protocol/errors.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: ContentfulStatusCode;
  readonly issues: ApiErrorBody['error']['issues'];
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    message: string,
    options: { cause?: unknown; issues?: ApiErrorBody['error']['issues']; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = status;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}

export class InvalidRequestError extends ApiError {
  override name = 'InvalidRequestError';
  constructor(what: string, error: z.ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    super(400, `invalid ${what}: ${summary}`, { cause: error, issues });
  }
}

export class MalformedBodyError extends ApiError {
  override name = 'MalformedBodyError';
  constructor(cause: unknown) {
    super(400, 'request body is not valid JSON', { cause });
  }
}

export class UnauthorizedError extends ApiError {
  override name = 'UnauthorizedError';
  constructor(message: string) {
    super(401, message);
  }
}

export class PayloadTooLargeError extends ApiError {
  override name = 'PayloadTooLargeError';
  constructor(limit: number) {
    super(413, `request body is larger than ${limit} bytes`);
  }
}

/** A work request names a project (by short name) that this coordinator does not have. */
export class UnknownProjectError extends ApiError {
  override name = 'UnknownProjectError';
  constructor(project: string) {
    const message = `no project "${project}" on this coordinator`;
    super(400, `invalid work request: project: ${message}`, { issues: [{ path: 'project', message }] });
  }
}

export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super(404, message);
  }
}

export function renderError(error: Error, c: Context): Response {
  if (error instanceof ApiError) {
    const body: ApiErrorBody = {
      error: { name: error.name, message: error.message, ...(error.issues && { issues: error.issues }) },
    };
    return c.json(body, error.status, error.headers);
  }
  console.error('unexpected error serving', c.req.method, c.req.path, error);
  const body: ApiErrorBody = {
    error: { name: 'InternalError', message: 'internal error; the request changed nothing' },
  };
  return c.json(body, 500);
}
