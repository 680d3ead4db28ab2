import { expect, test, type Page } from '@playwright/test';
import { fakeSignals } from './support/fake-signals.ts';

/** Each pause must come within a second of its signal. */
const WITHIN_A_SECOND = { timeout: 1_000 };

async function setting(page: Page, label: string, value: string) {
  const field = page.getByLabel(label, { exact: true });
  if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
  else {
    await field.fill(value);
    await field.press('Enter');
  }
}

async function startComputing(page: Page) {
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 20_000 });
}

const paused = (page: Page, reason: RegExp) => expect(page.getByTestId('state')).toHaveText(reason, WITHIN_A_SECOND);

test('battery: stops within a second of unplugging below the set charge, and on battery when set to never', async ({
  page,
}) => {
  const signals = await fakeSignals(page);
  await page.goto('/');
  await setting(page, 'Minimum charge (%)', '50');
  await startComputing(page);

  await signals.battery({ charging: false, level: 0.4 });
  await paused(page, /Paused: battery at 40%, below the 50% you set/);
  await expect(page.getByTestId('idle')).toBeVisible();
  await expect(page.getByTestId('phase')).toHaveText('Paused');
  await expect(page.getByTestId('pause-resumes')).toHaveText(
    'It resumes when the charger is plugged in or the battery is back at 50%.',
  );

  // The volunteer may compute anyway, until they say to follow the settings again.
  await page.getByRole('button', { name: 'Compute anyway' }).click();
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Follow my settings again' }).click();
  await paused(page, /Paused: battery at 40%/);

  await signals.battery({ charging: false, level: 0.8 });
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
  await setting(page, 'On battery', 'never');
  await paused(page, /Paused: on battery/);
  await signals.battery({ charging: true, level: 0.8 });
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
});

test('visibility: only while the tab is hidden', async ({ page }) => {
  const signals = await fakeSignals(page);
  await page.goto('/');
  await setting(page, 'When', 'hidden');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await paused(page, /Paused: this tab is in view/);
  await signals.hidden(true);
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
  await signals.hidden(false);
  await paused(page, /Paused: this tab is in view/);
});

test('idle: starts after the set minutes without input, stops within a second of input', async ({ page }) => {
  await fakeSignals(page);
  await page.goto('/');
  const start = await page.evaluate(() => Date.now());
  await page.clock.setFixedTime(start);
  await setting(page, 'When', 'after-input');
  await setting(page, 'Away after (minutes without input)', '1');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await paused(page, /Paused: in use: computing starts after 1 min without input/);

  await page.clock.setFixedTime(start + 61_000);
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
  await page.mouse.move(10, 10);
  await page.mouse.move(40, 40);
  await paused(page, /Paused: in use/);
});

test('pressure: backs off under serious or critical CPU pressure', async ({ page }) => {
  const signals = await fakeSignals(page);
  await page.goto('/');
  await startComputing(page);
  await signals.pressure('fair');
  await expect(page.getByTestId('state')).toHaveText('Computing.');
  await signals.pressure('critical');
  await paused(page, /Paused: the system reports critical CPU pressure/);
  await signals.pressure('nominal');
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
  await signals.pressure('serious');
  await paused(page, /serious CPU pressure/);
});

test('schedule: computes only within the daily hours', async ({ page }) => {
  await fakeSignals(page);
  await page.goto('/');
  // The top of this hour (in the past, so no unit's deadline passes) and a minute before it.
  const { hour, top } = await page.evaluate(() => {
    const d = new Date();
    d.setMinutes(0, 1, 0);
    return { hour: d.getHours(), top: d.getTime() };
  });
  await page.clock.setFixedTime(top - 62_000);
  await setting(page, 'From (hour)', String(hour));
  await setting(page, 'Until (hour)', String((hour + 1) % 24));
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await paused(page, /Paused: outside your hours/);
  await page.clock.setFixedTime(top);
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
});

test('cores and Save-Data: workers are the set share of cores, downloads one replica at a time', async ({ page }) => {
  await fakeSignals(page, { saveData: true, cores: 8 });
  const asked: number[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/work')) asked.push((r.postDataJSON() as { maxReplicas: number }).maxReplicas);
  });
  await page.goto('/');
  await setting(page, 'Share of cores used (%)', '25');
  await startComputing(page);
  await expect(page.getByTestId('workers')).toHaveText('2');
  await expect
    .poll(async () => Number(await page.getByTestId('units-done').textContent()), { timeout: 20_000 })
    .toBeGreaterThan(1);
  expect(asked.length).toBeGreaterThan(0);
  expect(new Set(asked)).toEqual(new Set([1]));
  expect(Number(await page.getByTestId('buffered').textContent())).toBeLessThanOrEqual(1);
});

test('settings: kept across a reload; a bad value is refused beside its field and changes nothing', async ({
  page,
}) => {
  await page.goto('/');
  const cpu = page.getByLabel('CPU limit per worker (%)');
  await setting(page, 'CPU limit per worker (%)', '40');
  await page.getByLabel('Use the GPU').uncheck();
  await setting(page, 'CPU limit per worker (%)', '150');
  await expect(cpu).toHaveAttribute('aria-invalid', 'true');
  await expect(cpu).toHaveAccessibleDescription(/Must be 100 or less\./);
  // A field that does not apply under the choice above it is disabled.
  await expect(page.getByLabel('Away after (minutes without input)')).toBeDisabled();
  await setting(page, 'When', 'after-input');
  await expect(page.getByLabel('Away after (minutes without input)')).toBeEnabled();
  await page.reload();
  await expect(cpu).toHaveValue('40');
  await expect(cpu).toHaveAttribute('aria-invalid', 'false');
  await expect(page.getByLabel('Use the GPU')).not.toBeChecked();
});

test('pause for an hour: paused by the volunteer until then, or until they resume', async ({ page }) => {
  await fakeSignals(page);
  await page.goto('/');
  await startComputing(page);
  await page.getByRole('button', { name: 'Pause for an hour' }).click();
  await paused(page, /Paused: you paused it/);
  await expect(page.getByTestId('pause-resumes')).toContainText('(in 1 h)');
  await page.getByRole('button', { name: 'Resume now' }).click();
  await expect(page.getByTestId('work-unit')).toBeVisible({ timeout: 10_000 });
});
