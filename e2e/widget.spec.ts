/**
 * @module e2e/widget
 * The partner widget from a partner page on another origin (a second port, served here): nothing runs before the
 * visitor opts in, it computes after, stop stops, the partner cannot read the frame's storage, the host page cannot
 * start it, and the iframe snippet works under a strict Content Security Policy.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page, type Request } from '@playwright/test';

const COORDINATOR = 'http://127.0.0.1:4173';

/** The partner pages, keyed by path: HTML and the Content-Security-Policy to serve it with, if any. */
const PAGES: Record<string, { html: string; csp?: string }> = {
  '/script.html': {
    html: `<!doctype html><title>Partner</title><h1>A partner's article</h1>
      <script>
        window.events = [];
        addEventListener('message', (e) => {
          if (e.origin === '${COORDINATOR}' && e.data && e.data.source === 'terraflop-widget') window.events.push(e.data);
        });
      </script>
      <script async src="${COORDINATOR}/embed.js" data-project="demo" data-theme="dark" data-cpu-limit="20"></script>`,
  },
  '/strict.html': {
    html: `<!doctype html><title>Strict partner</title><h1>A strict partner</h1>
      <iframe src="${COORDINATOR}/widget-frame.html?project=demo&amp;cpu-limit=25" title="Terraflop: contribute compute to science" width="320" height="200"></iframe>`,
    csp: `default-src 'none'; frame-src ${COORDINATOR}`,
  },
  '/bad.html': {
    html: `<!doctype html><title>Bad partner</title>
      <script async src="${COORDINATOR}/embed.js" data-cpu-limit="200"></script>`,
  },
};

let partner: Server;
let partnerUrl: string;

test.beforeAll(async () => {
  partner = createServer((req, res) => {
    const page = PAGES[req.url ?? ''];
    if (!page) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(page.csp && { 'content-security-policy': page.csp }) });
    res.end(page.html);
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => partner.close(resolve));
});

/** Requests the page (and its frames) make to the coordinator's API, by path. */
function watchApi(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r: Request) => {
    const url = new URL(r.url());
    if (url.origin === COORDINATOR && url.pathname.startsWith('/api/')) seen.push(url.pathname);
  });
  return seen;
}

const count = (seen: string[], path: string) => seen.filter((p) => p === path).length;
const events = (page: Page) => page.evaluate(() => ((window as unknown as { events: { type: string }[] }).events ?? []).map((e) => e.type));

test('default: nothing runs before opt-in; it computes after; stop stops and withdraws the choice', async ({ page }) => {
  const api = watchApi(page);
  await page.goto(`${partnerUrl}/script.html`);
  const widget = page.frameLocator('iframe[title^="Terraflop"]');
  await expect(widget.getByRole('button', { name: 'Start contributing' })).toBeVisible();
  await expect.poll(() => events(page)).toContain('ready');

  // The host page tries to start it: ignored.
  await page.evaluate(() => {
    const frame = document.querySelector('iframe')!.contentWindow!;
    for (const type of ['start', 'optIn', 'state']) frame.postMessage({ source: 'terraflop-partner', type }, '*');
  });
  await expect.poll(() => events(page)).toContain('state');
  await page.waitForTimeout(1_500);
  expect(count(api, '/api/work')).toBe(0);
  expect(count(api, '/api/hosts')).toBe(0);
  await expect(widget.getByRole('button', { name: 'Start contributing' })).toBeVisible();
  expect(await events(page)).not.toContain('started');

  await widget.getByRole('button', { name: 'Start contributing' }).click();
  await expect(widget.getByTestId('widget-state')).toHaveText(/Computing/);
  await expect(widget.getByTestId('widget-units')).not.toHaveText('0', { timeout: 30_000 });
  expect(count(api, '/api/work')).toBeGreaterThan(0);
  await expect.poll(() => events(page)).toEqual(expect.arrayContaining(['started', 'credit']));
  // The frame's host was registered for this partner: it is on the public partner leaderboard.
  const board = (await (await page.request.get(`${COORDINATOR}/api/partners/leaderboard`)).json()) as { partners: { partner: string; hosts: number }[] };
  expect(board.partners).toContainEqual(expect.objectContaining({ partner: partnerUrl, hosts: 1 }));

  // The partner page cannot read the frame's storage, and its own holds nothing of the widget's.
  const reach = await page.evaluate(() => {
    const frame = document.querySelector('iframe')!;
    let storage: string;
    try {
      storage = String(frame.contentWindow!.localStorage.length);
    } catch (e) {
      storage = (e as Error).name;
    }
    return { storage, document: frame.contentDocument === null, own: localStorage.length };
  });
  expect(reach).toEqual({ storage: 'SecurityError', document: true, own: 0 });
  expect((await page.evaluate(() => indexedDB.databases())).map((d) => d.name)).not.toContain('terraflop');

  // The choice is remembered for this partner: a reload resumes without a click.
  await page.reload();
  await expect(widget.getByTestId('widget-state')).toHaveText(/Computing/);

  await widget.getByRole('button', { name: 'Stop contributing' }).click();
  await expect(widget.getByRole('button', { name: 'Start contributing' })).toBeVisible();
  await expect.poll(() => events(page)).toContain('stopped');
  await page.waitForTimeout(1_000);
  const workAfterStop = count(api, '/api/work');
  await page.waitForTimeout(2_000);
  expect(count(api, '/api/work')).toBe(workAfterStop);

  // Withdrawn: the next visit asks again and runs nothing.
  await page.reload();
  await expect(widget.getByRole('button', { name: 'Start contributing' })).toBeVisible();
  await page.waitForTimeout(1_500);
  expect(count(api, '/api/work')).toBe(workAfterStop);
});

test('behavior: the iframe snippet works under a strict Content Security Policy', async ({ page }) => {
  const api = watchApi(page);
  const response = await page.goto(`${partnerUrl}/strict.html`);
  expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
  const widget = page.frameLocator('iframe[title^="Terraflop"]');
  await expect(widget.getByRole('button', { name: 'Start contributing' })).toBeVisible();
  expect(count(api, '/api/work')).toBe(0);
  await widget.getByRole('button', { name: 'Start contributing' }).click();
  await expect(widget.getByTestId('widget-state')).toHaveText(/Computing/);
  await expect(widget.getByTestId('widget-units')).not.toHaveText('0', { timeout: 30_000 });
  await widget.getByRole('button', { name: 'Stop contributing' }).click();
  await expect(widget.getByRole('button', { name: 'Start contributing' })).toBeVisible();
});

test('error: a bad data attribute draws nothing and says what is wrong', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.goto(`${partnerUrl}/bad.html`);
  await expect.poll(() => errors.join('\n')).toContain('cpu-limit must be a whole percentage from 5 to 100, got "200"');
  await expect(page.locator('iframe')).toHaveCount(0);
});
