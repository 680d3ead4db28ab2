/**
 * @module e2e/faces
 * Every page people see, on a 360 px phone: no sideways scroll, and axe finds no serious or critical violation, in
 * the light scheme and the dark. The pages are shown in the states people meet: the volunteer page computing, the
 * dashboard signed out and signed in with a batch open, the status page, and the widget on a partner's page.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { E2E_COORDINATOR as COORDINATOR, E2E_DATA } from '../playwright.config.ts';

test.use({ viewport: { width: 360, height: 740 } });

let partner: Server;
let partnerUrl: string;

test.beforeAll(async () => {
  partner = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><meta name="viewport" content="width=device-width, initial-scale=1">
      <title>A partner's article</title><main><h1>A partner's article</h1>
      <script async src="${COORDINATOR}/embed.js" data-project="demo"></script></main>`);
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/`;
});
test.afterAll(async () => {
  await new Promise((resolve) => partner.close(resolve));
});

/** The page's width as laid out: more than the window's means it scrolls sideways. */
const laidOutWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** No sideways scroll and no serious or critical axe violation, light and dark. */
async function checkFace(page: Page, name: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    // Without motion: buttons fade their colours over 0.12 s, and axe measuring one mid-fade (the widget's, once in a
    // CI run) judges a colour nobody sees settled.
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    expect(await laidOutWidth(page), `${name} (${colorScheme}) scrolls sideways`).toBeLessThanOrEqual(360);
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      `${name} (${colorScheme})`,
    ).toEqual([]);
  }
}

test('the volunteer page, computing', async ({ page }) => {
  await page.goto('/');
  await checkFace(page, 'volunteer page, stopped');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('phase')).toHaveText('Computing');
  // On a phone the button and the credit share the first screen.
  for (const element of [page.getByRole('button', { name: 'Stop contributing' }), page.getByTestId('credit')])
    expect((await element.boundingBox())!.y).toBeLessThan(740);
  await checkFace(page, 'volunteer page, computing');
});

test('the status page', async ({ page }) => {
  await page.goto('/status.html');
  await expect(page.getByRole('table', { name: 'Projects' })).toContainText('Terraflop demo');
  await checkFace(page, 'status page');
});

test('the dashboard, signed out and with a batch open', async ({ page, request }) => {
  await page.goto('/dashboard.html');
  await checkFace(page, 'dashboard, signed out');

  const out = execFileSync(process.execPath, ['bin/terraflop.mjs', 'project', 'create', '--name', 'Faces lab'], {
    env: { ...process.env, TERRAFLOP_DATA: E2E_DATA, TERRAFLOP_CHAIN: 'off' },
  });
  const { apiKey } = JSON.parse(out.toString()) as { apiKey: string };
  const units = [{ app: 'collatz', input: { start: 1, count: 1000 } }];
  const submitted = await request.post('/api/research/batches', {
    headers: { authorization: `Bearer ${apiKey}` },
    data: { name: 'a batch with a long name to wrap on a phone', units },
  });
  expect(submitted.status()).toBe(201);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: /a batch with a long name/ }).click();
  await expect(page.getByTestId('batch-state')).toBeVisible();
  await page.getByText('Apps and an example unit of each').click();
  await checkFace(page, 'dashboard, a batch open');
});

test('the widget on a partner page', async ({ page }) => {
  await page.goto(partnerUrl);
  const widget = page.frameLocator('iframe[title^="Terraflop"]');
  await expect(widget.getByRole('heading', { name: /Terraflop demo/ })).toBeVisible();
  // As wide as its place, as tall as its content: no inner scroll.
  const frame = page.locator('iframe');
  const inside = page.frame({ url: /widget-frame\.html/ })!;
  expect((await frame.boundingBox())!.width).toBe(
    await page.evaluate(() => document.querySelector('main')!.clientWidth),
  );
  await expect
    .poll(async () => {
      const height = await frame.evaluate((f: HTMLIFrameElement) => f.clientHeight);
      return Math.abs(height - (await inside.evaluate(() => document.documentElement.scrollHeight)));
    })
    .toBeLessThanOrEqual(1);
  // The frame may use Compute Pressure, so the widget backs off when the visitor's device is busy.
  expect(await frame.getAttribute('allow')).toBe('compute-pressure');
  await checkFace(page, 'widget');
});
