/**
 * @module server/http/research-access
 * A project's researchers manage who may use it, under /api/research behind an API key (mounted by
 * research.ts after its key check): list the researchers and their keys, add a researcher, make another key for
 * oneself, revoke any key of the project but its last live one. A key of another project answers 404, exactly as a
 * key that does not exist.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiKeyCreated, ApiKeyRevoked, NewResearcher, ResearcherList } from '../../protocol/research-access.ts';
import { freshApiKey } from '../research/api-key.ts';
import type { ResearchStore } from '../store/research.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';
import { parseBody } from './parse.ts';
import type { ResearchEnv } from './research-auth.ts';

const KeyId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export function accessRoutes(research: ResearchStore) {
  return new Hono<ResearchEnv>()
    .get('/researchers', async (c) => {
      const { projectId, keyId } = c.get('researcher');
      return c.json(ResearcherList.parse({ researchers: await research.projectAccess(projectId, keyId) }));
    })
    .post('/researchers', async (c) => {
      const { name } = await parseBody(c, NewResearcher, 'new researcher');
      const { apiKey, stored } = freshApiKey();
      // A name already in the project: the store's ResearcherNameTakenError, answered 409 by renderError.
      const added = await research.addResearcher({
        projectId: c.get('researcher').projectId,
        name,
        key: stored,
        now: Date.now(),
      });
      return c.json(ApiKeyCreated.parse({ ...added, prefix: stored.keyPrefix, apiKey }), 201);
    })
    .post('/keys', async (c) => {
      const { researcherId } = c.get('researcher');
      const { apiKey, stored } = freshApiKey();
      const keyId = await research.createApiKey({ researcherId, key: stored, now: Date.now() });
      return c.json(ApiKeyCreated.parse({ researcherId, keyId, prefix: stored.keyPrefix, apiKey }), 201);
    })
    .post('/keys/:id/revoke', async (c) => {
      const id = KeyId.safeParse(c.req.param('id'));
      if (!id.success) throw new InvalidRequestError('key id', id.error);
      // The project's last live key: the store's LastLiveKeyError, answered 409 by renderError.
      const revoked = await research.revokeApiKey(c.get('researcher').projectId, id.data, Date.now());
      if (!revoked) throw new NotFoundError(`no key ${id.data} in your project`);
      return c.json(ApiKeyRevoked.parse(revoked));
    });
}
