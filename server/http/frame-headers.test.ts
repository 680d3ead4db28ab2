import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { frameHeaders } from './frame-headers.ts';

const app = new Hono()
  .use('*', frameHeaders())
  .get('/widget-frame.html', (c) => c.html('<p>widget</p>'))
  .get('/strict.html', (c) => c.html('<p>strict</p>', 200, { 'content-security-policy': "script-src 'self'" }))
  .get('*', (c) => c.html('<p>app</p>'));

const headersOf = async (path: string) => {
  const res = await app.request(path);
  return { csp: res.headers.get('content-security-policy'), xfo: res.headers.get('x-frame-options') };
};

describe('frame headers', () => {
  test(
    'default: the volunteer app, dashboard, status page and API ' + 'may be framed only by the coordinator itself',
    async () => {
      for (const path of ['/', '/index.html', '/dashboard.html', '/status.html']) {
        expect(await headersOf(path), path).toEqual({ csp: "frame-ancestors 'self'", xfo: 'SAMEORIGIN' });
      }
    },
  );

  test('behavior: the widget frame may be framed by any site, with or without a query', async () => {
    expect(await headersOf('/widget-frame.html')).toEqual({ csp: 'frame-ancestors *', xfo: null });
    expect(await headersOf('/widget-frame.html?project=demo&cpu-limit=25')).toEqual({
      csp: 'frame-ancestors *',
      xfo: null,
    });
  });

  test("behavior: a handler's own policy is kept, with frame-ancestors added", async () => {
    expect(await headersOf('/strict.html')).toEqual({
      csp: "script-src 'self'; frame-ancestors 'self'",
      xfo: 'SAMEORIGIN',
    });
  });
});
