/**
 * @module server/http/partners
 * The public partner leaderboard, GET /api/partners/leaderboard: credit earned through each partner site's widget,
 * for researchers and the public alike.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { PartnerLeaderboard } from '../../protocol/partner.ts';
import type { ResearchStore } from '../store/research.ts';
import { InvalidRequestError } from './errors.ts';
import { PUBLIC_CACHE_MS, Refreshed } from './public-cache.ts';

const Limit = z.coerce.number().int().min(1).max(1000).default(100);

/** @example api.route('/partners', partnerRoutes(research)) */
export function partnerRoutes(research: Pick<ResearchStore, 'partnerLeaderboard'>, cacheMs = PUBLIC_CACHE_MS) {
  // The whole board at most once per cacheMs; each request gets its first `limit` lines.
  const board = new Refreshed(cacheMs, () => research.partnerLeaderboard(1000));
  return new Hono().get('/leaderboard', async (c) => {
    const limit = Limit.safeParse(c.req.query('limit'));
    if (!limit.success) throw new InvalidRequestError('query parameter "limit"', limit.error);
    const { partners } = await board.get();
    return c.json(PartnerLeaderboard.parse({ partners: partners.slice(0, limit.data) }));
  });
}
