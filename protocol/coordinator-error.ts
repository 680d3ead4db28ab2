/**
 * @module protocol/coordinator-error
 * The one reader of the coordinator's errors, for every client (the volunteer page, the dashboard, the chain panel,
 * the status page, the command line): an answer that is not 2xx becomes a CoordinatorError named as the coordinator
 * named it (its ApiErrorBody, parsed with the protocol's schema), with the HTTP status; no answer at all becomes one
 * named NetworkError. Callers switch on `name`. Uses only fetch's standard Response, as browsers and Node have it.
 */
import { BaseError, type BaseErrorParameters } from './base-error.ts';
import { RemoteError } from './remote-error.ts';
import { ApiErrorBody, type ApiErrorName, isApiErrorName } from './errors.ts';

/**
 * The coordinator's names (API_ERROR_NAMES), and two of the client's own: NetworkError, no answer came; HttpError, an
 * answer without an error body (a proxy's error page, say).
 */
export type CoordinatorErrorName = ApiErrorName | 'NetworkError' | 'HttpError';

export class CoordinatorError extends BaseError {
  override name: CoordinatorErrorName;
  /** The HTTP status, or 'network' when no answer came. */
  readonly status: number | 'network';

  constructor(
    name: CoordinatorErrorName,
    message: string,
    status: number | 'network',
    options: BaseErrorParameters = {},
  ) {
    super(message, { ...options, details: { ...options.details, status: status === 'network' ? null : status } });
    this.name = name;
    this.status = status;
  }
}

/**
 * The error a non-2xx answer stands for. A name this page does not know (a newer coordinator's) reads as ApiError,
 * the coordinator's own base, with its message.
 * @example if (!res.ok) throw await readErrorReply(res);
 */
export async function readErrorReply(res: Response): Promise<CoordinatorError> {
  const body = ApiErrorBody.safeParse(await res.json().catch(() => undefined));
  if (!body.success) {
    const message = `the coordinator answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    return new CoordinatorError('HttpError', message, res.status);
  }
  const { name, message, details, issues, cause } = body.data.error;
  return new CoordinatorError(isApiErrorName(name) ? name : 'ApiError', message, res.status, {
    details,
    issues,
    cause: cause && new RemoteError(cause),
  });
}

/** The coordinator could not be reached (offline, refused, a CORS or TLS failure). */
export const networkError = (cause: unknown) =>
  new CoordinatorError('NetworkError', 'the coordinator cannot be reached', 'network', { cause });

/**
 * fetch, with every failure a CoordinatorError: the answer when it is 2xx, else its error.
 * @example const status = PublicStatus.parse(await (await fetchCoordinator('/api/public/status')).json());
 */
export async function fetchCoordinator(input: string | URL, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(input, init);
  } catch (cause) {
    throw networkError(cause);
  }
  if (!res.ok) throw await readErrorReply(res);
  return res;
}
