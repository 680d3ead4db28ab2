/**
 * @module server/http/frame-headers
 * The security headers of everything the coordinator serves outside the API.
 * - Content-Security-Policy on every page: scripts, styles, workers and connections from the coordinator's own
 *   origin only, WebAssembly compiled from bytes ('wasm-unsafe-eval', which the kernels need, but no string eval:
 *   the pages run zod jitless), no plugins, no <base>. Styles may be inline: Svelte sets style attributes.
 * - Clickjacking: no other site may frame the volunteer app, the researchers' dashboard or the status page
 *   (`frame-ancestors 'self'`, and X-Frame-Options for browsers without CSP level 2), while the partner widget's
 *   frame may be embedded by any site. The widget guards its own consent click instead
 *   (web/widget/visibility-gate.svelte.ts).
 * - X-Content-Type-Options: nosniff and Referrer-Policy: strict-origin-when-cross-origin on every file.
 * - Cross-Origin-Opener-Policy: same-origin on the top-level pages, so no page of another site that opened or was
 *   opened by them keeps a handle on their window. No COEP: the kernels need no cross-origin isolation (the sandbox
 *   rests by JSPI, or on a shared WebAssembly.Memory, which Chromium allows without it), and COEP would keep the
 *   widget frame from loading inside partners' pages that do not send CORP headers.
 */
import type { MiddlewareHandler } from 'hono';

/** The one page partner sites embed. */
export const WIDGET_FRAME_PATH = '/widget-frame.html';

/** What every page may load and run, before its frame-ancestors directive. */
export const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Sets the security headers on every response after the handler ran. A handler's own Content-Security-Policy is
 * kept, with the frame-ancestors directive added; a page without one gets PAGE_POLICY.
 * @example app.use('*', frameHeaders())
 */
export function frameHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // The API answers JSON, JSON lines and wasm, never a page to frame; and touching a response's headers makes the
    // Node adapter build a full Response, a cost every work request and report would pay.
    if (c.req.path.startsWith('/api/')) return;
    const headers = c.res.headers;
    headers.set('x-content-type-options', 'nosniff');
    headers.set('referrer-policy', 'strict-origin-when-cross-origin');
    if (!headers.get('content-type')?.startsWith('text/html')) return;
    const embeddable = c.req.path === WIDGET_FRAME_PATH;
    const directive = embeddable ? 'frame-ancestors *' : "frame-ancestors 'self'";
    const csp = headers.get('content-security-policy') ?? PAGE_POLICY;
    headers.set('content-security-policy', `${csp}; ${directive}`);
    if (embeddable) headers.delete('x-frame-options');
    else {
      headers.set('x-frame-options', 'SAMEORIGIN');
      headers.set('cross-origin-opener-policy', 'same-origin');
    }
  };
}
