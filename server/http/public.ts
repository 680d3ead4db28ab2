/**
 * @module server/http/public
 * What anyone may read without logging in, under /api/public: each project's status (as BOINC's server status
 * page) and the volunteers' leaderboard; and the API's OpenAPI description at /api/openapi.json.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { Leaderboard, PublicStatus } from '../../protocol/research.ts';
import { openApiDocument } from '../research/openapi.ts';
import type { ResearchStore } from '../store/research.ts';
import { InvalidRequestError } from './errors.ts';

const Limit = z.coerce.number().int().min(1).max(1000).default(100);

export function publicRoutes(research: ResearchStore) {
  return new Hono()
    .get('/status', async (c) => c.json(PublicStatus.parse(await research.publicStatus(Date.now()))))
    .get('/leaderboard', async (c) => {
      const limit = Limit.safeParse(c.req.query('limit'));
      if (!limit.success) throw new InvalidRequestError('query parameter "limit"', limit.error);
      return c.json(Leaderboard.parse(await research.leaderboard(limit.data, Date.now())));
    });
}

export const openApiRoute = () => new Hono().get('/openapi.json', (c) => c.json(openApiDocument()));
