/**
 * @module server/http/edge
 * The coordinator's first line: each request is counted against its network's token bucket before anything is read
 * or checked, so a flood costs a map lookup and a small 429, never a signature check, a body or a database write.
 * Identities are free (a host is one registration away), so the limit is per network, not per host; registration,
 * the one route that writes for anyone, has a tighter bucket of its own. Bodies are limited per route as well, by
 * what the route needs (a registration is a few hundred bytes), so junk is refused from its Content-Length alone.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { PayloadTooLargeError } from './errors.ts';
import { RateLimiter } from './rate-limit.ts';

/** The key a request is counted under: which network it comes from (server/http/network.ts's networkOf). */
export type NetworkOf = (c: Context) => string;

export interface Rate {
  perSecond: number;
  burst: number;
}

/**
 * Spends one token of the request's network from `limiter`, or answers 429 before the handler runs.
 * @example api.use(networkLimit(new RateLimiter({ perSecond: 100, burst: 400 }), (c) => c.get('network'), 'api'))
 */
export function networkLimit(limiter: RateLimiter, networkOf: NetworkOf, scope: string): MiddlewareHandler {
  return async (c, next) => {
    limiter.take(`${scope}:${networkOf(c)}`);
    await next();
  };
}

/** A per-network limit of `rate`, or a pass-through when there is none. */
export function networkLimitOf(rate: Rate | undefined, networkOf: NetworkOf, scope: string): MiddlewareHandler {
  if (!rate) return (_c, next) => next();
  return networkLimit(new RateLimiter(rate), networkOf, scope);
}

/**
 * Request bodies refused past `maxSize` bytes: by Content-Length before reading, or while reading one sent without
 * it (chunked), which is then buffered for the handler.
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const length = raw.headers.get('content-length');
    if (length !== null && !raw.headers.has('transfer-encoding')) {
      if (Number(length) > maxSize) throw new PayloadTooLargeError(maxSize);
      return next();
    }
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.length;
      if (size > maxSize) {
        await reader.cancel();
        throw new PayloadTooLargeError(maxSize);
      }
      chunks.push(read.value);
    }
    c.req.raw = new Request(raw, { body: Buffer.concat(chunks) });
    return next();
  };
}

/** Registering a host or renaming a volunteer: a key, a name, a platform string and a partner origin. */
export const SMALL_BODY_BYTES = 4 << 10;
