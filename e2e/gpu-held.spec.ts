/**
 * A researcher's shader that overruns its time limit is retried as WebAssembly at once, without waiting for the
 * runaway dispatch, which the GPU (SwiftShader here) goes on with after its sandbox was stopped. The compute worker's
 * part runs with the real code on a test page (e2e/gpu-held/retry.ts): the runner and its sandbox, the
 * GPU watch (worker-kernels/gpu-watch.ts). Before, the watch probed the GPU on the compute worker's own thread, and
 * Chromium opens a thread's first WebGPU connection synchronously, behind the dispatch: the retry could not start its
 * sandbox until the dispatch ended (on a loaded machine, a WorkerHangError after 60 s in custom-apps.spec's bad apps).
 */
import { expect, test } from '@playwright/test';
import {
  compileExample,
  EXAMPLE_MANIFEST,
  EXAMPLE_WGSL,
  primeRange,
  primesBySieve as primes,
} from '../worker-kernels/custom/example/example-app.ts';
import { bundleTestPage, openTestPage } from './support/test-page.ts';
import type { RetryReport } from './gpu-held/retry.ts';

/** custom-apps.spec's runaway: each invocation steps a generator as many times as its input's first word says. */
const RUNAWAY = `@group(0) @binding(0) var<storage, read> steps: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32, 2>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  var x = id.x;
  for (var i = 0u; i < steps[0]; i++) { x = x * 1664525u + 1013904223u; }
  if (x == 7u) { out[0] = x; }
}`;

let files: Map<string, string>;
let example: number[] = [];

test.beforeAll(async () => {
  files = await bundleTestPage(new URL('./gpu-held/page.ts', import.meta.url));
  example = Array.from(await compileExample());
});

test.beforeEach(({ page }) => openTestPage(page, files, '__gpu_held', 'gpu-held ready'));

test('behavior: the retry of a runaway shader runs as WebAssembly while the dispatch still holds the GPU', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // As in custom-apps.spec: 2^17 steps in each of 4096 invocations, about two seconds on SwiftShader here, against
  // 300 ms; not longer, or Chromium's GPU watchdog kills the GPU process.
  const manifest = {
    ...EXAMPLE_MANIFEST,
    name: 'e2e-held',
    timeLimitMs: 300,
    wgsl: { ...EXAMPLE_WGSL, source: RUNAWAY, workgroups: [64, 1, 1] },
  };
  const report: RetryReport = await page.evaluate((request) => window.gpuHeld.retryAfterRunaway(request), {
    module: example,
    manifest,
    runawayInput: Array.from(primeRange(1 << 17, 0)),
    retryInput: Array.from(primeRange(0, 100_000)),
  });
  console.log(
    `retry done ${Math.round(report.retryMs)} ms after the overrun, ` +
      `the GPU held up for ${Math.round(report.heldMs)} ms; ` +
      `the thread's longest stall ${Math.round(report.longestStallMs)} ms`,
  );
  expect(report.runaway).toBe('e2e-held: its shader was stopped at its time limit of 300 ms');
  expect(report.output).toEqual(primes(0, 100_000));
  // The probe opened its device in a worker of its own: this thread made no WebGPU call to be held up in.
  expect(report.adapterCallsHere).toBe(0);
  // And so the retry did not wait for the dispatch: it was done while the probe still found the GPU busy.
  expect(report.retryDoneWhileHeld).toBe(true);
});
