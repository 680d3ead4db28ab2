import { expect, test } from '@playwright/test';
import { cpus, loadavg } from 'node:os';

// The issue asks for this measured end to end. A long task is wall-clock time, so a machine starved by other
// processes makes long tasks of short ones: the spec is retried, and skipped (saying so) when the machine's load
// exceeds its cores, where it would measure the machine rather than the page. bench:client reports the figures too.
test.describe.configure({ retries: 2 });

test('the main thread stays free while computing: no long task over 50 ms', async ({ page }) => {
  const [load] = loadavg();
  test.skip(
    load! > cpus().length,
    `load average ${load!.toFixed(1)} on ${cpus().length} cores: long tasks would measure the machine`,
  );
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: { start: number; duration: number }[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto('/');
  await expect(page.getByTestId('credit')).toBeVisible();
  const started = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: 'Start contributing' }).click();
  // Many tiny units: fetching, IndexedDB, progress, uploads and re-rendering all happen many times a second.
  await expect
    .poll(async () => Number(await page.getByTestId('units-done').textContent()), { timeout: 30_000 })
    .toBeGreaterThan(20);
  const long = await page.evaluate(
    (t) =>
      (window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks.filter((e) => e.start >= t),
    started,
  );
  test.info().annotations.push({ type: 'long tasks after start', description: JSON.stringify(long) });
  expect(long).toEqual([]);
});
