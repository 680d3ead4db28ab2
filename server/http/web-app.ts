/**
 * @module server/http/web-app
 * Serves the built web app (dist/): brotli or gzip copies written beside each file at build time
 * (web/precompress-plugin.ts) when the browser accepts them, and a cache policy by address: Vite's hashed chunks in
 * /assets/ never change, so a browser keeps them a year without asking; every other file (index.html, sw.js, the
 * manifest, the partners' embed.js at its stable address) is revalidated, so a new version reaches volunteers.
 */
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** The cache policy of a served path: the hashed build output is immutable, the rest revalidates. */
export function cacheControl(path: string): string {
  return path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE;
}

/**
 * Middleware serving the files under `root`; requests for other paths go on to `next`.
 * @example app.use('/*', serveWebApp('dist'))
 */
export function serveWebApp(root: string): MiddlewareHandler {
  const files = serveStatic({ root, precompressed: true });
  return async (c, next) => {
    const res = await files(c, next);
    // serveStatic answers with a Response for a file it found, and with next()'s result (nothing) otherwise.
    if (res instanceof Response) res.headers.set('cache-control', cacheControl(c.req.path));
    return res;
  };
}
