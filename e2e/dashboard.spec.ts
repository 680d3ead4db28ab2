import { execFileSync } from 'node:child_process';
import { E2E_DATA } from '../playwright.config.ts';
import { readFileSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ownNetwork } from './support/own-network.ts';

/** A project in the e2e coordinator's database, created by the operator's command; returns its API key. */
function createProject(name: string): string {
  const out = execFileSync(process.execPath, ['bin/terraflop.mjs', 'project', 'create', '--name', name], {
    env: { ...process.env, TERRAFLOP_DATA: E2E_DATA, TERRAFLOP_CHAIN: 'off' },
  });
  return (JSON.parse(out.toString()) as { apiKey: string }).apiKey;
}

/** Small signal-search units, as the tiny demo makes them: a fraction of a second each in a browser. */
function unitsFile(count: number): string {
  const driftRates = Array.from({ length: 8 }, (_, i) => (i - 4) * 2e-7);
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      app: 'signal-search',
      input: {
        signal: {
          seed: 1000 + i,
          sampleCount: 1 << 14,
          noise: 1,
          tones: [{ frequency: (37 + i) / 512, drift: 2e-7, amplitude: 1 }],
        },
        fftSize: 512,
        driftRates,
        threshold: 30,
        maxPeaks: 64,
      },
    }),
  ).join('\n');
}

/** A batch's figure by name: waiting, validated, failed, … (web/dashboard/BatchPanel.svelte). */
const count = (page: Page, figure: string) => page.getByTestId(`units-${figure}`);

async function signIn(page: Page, key: string) {
  await page.goto('/dashboard.html');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test(
  'a researcher submits a batch in the dashboard, volunteers compute it, ' + 'progress moves live and results download',
  async ({ browser, page, request }) => {
    test.setTimeout(150_000);
    const key = createProject('Dashboard pulsars');
    const otherKey = createProject('Dashboard rivals');

    await signIn(page, key);
    await expect(page.getByTestId('project-name')).toHaveText('Dashboard pulsars');
    // No widget has computed for the project yet; the snippet a partner would paste names it by its short name.
    const partners = page.getByRole('region', { name: 'Partner sites' });
    await expect(partners).toContainText('No partner site’s widget has computed for this project yet.');
    await expect(partners).toContainText('data-project="dashboard-pulsars"');
    await page.getByLabel('Batch name').fill('e2e sweep');
    await page
      .getByLabel(/Units file/)
      .setInputFiles({ name: 'units.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(unitsFile(3)) });
    await page.getByRole('button', { name: 'Submit batch' }).click();
    const heading = page.getByRole('heading', { name: /^Batch \d+: e2e sweep$/ });
    await expect(heading).toBeVisible();
    const batchId = Number(/Batch (\d+)/.exec((await heading.textContent())!)![1]);
    // The form clears once the batch is stored; the batch says in words why it waits.
    await expect(page.getByLabel('Batch name')).toHaveValue('');
    await expect(page.getByTestId('batch-state')).toHaveText('Queued');
    await expect(page.getByTestId('batch-detail')).toContainText('3 units wait for volunteers: none is sent yet.');
    await expect(count(page, 'waiting')).toHaveText('3');
    await expect(count(page, 'validated')).toHaveText('0');
    await expect(page.getByRole('img', { name: 'throughput chart' })).toHaveAttribute('data-points', '0');

    // Two volunteers (two browser profiles, two homes) contribute; the tiny demo's units queue ahead, then the batch's.
    const volunteers = await Promise.all([browser.newContext(ownNetwork(3)), browser.newContext(ownNetwork(4))]);
    for (const context of volunteers) {
      const v = await context.newPage();
      await v.goto('/');
      await v.getByRole('button', { name: 'Start contributing' }).click();
    }

    // The counts arrive over the live stream, with no reload.
    await expect(count(page, 'validated')).toHaveText('3', { timeout: 120_000 });
    await expect(count(page, 'waiting')).toHaveText('0');
    await expect(count(page, 'failed')).toHaveText('0');
    await expect(page.getByTestId('batch-state')).toHaveText('Complete');
    await expect(page.getByRole('img', { name: 'throughput chart' })).not.toHaveAttribute('data-points', '0');
    await expect(page.locator('canvas')).toBeVisible();
    await Promise.all(volunteers.map((c) => c.close()));

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download results' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`batch-${batchId}-results.jsonl`);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { app: string; output: { peaks: unknown[] } });
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.app === 'signal-search' && Array.isArray(l.output.peaks))).toBe(true);

    // Another project's key sees nothing of this batch, in the API or the dashboard.
    for (const path of [`/api/research/batches/${batchId}`, `/api/research/batches/${batchId}/results`]) {
      const res = await request.get(path, { headers: { authorization: `Bearer ${otherKey}` } });
      expect(res.status(), path).toBe(404);
    }
    const rival = await browser.newContext();
    const rivalPage = await rival.newPage();
    await signIn(rivalPage, otherKey);
    await expect(rivalPage.getByTestId('project-name')).toHaveText('Dashboard rivals');
    await expect(rivalPage.getByText('No batches yet.')).toBeVisible();
    await rival.close();

    // The public status page shows the project's progress without logging in.
    const anyone = await browser.newContext();
    const statusPage = await anyone.newPage();
    await statusPage.goto('/status.html');
    const row = statusPage.getByRole('row', { name: /Dashboard pulsars/ });
    await expect(row).toContainText('3');
    await expect(statusPage.getByRole('table', { name: 'Top volunteers' }).getByRole('row')).not.toHaveCount(1);
    await expect(statusPage.getByRole('heading', { name: 'Top partner sites' })).toBeVisible();
    await anyone.close();
  },
);

test('a wrong API key is refused in the dashboard with a message', async ({ page }) => {
  await signIn(page, `tf_${'x'.repeat(43)}`);
  await expect(page.getByRole('alert')).toHaveText('unknown or revoked API key');
});

test('a researcher cancels a batch from the dashboard and its units show as failed, cancelled', async ({ page }) => {
  await signIn(page, createProject('Dashboard cancels'));
  await page.getByLabel('Batch name').fill('to cancel');
  await page
    .getByLabel(/Units file/)
    .setInputFiles({ name: 'units.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(unitsFile(2)) });
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(count(page, 'waiting')).toHaveText('2');
  // Cancelling asks first: keeping the batch changes nothing.
  await page.getByRole('button', { name: 'Cancel batch' }).click();
  const dialog = page.getByRole('dialog', { name: /^Cancel batch \d+\?$/ });
  await expect(dialog).toContainText('Its 2 units not yet validated fail as cancelled');
  await dialog.getByRole('button', { name: 'Keep the batch' }).click();
  await expect(dialog).toBeHidden();
  await expect(count(page, 'waiting')).toHaveText('2');
  await page.getByRole('button', { name: 'Cancel batch' }).click();
  await dialog.getByRole('button', { name: 'Cancel batch' }).click();
  await expect(count(page, 'failed')).toHaveText('2');
  await expect(count(page, 'waiting')).toHaveText('0');
  await expect(page.getByRole('row', { name: /cancelled by the researcher/ })).toContainText('2');
});

test('a researcher makes a second key in the Access panel, it works, and the first one revoked is refused', async ({
  page,
  request,
}) => {
  const first = createProject('Dashboard keys');
  const status = (key: string) =>
    request.get('/api/research/project', { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status());
  await signIn(page, first);
  const access = page.getByRole('region', { name: 'Access' });
  await expect(access.getByRole('row')).toHaveCount(2);
  await expect(access.getByRole('row').nth(1)).toContainText(`${first.slice(0, 11)}… (this dashboard's)`);

  // By keyboard: the new key is shown once, focused, in a field of its own.
  await access.getByRole('button', { name: 'New key' }).press('Enter');
  const fresh = access.getByLabel(/^New key \(shown only now/);
  await expect(fresh).toBeFocused();
  const second = await fresh.inputValue();
  expect(second).toMatch(/^tf_[\w-]{43}$/);
  await expect(access.getByRole('row')).toHaveCount(3);
  expect(await status(second)).toBe(200);
  const { violations } = await new AxeBuilder({ page }).include('section[aria-labelledby="access"]').analyze();
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`),
  ).toEqual([]);

  // Revoking the key this dashboard signed in with signs it out; that key is refused from then on.
  await access.getByRole('button', { name: `Revoke ${first.slice(0, 11)}… (signs this dashboard out)` }).click();
  await expect(page.getByRole('alert')).toContainText('you revoked the key this dashboard signed in with');
  expect(await status(first)).toBe(401);
  await signIn(page, second);
  await expect(page.getByRole('region', { name: 'Access' }).getByRole('row').nth(1)).toContainText('revoked');
});

test('copy buttons put the embed snippet and an example unit on the clipboard', async ({ browser }) => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  await signIn(page, createProject('Dashboard copies'));
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  await page.getByRole('button', { name: 'Copy the embed snippet' }).click();
  await expect(page.getByRole('button', { name: 'Copy the embed snippet' })).toHaveText('Copied');
  expect(await clipboard()).toBe(await page.getByTestId('embed-snippet').textContent());
  expect(await clipboard()).toContain('data-project="dashboard-copies"');

  await page.getByText('Apps and an example unit of each').click();
  await page.getByRole('button', { name: 'Copy the example collatz unit' }).click();
  const example = JSON.parse(await clipboard()) as { app: string };
  expect(example.app).toBe('collatz');
  // The example is a unit a batch takes as it is.
  await page.getByLabel('Batch name').fill('from the example');
  await page
    .getByLabel(/Units file/)
    .setInputFiles({ name: 'units.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(await clipboard()) });
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(page.getByRole('heading', { name: /^Batch \d+: from the example$/ })).toBeVisible();
  await context.close();
});
