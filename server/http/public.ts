/**
 * @module server/http/public
 * What anyone may read without logging in, under /api/public: each project's status (as BOINC's server status
 * page), the leaderboards (with a volunteer's own line on request), what volunteers are told about the projects and
 * their apps, and the built-in apps with an example unit each; and the API's OpenAPI description at
 * /api/openapi.json.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { CoordinatorAbout } from '../../protocol/about.ts';
import { AppCatalog } from '../../protocol/app-catalog.ts';
import { Leaderboard, PublicStatus } from '../../protocol/research.ts';
import { appCatalog } from '../research/app-about.ts';
import { type AboutSettings, coordinatorAbout, DEFAULT_OPERATOR } from '../research/about.ts';
import { openApiDocument } from '../research/openapi.ts';
import type { ResearchStore } from '../store/research.ts';
import { InvalidRequestError } from './errors.ts';
import { PUBLIC_CACHE_MS, Refreshed } from './public-cache.ts';

const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const CACHE_A_MINUTE = { 'cache-control': 'public, max-age=60' };
const You = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional();

export const DEFAULT_ABOUT: AboutSettings = { operator: DEFAULT_OPERATOR, settlingS: 172_800 };
/** The longest board anyone may ask for: computed once, each request gets its first `limit` lines. */
const BOARD = 1000;

export function publicRoutes(research: ResearchStore, about: AboutSettings = DEFAULT_ABOUT, cacheMs = PUBLIC_CACHE_MS) {
  const status = new Refreshed(cacheMs, async () => PublicStatus.parse(await research.publicStatus(Date.now())));
  const board = new Refreshed(cacheMs, () => research.leaderboard(BOARD, Date.now()));
  const catalog = new Refreshed(cacheMs, () => research.projectCatalog());
  return (
    new Hono()
      .get('/status', async (c) => c.json(await status.get()))
      .get('/leaderboard', async (c) => {
        const limit = Limit.safeParse(c.req.query('limit'));
        if (!limit.success) throw new InvalidRequestError('query parameter "limit"', limit.error);
        const you = You.safeParse(c.req.query('you'));
        if (!you.success) throw new InvalidRequestError('query parameter "you"', you.error);
        const { volunteers, partners } = await board.get();
        // A volunteer's own line is theirs alone, so it is looked up each time (an indexed count).
        const own = you.data === undefined ? {} : { you: (await research.leaderboard(0, Date.now(), you.data)).you };
        const lines = { volunteers: volunteers.slice(0, limit.data), partners: partners.slice(0, limit.data) };
        return c.json(Leaderboard.parse({ ...lines, ...own }));
      })
      // Read by every widget a partner page shows: a minute in the browser's cache spares the coordinator.
      .get('/about', async (c) =>
        c.json(CoordinatorAbout.parse(coordinatorAbout(await catalog.get(), about)), 200, CACHE_A_MINUTE),
      )
      .get('/apps', (c) => c.json(AppCatalog.parse(appCatalog()), 200, CACHE_A_MINUTE))
  );
}

export const openApiRoute = () => new Hono().get('/openapi.json', (c) => c.json(openApiDocument()));
