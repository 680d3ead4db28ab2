/**
 * @module server/http/research-auth
 * Researcher authentication: `Authorization: Bearer tf_…`, looked up by its SHA-256. The handler then sees only the
 * researcher's project, and every batch it names is checked against that project. A key's last use is recorded
 * at most once a minute, so that reading progress does not become a write per request.
 */
import type { MiddlewareHandler } from 'hono';
import { API_KEY_PATTERN, hashApiKey } from '../research/api-key.ts';
import type { ResearcherKey } from '../store/research-access.ts';
import type { ResearchStore } from '../store/research.ts';
import { UnauthorizedError } from './errors.ts';

export type ResearchEnv = { Variables: { researcher: ResearcherKey } };

/** How stale a key's recorded last use may get before a request records it again. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function requireResearcher(research: ResearchStore): MiddlewareHandler<ResearchEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header)
      throw new UnauthorizedError('missing Authorization header: send "Authorization: Bearer tf_…" with your API key');
    const key = /^Bearer (\S+)$/.exec(header)?.[1];
    if (!key || !API_KEY_PATTERN.test(key))
      throw new UnauthorizedError(
        'malformed API key: expected "Authorization: Bearer tf_" and 43 base64url characters',
      );
    const researcher = await research.findResearcherByKeyHash(hashApiKey(key));
    if (!researcher) throw new UnauthorizedError('unknown or revoked API key');
    const now = Date.now();
    if (researcher.lastUsedAt === null || now - researcher.lastUsedAt >= LAST_USED_RESOLUTION_MS)
      await research.touchApiKey(researcher.keyId, now);
    c.set('researcher', researcher);
    await next();
  };
}
