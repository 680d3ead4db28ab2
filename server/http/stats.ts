/**
 * @module server/http/stats
 * The daily statistics exports, public: GET /api/stats lists the dates, GET /api/stats/:date/:file serves a file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { NotFoundError, renderError } from './errors.ts';

const FILES = new Set(['volunteers.jsonl', 'hosts.jsonl', 'manifest.json']);

export function statsRoutes(statsDir: string) {
  const app = new Hono()
    .get('/', (c) => {
      const dates = existsSync(statsDir)
        ? readdirSync(statsDir)
            .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))
            .sort()
        : [];
      return c.json({ dates });
    })
    .get('/:date/:file', (c) => {
      const { date, file } = c.req.param();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !FILES.has(file))
        throw new NotFoundError(`no statistics file ${date}/${file}`);
      const path = join(statsDir, date, file);
      if (!existsSync(path)) throw new NotFoundError(`no statistics for ${date}`);
      const type = file.endsWith('.json') ? 'application/json' : 'application/x-ndjson';
      return c.body(readFileSync(path), 200, { 'content-type': type });
    });
  app.onError(renderError);
  return app;
}
