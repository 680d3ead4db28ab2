/**
 * @module e2e/support/main-thread-cpu
 * The main thread's tasks measured in the CPU time the thread itself spent on each, from Chromium's own trace. A long
 * task (PerformanceObserver 'longtask') is wall-clock time, so a machine starved by other processes turns short tasks
 * into long ones; the thread's CPU time is what the page made it do, and the machine's load does not add to it.
 */
import type { Page } from '@playwright/test';

/** One task on a renderer's main thread: its CPU time and its wall-clock time, in ms. */
export interface MainThreadTask {
  cpuMs: number;
  wallMs: number;
}

export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  ts?: number;
  args?: { name?: string; chrome_mojo_event_info?: { mojo_interface_tag?: string } };
}

/**
 * Traces the browser while `during` runs and returns every task that ran on a renderer's main thread (all renderers:
 * a same-site frame shares its page's thread), longest in CPU time first.
 * @example const tasks = await mainThreadTasks(page, () => computeAWhile(page)); // tasks[0].cpuMs < 50
 */
export async function mainThreadTasks(page: Page, during: () => Promise<void>): Promise<MainThreadTask[]> {
  const browser = page.context().browser();
  if (!browser) throw new Error('mainThreadTasks needs a launched browser to trace');
  await browser.startTracing(page, { categories: ['toplevel', 'disabled-by-default-devtools.timeline'] });
  let trace: { traceEvents: TraceEvent[] };
  try {
    await during();
  } finally {
    trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
  }
  return fromTrace(trace.traceEvents);
}

/**
 * The top-level tasks on threads named CrRendererMain, with the thread time Chromium records for each, less the test
 * driver's own: a task that receives a DevTools message is Playwright evaluating its locators in the page (its
 * injected script alone is a 330 KB message, 12–16 ms to evaluate), which no visitor's browser runs. The page's
 * own handlers of a driven click or key run in input tasks of their own, which stay.
 */
export function fromTrace(events: TraceEvent[]): MainThreadTask[] {
  const main = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  if (main.size === 0) throw new Error('the trace names no renderer main thread');
  const driver = events.filter(
    (e) => e.name === 'Receive mojo message' && isDevTools(e) && main.has(`${e.pid}:${e.tid}`),
  );
  const byDriver = (task: TraceEvent) =>
    driver.some((e) => e.pid === task.pid && e.tid === task.tid && within(e, task));
  const run = events.filter(
    (e) => e.ph === 'X' && e.name === 'RunTask' && main.has(`${e.pid}:${e.tid}`) && !byDriver(e),
  );
  // Chromium 156 leaves thread time out of some tasks (seen: a few µs long, on the renderer's main thread); a thread
  // spends no more CPU on a task than its wall time, so that bounds those. A trace with no thread time at all would
  // leave only wall time, which load stretches: that is refused.
  if (!run.some((e) => e.tdur !== undefined)) throw new Error('the trace gives tasks no thread time (tdur)');
  return run
    .map((e) => ({ cpuMs: (e.tdur ?? e.dur ?? 0) / 1000, wallMs: (e.dur ?? 0) / 1000 }))
    .sort((a, b) => b.cpuMs - a.cpuMs);
}

const isDevTools = (e: TraceEvent) =>
  e.args?.chrome_mojo_event_info?.mojo_interface_tag === 'blink.mojom.DevToolsSession';

/** Whether `inner` starts within `outer`'s span (events of one thread nest). */
const within = (inner: TraceEvent, outer: TraceEvent) =>
  inner.ts !== undefined && outer.ts !== undefined && inner.ts >= outer.ts && inner.ts <= outer.ts + (outer.dur ?? 0);
