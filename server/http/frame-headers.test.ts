import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { frameHeaders, PAGE_POLICY } from './frame-headers.ts';

const app = new Hono()
  .use('*', frameHeaders())
  .get('/widget-frame.html', (c) => c.html('<p>widget</p>'))
  .get('/strict.html', (c) => c.html('<p>strict</p>', 200, { 'content-security-policy': "script-src 'self'" }))
  .get('/assets/app.js', (c) => c.body('export {}', 200, { 'content-type': 'text/javascript' }))
  .get('/api/health', (c) => c.json({ ok: true }))
  .get('*', (c) => c.html('<p>app</p>'));

const headersOf = async (path: string) => {
  const res = await app.request(path);
  return {
    csp: res.headers.get('content-security-policy'),
    xfo: res.headers.get('x-frame-options'),
    coop: res.headers.get('cross-origin-opener-policy'),
  };
};

describe('security headers', () => {
  test('default: the app, dashboard and status page have the page policy, framed only by the coordinator', async () => {
    for (const path of ['/', '/index.html', '/dashboard.html', '/status.html']) {
      expect(await headersOf(path), path).toEqual({
        csp: `${PAGE_POLICY}; frame-ancestors 'self'`,
        xfo: 'SAMEORIGIN',
        coop: 'same-origin',
      });
    }
    expect(PAGE_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(PAGE_POLICY).not.toContain("'unsafe-eval'");
  });

  test('behavior: the widget frame may be framed by any site, with or without a query', async () => {
    const widget = { csp: `${PAGE_POLICY}; frame-ancestors *`, xfo: null, coop: null };
    expect(await headersOf('/widget-frame.html')).toEqual(widget);
    expect(await headersOf('/widget-frame.html?project=demo&cpu-limit=25')).toEqual(widget);
  });

  test("behavior: a handler's own policy is kept, with frame-ancestors added", async () => {
    expect((await headersOf('/strict.html')).csp).toBe("script-src 'self'; frame-ancestors 'self'");
  });

  test('behavior: every file is nosniff with a referrer policy; scripts get no page policy; the API none', async () => {
    const script = (await app.request('/assets/app.js')).headers;
    expect(script.get('x-content-type-options')).toBe('nosniff');
    expect(script.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(script.get('content-security-policy')).toBeNull();
    const api = (await app.request('/api/health')).headers;
    expect([api.get('x-content-type-options'), api.get('content-security-policy')]).toEqual([null, null]);
  });
});
