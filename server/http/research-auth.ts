/**
 * @module server/http/research-auth
 * Researcher authentication: `Authorization: Bearer tf_…`, looked up by its SHA-256. The handler then sees only the
 * researcher's project, and every batch it names is checked against that project.
 */
import type { MiddlewareHandler } from 'hono';
import { API_KEY_PATTERN, hashApiKey } from '../research/api-key.ts';
import type { Researcher, ResearchStore } from '../store/research.ts';
import { UnauthorizedError } from './errors.ts';

export type ResearchEnv = { Variables: { researcher: Researcher } };

export function requireResearcher(research: ResearchStore): MiddlewareHandler<ResearchEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new UnauthorizedError('missing Authorization header: send "Authorization: Bearer tf_…" with your API key');
    const key = /^Bearer (\S+)$/.exec(header)?.[1];
    if (!key || !API_KEY_PATTERN.test(key)) throw new UnauthorizedError('malformed API key: expected "Authorization: Bearer tf_" and 43 base64url characters');
    const researcher = await research.findResearcherByKeyHash(hashApiKey(key));
    if (!researcher) throw new UnauthorizedError('unknown or revoked API key');
    c.set('researcher', researcher);
    await next();
  };
}
