/**
 * @module server/http/metrics
 * `GET /metrics`: the coordinator's metrics in Prometheus' text format, open to anyone unless a token is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Handler } from 'hono';
import { UnauthorizedError } from './errors.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** With `token`, only `Authorization: Bearer <token>` is answered (compared in constant time). */
export function metricsRoute(text: () => Promise<{ body: string; contentType: string }>, token?: string): Handler {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async (c) => {
    if (expected && !timingSafeEqual(digest(c.req.header('authorization') ?? ''), expected))
      throw new UnauthorizedError('GET /metrics needs Authorization: Bearer <TERRAFLOP_METRICS_TOKEN>');
    const { body, contentType } = await text();
    return c.body(body, 200, { 'content-type': contentType });
  };
}
