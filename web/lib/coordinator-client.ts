/**
 * @module web/lib/coordinator-client
 * The page's side of the protocol: every reply is parsed with the protocol schemas, and every failure becomes a
 * CoordinatorError that says what the coordinator (or the network) said.
 */
import type { z } from 'zod';
import { ApiErrorBody } from '../../protocol/errors.ts';
import { HostIdentity, HostStatus, type RegisterHost } from '../../protocol/host.ts';
import { ReportReply, WorkReply, type ResultEntry } from '../../protocol/work.ts';

export class CoordinatorError extends Error {
  override name = 'CoordinatorError';
  /** The HTTP status, or 'network' when no answer came. */
  readonly status: number | 'network';

  constructor(message: string, status: number | 'network', options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

export class CoordinatorClient {
  private readonly base: string;
  private token: string | undefined;

  constructor(base: string) {
    this.base = base;
  }

  setToken(token: string) {
    this.token = token;
  }

  private async call<S extends z.ZodType>(method: string, path: string, reply: S, body?: unknown): Promise<z.infer<S>> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: {
          'content-type': 'application/json',
          ...(this.token && { authorization: `Bearer ${this.token}` }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new CoordinatorError('the coordinator cannot be reached', 'network', { cause });
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const error = ApiErrorBody.safeParse(json);
      throw new CoordinatorError(error.success ? error.data.error.message : `HTTP ${res.status}`, res.status);
    }
    return reply.parse(json);
  }

  register(body: RegisterHost) {
    return this.call('POST', 'api/hosts', HostIdentity, body);
  }

  requestWork(maxReplicas: number) {
    return this.call('POST', 'api/work', WorkReply, { maxReplicas });
  }

  report(results: ResultEntry[]) {
    return this.call('POST', 'api/results', ReportReply, { results });
  }

  status() {
    return this.call('GET', 'api/hosts/me', HostStatus);
  }
}
