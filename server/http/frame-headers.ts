/**
 * @module server/http/frame-headers
 * Clickjacking defence for everything the coordinator serves: no other site may frame the volunteer app, the
 * researchers' dashboard or the status page (CSP `frame-ancestors 'self'`, and X-Frame-Options for browsers
 * without CSP level 2), while the partner widget's frame may be embedded by any site. The widget guards its own
 * consent click instead (web/widget/visibility-gate.svelte.ts).
 */
import type { MiddlewareHandler } from 'hono';

/** The one page partner sites embed. */
export const WIDGET_FRAME_PATH = '/widget-frame.html';

/**
 * Sets the framing headers on every response after the handler ran. A handler's own Content-Security-Policy is
 * kept (none sets one today), with the frame-ancestors directive added.
 * @example app.use('*', frameHeaders())
 */
export function frameHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // The API answers JSON, JSON lines and wasm, never a page to frame; and touching a response's headers makes the
    // Node adapter build a full Response, a cost every work request and report would pay.
    if (c.req.path.startsWith('/api/')) return;
    const embeddable = c.req.path === WIDGET_FRAME_PATH;
    const directive = embeddable ? 'frame-ancestors *' : "frame-ancestors 'self'";
    const csp = c.res.headers.get('content-security-policy');
    c.res.headers.set('content-security-policy', csp ? `${csp}; ${directive}` : directive);
    if (embeddable) c.res.headers.delete('x-frame-options');
    else c.res.headers.set('x-frame-options', 'SAMEORIGIN');
  };
}
