import { AxeBuilder } from '@axe-core/playwright';
import { chromium, expect, test, type Page } from '@playwright/test';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';
import { startPartnerHost } from './support/partner-host.ts';
import { startOwnCoordinator } from './support/own-coordinator.ts';

const count = async (page: Page, testId: string) => Number(await page.getByTestId(testId).textContent());

test('installable by Chromium, and opens and computes offline from its service worker', async ({ baseURL }) => {
  test.setTimeout(90_000);
  // A persistent profile: in an incognito-like context Chromium reports "in-incognito" and nothing else.
  const profile = mkdtempSync(join(tmpdir(), 'terraflop-pwa-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    baseURL,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await page.evaluate(() => navigator.serviceWorker.ready);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: unknown[];
    };
    expect(installabilityErrors).toEqual([]);

    // Fill the work buffer online, then stop. A new host holds at most four replicas and computes tiny units in
    // milliseconds, so the buffer is seldom full when looked at: the page is stopped the moment a reply brings two or
    // more, before it has them, and keeps them buffered.
    await page.getByRole('button', { name: 'Start contributing' }).click();
    await expect.poll(() => count(page, 'units-done'), { timeout: 30_000 }).toBeGreaterThan(0);
    let held = 0;
    await page.route('**/api/work', async (route) => {
      const response = await route.fetch();
      const replicas = response.ok() ? ((await response.json()) as { replicas: unknown[] }).replicas.length : 0;
      if (held === 0 && replicas >= 2) {
        await page.getByRole('button', { name: 'Stop contributing' }).click();
        held = replicas;
      }
      await route.fulfill({ response });
    });
    await expect.poll(() => held, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await page.unroute('**/api/work');
    await expect.poll(() => count(page, 'buffered')).toBeGreaterThanOrEqual(2);

    // Offline: the page, the worker and the kernel come from the cache; units from the buffer.
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: /spare compute to science/, level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Start contributing' }).click();
    await expect.poll(() => count(page, 'outbox'), { timeout: 30_000 }).toBeGreaterThan(0);
    await context.setOffline(false);
    await expect.poll(() => count(page, 'outbox'), { timeout: 30_000 }).toBe(0);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('accessible: axe finds no serious violation, on a phone-sized screen, computing', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 20_000 });
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
  // Nothing wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
});

test('works with a keyboard alone', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Start contributing' })).toBeVisible();
  // The first Tab reaches the skip link, which jumps past the navigation to the page's content.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Start contributing' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Stop contributing' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Start contributing' })).toBeVisible();
});

/**
 * Turns the served build into version B: its service worker changes (the browser compares the bytes) and also
 * answers /__version, so a page can tell which version controls it. The precompressed copies go, or they would
 * still be served as version A.
 */
function releaseVersionB(web: string) {
  appendFileSync(
    join(web, 'sw.js'),
    "\nself.addEventListener('fetch', (e) => { " +
      "if (new URL(e.request.url).pathname === '/__version') e.respondWith(new Response('B')); });\n",
  );
  rmSync(join(web, 'sw.js.br'), { force: true });
  rmSync(join(web, 'sw.js.gz'), { force: true });
}

/** Which version serves the page; 'reloading' while it reloads. */
const version = (page: Page) =>
  page.evaluate(async () => ((await (await fetch('/__version')).text()) === 'B' ? 'B' : 'A')).catch(() => 'reloading');
/** A mark in the page's memory: a reload drops it. */
const mark = (page: Page) => page.evaluate(() => ((window as unknown as { mark: boolean }).mark = true));
const marked = (page: Page) => page.evaluate(() => (window as unknown as { mark?: boolean }).mark === true);

/** How long the new-version spec waits for any one step (see its first comment). */
const WAIT_MS = 150_000;

// The page's partner is an honest host (support/partner-host.ts): a new host's quotas stop a partner that only takes
// replicas, so the page's results must validate for it to get work beyond its first few units.
test('a new version is offered, never forced on a computing page, and applied when accepted', async ({
  context,
  page,
}) => {
  // Each wait below is for progress, never a measure of its speed, so each allows minutes on a loaded machine.
  test.setTimeout(600_000);
  // Its own coordinator, serving a copy of the build that the test can change.
  const web = mkdtempSync(join(tmpdir(), 'terraflop-web-'));
  cpSync('dist', web, { recursive: true });
  // Tiny units: a standard one took this page 60-90 s on a two-core machine at a load average of 20, and the spec
  // needs about ten. What it shows does not depend on a unit's size.
  const coordinator = await startOwnCoordinator('tiny', { web });
  const partner = await startPartnerHost(coordinator.url, 200);
  try {
    // Version A installed and controlling the page (a service worker controls the pages loaded after it activated).
    await page.goto(coordinator.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    expect(await version(page)).toBe('A');

    await page.getByRole('button', { name: 'Start contributing' }).click();
    await expect.poll(() => count(page, 'units-done'), { timeout: WAIT_MS }).toBeGreaterThan(0);
    releaseVersionB(web);
    await mark(page);
    // The browser checks for a new service worker on navigations and now and then; here, at once.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    const banner = page.getByRole('complementary', { name: 'Update available' });
    await expect(banner).toBeVisible({ timeout: WAIT_MS });

    // Offered, not applied: computing goes on in this page, under version A, while version B waits.
    const done = await count(page, 'units-done');
    await expect.poll(() => count(page, 'units-done'), { timeout: WAIT_MS }).toBeGreaterThan(done + 3);
    expect(await marked(page)).toBe(true);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.waiting !== null)).toBe(
      true,
    );
    expect(await version(page)).toBe('A');

    // Accepted in another tab: that tab reloads into B; this one keeps computing and only offers the reload.
    const other = await context.newPage();
    await other.goto(coordinator.url);
    await other.getByRole('button', { name: 'Update now' }).click();
    await expect.poll(() => version(other), { timeout: WAIT_MS }).toBe('B');
    const doneBefore = await count(page, 'units-done');
    await expect.poll(() => count(page, 'units-done'), { timeout: WAIT_MS }).toBeGreaterThan(doneBefore + 3);
    expect(await marked(page)).toBe(true);
    await expect(banner).toBeVisible();

    // Accepted here: the page reloads into version B and, having been started, computes on.
    await page.getByRole('button', { name: 'Update now' }).click();
    await expect.poll(() => marked(page).catch(() => true), { timeout: WAIT_MS }).toBe(false);
    expect(await version(page)).toBe('B');
    await expect(banner).toBeHidden();
    await expect(page.getByRole('button', { name: 'Stop contributing' })).toBeVisible();
  } finally {
    await partner.stop();
    await context.close();
    await coordinator.stop();
    rmSync(web, { recursive: true, force: true });
  }
});
