import { describe, expect, it } from 'vitest';
import { fromTrace, type TraceEvent } from './main-thread-cpu.ts';

/** A renderer's main thread (pid 1, tid 7) and another thread of it (tid 8), as Chromium's trace names them. */
const threads: TraceEvent[] = [
  { name: 'thread_name', ph: 'M', pid: 1, tid: 7, args: { name: 'CrRendererMain' } },
  { name: 'thread_name', ph: 'M', pid: 1, tid: 8, args: { name: 'Compositor' } },
];
const task = (tid: number, ts: number, ms: number): TraceEvent => ({
  name: 'RunTask',
  ph: 'X',
  pid: 1,
  tid,
  ts,
  dur: ms * 2000, // wall time twice the CPU time, as on a loaded machine
  tdur: ms * 1000,
});
const message = (tid: number, ts: number, tag: string): TraceEvent => ({
  name: 'Receive mojo message',
  ph: 'X',
  pid: 1,
  tid,
  ts: ts + 100,
  dur: 1000,
  args: { chrome_mojo_event_info: { mojo_interface_tag: tag } },
});

describe('fromTrace', () => {
  it("leaves out the tasks that receive the test driver's DevTools messages, and keeps the page's", () => {
    const tasks = fromTrace([
      ...threads,
      task(7, 0, 60), // Playwright evaluating its injected script: not the page's work
      message(7, 0, 'blink.mojom.DevToolsSession'),
      task(7, 200_000, 30), // the page's module evaluated: kept
      task(7, 400_000, 40), // a message of another interface: the page's, kept
      message(7, 400_000, 'blink.mojom.FrameWidget'),
      task(8, 600_000, 90), // not the main thread
    ]);
    expect(tasks).toEqual([
      { cpuMs: 40, wallMs: 80 },
      { cpuMs: 30, wallMs: 60 },
    ]);
  });

  it('keeps a main-thread task when the DevTools message ran on another thread at the same time', () => {
    const tasks = fromTrace([...threads, task(7, 0, 55), message(8, 0, 'blink.mojom.DevToolsSession')]);
    expect(tasks).toEqual([{ cpuMs: 55, wallMs: 110 }]);
  });

  it('refuses a trace that names no renderer main thread', () => {
    expect(() => fromTrace([task(7, 0, 10)])).toThrow('names no renderer main thread');
  });
});
