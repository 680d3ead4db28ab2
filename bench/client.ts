/**
 * @module bench/client
 * `npm run bench:client`: the volunteer page in headless Chromium against a real coordinator (its own process,
 * standard demo units), one worker. Measures, in order: seconds from pressing start on a cold page to the first
 * result uploaded (default settings); the share of worker time spent inside kernels in steady state (CPU limit
 * 100%); the busy share of the worker at a 50% limit over a minute; long tasks on the main thread while computing;
 * the page's JavaScript heap. Last line: one JSON object.
 */
import { chromium, type Page } from '@playwright/test';
import { startPartnerHost } from '../e2e/support/partner-host.ts';
import { startOwnCoordinator } from '../e2e/support/own-coordinator.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';

const STEADY_S = Number(process.env['BENCH_STEADY_S'] ?? 30);
const THROTTLE_S = Number(process.env['BENCH_THROTTLE_S'] ?? 60);

async function setting(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Enter');
}

/**
 * Sets the CPU limit and waits until computing has restarted with it: the page stores the setting (IndexedDB)
 * before it restarts the pool and zeroes its counts, so reading them right after the key press would mix the old
 * run's figures into the new window (once giving a busy share of -0.98).
 */
async function cpuLimit(page: Page, percent: number) {
  await setting(page, 'CPU limit per worker (%)', String(percent));
  await page.waitForFunction(
    () => document.querySelector('[data-testid="cpu-use"]')?.getAttribute('data-wall-ms') === '0',
    null,
    { timeout: 30_000 },
  );
}

/** Kernel and wall milliseconds the page has counted since computing last resumed. */
async function load(page: Page): Promise<{ busy: number; wall: number }> {
  const cell = page.getByTestId('cpu-use');
  return {
    busy: Number(await cell.getAttribute('data-busy-ms')),
    wall: Number(await cell.getAttribute('data-wall-ms')),
  };
}

/** Busy share over a window: waits `seconds`, from the first unit finished after the (re)start to the last. */
async function busyShare(page: Page, seconds: number): Promise<number> {
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="cpu-use"]')?.getAttribute('data-wall-ms')) > 0,
    null,
    { timeout: 60_000 },
  );
  const a = await load(page);
  await page.waitForTimeout(seconds * 1000);
  let b = await load(page);
  while (b.wall === a.wall) {
    await page.waitForTimeout(500);
    b = await load(page);
  }
  return (b.busy - a.busy) / (b.wall - a.wall);
}

const coordinator = await startOwnCoordinator('standard');
// An honest partner, so the page's units validate and its new-host quotas let it compute for the whole run. It
// computes each unit in well under a second of one core, against the page's seconds, in a process of its own.
const partner = await startPartnerHost(coordinator.url);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[]; computingFrom: number };
    w.longTasks = [];
    w.computingFrom = Infinity;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.startTime >= w.computingFrom) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(coordinator.url);
  await page.getByTestId('credit').waitFor();
  await setting(page, 'Share of cores used (%)', '1'); // one worker, whatever the cores

  // Cold start to first result, default CPU limit.
  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/results') && r.ok(), { timeout: 180_000 });
  const pressed = Date.now();
  await page.evaluate(() => ((window as unknown as { computingFrom: number }).computingFrom = performance.now()));
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await uploaded;
  const firstResultS = (Date.now() - pressed) / 1000;
  console.log(`first result uploaded ${firstResultS.toFixed(1)} s after pressing start`);

  await cpuLimit(page, 100);
  const kernelShare = await busyShare(page, STEADY_S);
  console.log(`kernel share at 100%: ${kernelShare.toFixed(3)} of worker time over ${STEADY_S} s`);

  await cpuLimit(page, 50);
  const busy = await busyShare(page, THROTTLE_S);
  console.log(`busy share at a 50% limit: ${busy.toFixed(3)} over ${THROTTLE_S} s`);

  const cdp = await context.newCDPSession(page);
  const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  console.log(
    `long tasks while computing: ${longTasks.length} (${longTasks.map((d) => Math.round(d)).join(', ')} ms); ` +
      `heap ${(heap.usedSize / 2 ** 20).toFixed(1)} MB`,
  );
  const round = (x: number, digits = 3) => Number(x.toFixed(digits));
  console.log(
    JSON.stringify({
      throttle_set: 0.5,
      busy_measured: round(busy),
      kernel_share: round(kernelShare),
      long_tasks: longTasks.length,
      first_result_s: round(firstResultS, 1),
      heap_mb: round(heap.usedSize / 2 ** 20, 1),
    }),
  );
} catch (e) {
  for (const page of browser.contexts().flatMap((c) => c.pages()))
    console.error(
      await page
        .locator('main')
        .textContent()
        .catch(() => ''),
    );
  throw e;
} finally {
  await partner.stop();
  await browser.close();
  await coordinator.stop();
}
