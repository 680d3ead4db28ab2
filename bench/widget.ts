/**
 * @module bench/widget
 * `npm run bench:widget`: what the partner widget costs a partner page. A partner page on a second port (same
 * site, so the frame may share the page's process: the harsher case) embeds the widget with the script tag against a
 * real coordinator (its own process, tiny units); measures long tasks (over 50 ms) on the partner page's main thread
 * from navigation to the frame ready, and then while the widget computes, in wall-clock time and in CPU time. Last
 * line: one JSON object.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from '@playwright/test';
import { mainThreadTasks } from '../e2e/support/main-thread-cpu.ts';
import { startOwnCoordinator } from '../e2e/support/own-coordinator.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';

const COMPUTE_S = Number(process.env['BENCH_WIDGET_S'] ?? 20);

const coordinator = await startOwnCoordinator('tiny');
const origin = new URL(coordinator.url).origin;
const partner = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><title>Partner</title><h1>Partner article</h1>
    <script>
      window.longTasks = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    </script>
    <script async src="${origin}/embed.js" data-cpu-limit="25"></script>`);
});
await new Promise<void>((r) => partner.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(partner.address() as AddressInfo).port}/`);
  const widget = page.frameLocator('iframe');
  await widget.getByRole('button', { name: 'Start contributing' }).waitFor();
  const tasks = () =>
    page.evaluate(() => (window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks);
  const beforeOptIn = await tasks();
  const started = await page.evaluate(() => performance.now());
  // The same span in CPU time, from Chromium's trace (e2e/support/main-thread-cpu.ts): wall-clock long tasks stretch
  // with the machine's load, a task's thread time much less.
  const cpu = await mainThreadTasks(page, async () => {
    await widget.getByRole('button', { name: 'Start contributing' }).click();
    await page.waitForTimeout(COMPUTE_S * 1000);
  });
  const units = Number(await widget.getByTestId('widget-units').textContent());
  const computing = (await tasks()).filter((t) => t.start >= started);
  const max = (list: { duration: number }[]) => Math.round(Math.max(0, ...list.map((t) => t.duration)));
  console.log(`before opt-in: ${beforeOptIn.length} long tasks (longest ${max(beforeOptIn)} ms)`);
  const at = computing.map((t) => `+${Math.round(t.start - started)} ms`).join(', ') || '-';
  console.log(
    `computing ${COMPUTE_S} s (${units} work units): ${computing.length} long tasks ` +
      `(longest ${max(computing)} ms) at ${at}`,
  );
  const top = cpu.slice(0, 3).map((t) => `${t.cpuMs.toFixed(1)} ms (${Math.round(t.wallMs)} ms wall)`);
  console.log(`computing: longest main-thread tasks in CPU time ${top.join(', ')}`);
  console.log(
    JSON.stringify({
      widget_long_tasks_before_opt_in: beforeOptIn.length,
      widget_long_tasks_computing: computing.length,
      widget_longest_task_ms: max([...beforeOptIn, ...computing]),
      widget_longest_cpu_ms: Number((cpu[0]?.cpuMs ?? 0).toFixed(1)),
      widget_units: units,
    }),
  );
} finally {
  await browser.close();
  partner.close();
  await coordinator.stop();
}
