import { AxeBuilder } from '@axe-core/playwright';
import { chromium, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';

const count = async (page: import('@playwright/test').Page, testId: string) => Number(await page.getByTestId(testId).textContent());

test('installable by Chromium, and opens and computes offline from its service worker', async ({ baseURL }) => {
  test.setTimeout(90_000);
  // A persistent profile: in an incognito-like context Chromium reports "in-incognito" and nothing else.
  const profile = mkdtempSync(join(tmpdir(), 'terraflop-pwa-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, baseURL });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await page.evaluate(() => navigator.serviceWorker.ready);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);

    // Fill the work buffer online, then stop.
    await page.getByRole('button', { name: 'Start contributing' }).click();
    await expect.poll(() => count(page, 'units-done'), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => count(page, 'buffered')).toBeGreaterThan(2);
    await page.getByRole('button', { name: 'Stop contributing' }).click();

    // Offline: the page, the worker and the kernel come from the cache; units from the buffer.
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Terraflop', level: 1 })).toBeVisible();
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
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Start contributing' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Stop contributing' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Start contributing' })).toBeVisible();
});
