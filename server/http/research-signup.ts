/**
 * @module server/http/research-signup
 * POST /api/research/projects: self-service sign-up, a project with its first researcher and API key for anyone,
 * only where the operator opened it (TERRAFLOP_OPEN_SIGNUP=1); otherwise 403, the operator making projects with
 * `npx terraflop project create`. Open sign-up is limited per client address, counted before the body is read, so
 * that a flood of attempts, good or bad, costs little. Behind a reverse proxy every client shares the proxy's
 * address (X-Forwarded-For is not trusted: anyone can send it).
 */
import { Hono, type Context } from 'hono';
import { ProjectCreated } from '../../protocol/research.ts';
import { ProjectSignup } from '../../protocol/research-access.ts';
import { freshApiKey } from '../research/api-key.ts';
import type { ResearchStore } from '../store/research.ts';
import { ApiError } from './errors.ts';
import { parseBody } from './parse.ts';
import { RateLimiter } from './rate-limit.ts';

/** Five projects an hour per address, all five at once at most. */
export const SIGNUP_RATE = { perSecond: 5 / 3600, burst: 5 };

export class SignupClosedError extends ApiError {
  override name = 'SignupClosedError' as const;
  constructor() {
    super(
      403,
      'this coordinator does not take sign-ups: its operator creates projects with ' +
        '`npx terraflop project create --name NAME` (or opens sign-up with TERRAFLOP_OPEN_SIGNUP=1)',
    );
  }
}

/** The client's address as the socket saw it; 'unknown' where there is no socket (app.request in tests). */
function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

export function signupRoutes(research: ResearchStore, { open }: { open: boolean }) {
  const limiter = new RateLimiter(SIGNUP_RATE);
  return new Hono().post('/', async (c) => {
    if (!open) throw new SignupClosedError();
    limiter.take(`signup:${clientAddress(c)}`);
    const { name, researcherName } = await parseBody(c, ProjectSignup, 'project sign-up');
    const { apiKey, stored } = freshApiKey();
    // A name taken: the store's ProjectNameTakenError, answered 409 by renderError.
    const created = await research.createProject({ name, researcherName, ...stored, now: Date.now() });
    return c.json(
      ProjectCreated.parse({ projectId: created.projectId, researcherId: created.researcherId, apiKey }),
      201,
    );
  });
}
