/**
 * @module server/http/app
 * The coordinator's HTTP API: it only issues work and accepts results (and registers hosts); everything else
 * happens in the passes. Every body is size-limited and parsed with the protocol schemas; every error is an
 * ApiErrorBody.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Store } from '../store/store.ts';
import { NotFoundError, PayloadTooLargeError, renderError } from './errors.ts';
import { hostRoutes } from './hosts.ts';
import { workRoutes } from './work.ts';

/** Large enough for 64 results of 256 peaks each, small enough that a flood costs little. */
export const MAX_BODY_BYTES = 1 << 20;

export interface ApiOptions {
  store: Store;
  /** Called when results were stored, so the validator can run now rather than at its next tick. */
  onResults?: () => void;
}

export function createApi({ store, onResults = () => {} }: ApiOptions) {
  const api = new Hono()
    .use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new PayloadTooLargeError(MAX_BODY_BYTES); } }))
    .get('/health', (c) => c.json({ ok: true }))
    .route('/hosts', hostRoutes(store))
    .route('/', workRoutes(store, onResults))
    .all('*', (c) => {
      throw new NotFoundError(`no endpoint ${c.req.method} ${c.req.path}`);
    });
  api.onError(renderError);
  return api;
}
