import { expect, test, type Page } from '@playwright/test';
import { startOwnCoordinator } from './support/own-coordinator.ts';
import { ownNetwork } from './support/own-network.ts';

/** The volunteer's granted credit, the page's key figure. */
async function credit(page: Page): Promise<number> {
  const text = await page.getByTestId('credit').textContent();
  return Number((text ?? '').replaceAll(',', ''));
}

test('two volunteers compute replicas of the same units and both see validated credit', async ({ browser }) => {
  test.setTimeout(180_000); // two pages and a quorum: at load 35 the whole took over a minute
  // Two browser contexts: two profiles with their own storage, so two hosts of two volunteers, in two homes.
  const volunteers = await Promise.all([browser.newContext(ownNetwork(1)), browser.newContext(ownNetwork(2))]);
  const pages = await Promise.all(volunteers.map((c) => c.newPage()));

  for (const page of pages) {
    await page.goto('/');
    await expect(page.getByTestId('credit')).toHaveText('0');
  }
  for (const page of pages) await page.getByRole('button', { name: 'Start contributing' }).click();

  for (const page of pages) {
    // Each page computes and uploads units of its own.
    await expect(page.getByTestId('units-done')).not.toHaveText('0', { timeout: 30_000 });
  }
  for (const page of pages) {
    await expect.poll(() => credit(page), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(page.getByTestId('results-valid')).not.toHaveText('0');
    await expect(page.getByTestId('results-invalid')).toHaveText('0');
  }

  await pages[0]!.getByRole('button', { name: 'Stop contributing' }).click();
  await expect(pages[0]!.getByRole('button', { name: 'Start contributing' })).toBeVisible();
  await Promise.all(volunteers.map((c) => c.close()));
});

test('the page shows the project, the app, the unit and its progress while computing', async ({ page }) => {
  // Standard demo units, which take a page seconds: the suite's tiny ones finish in milliseconds, and a new host
  // (four replicas at most, server/store/quota.ts) spends most of its time between them, showing no unit.
  test.setTimeout(120_000);
  const coordinator = await startOwnCoordinator('standard');
  try {
    await page.goto(coordinator.url);
    await page.getByRole('button', { name: 'Start contributing' }).click();
    await expect(page.getByTestId('project')).toHaveText('Terraflop demo', { timeout: 30_000 });
    await expect(page.getByTestId('app')).toHaveText('Signal search');
    // The unit as the volunteer can know it: its size (a host is given no unit number, issue 17).
    await expect(page.getByTestId('work-unit')).toHaveText(/^[\d.]+ [kMGTP]?FLOP$/);
    await expect(page.getByRole('progressbar', { name: 'Progress' })).toBeVisible();
  } finally {
    await page.close();
    await coordinator.stop();
  }
});
