/**
 * @module server/http/auth
 * Host authentication: a host presents the bearer token it was given at registration; the coordinator keeps only
 * the token's SHA-256, so a leaked database does not let anyone report as a host.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Store } from '../store/store.ts';
import type { Host } from '../store/types.ts';
import { UnauthorizedError } from './errors.ts';

export type HostEnv = { Variables: { host: Host } };

export const newToken = () => randomBytes(32).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function requireHost(store: Store): MiddlewareHandler<HostEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const token = header?.match(/^Bearer (\S+)$/)?.[1];
    if (!token) throw new UnauthorizedError('missing "Authorization: Bearer <host token>" header');
    const host = await store.findHostByTokenHash(hashToken(token));
    if (!host) throw new UnauthorizedError('unknown host token; register again with POST /api/hosts');
    c.set('host', host);
    await next();
  };
}
