/**
 * @module server/http/partners
 * The public partner leaderboard, GET /api/partners/leaderboard: credit earned through each partner site's widget,
 * for researchers and the public alike.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { PartnerLeaderboard } from '../../protocol/partner.ts';
import type { Queryable } from '../store/sql/db.ts';
import { partnerLeaderboard } from '../store/sql/partners.ts';
import type { Store } from '../store/store.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';

const Limit = z.coerce.number().int().min(1).max(1000).default(100);

/** Routes over the store's SQL database (every Store here is a SqlStore, which exposes `db`). */
export function partnerRoutes(store: Store) {
  const db = (store as Store & { db?: Queryable }).db;
  return new Hono().get('/leaderboard', async (c) => {
    const limit = Limit.safeParse(c.req.query('limit'));
    if (!limit.success) throw new InvalidRequestError('query parameter "limit"', limit.error);
    if (!db) throw new NotFoundError('the partner leaderboard needs the SQL store');
    return c.json(PartnerLeaderboard.parse(await partnerLeaderboard(db, limit.data)));
  });
}
