/**
 * The WebGPU variants held against the reference in Chromium's WebGPU (SwiftShader's fallback adapter here, with
 * --enable-unsafe-webgpu from playwright.config.ts). The kernels' code is bundled with Vite into a test page that
 * is served by route interception at the coordinator's origin (a secure context, which WebGPU requires).
 */
import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { AppInput, AppOutput } from '../protocol/apps.ts';
import { MatmulInput, MatmulOutput } from '../protocol/matmul.ts';
import { compareMatmul, MATMUL_TOLERANCE } from '../worker-kernels/matmul/compare.ts';
import { runMatmul } from '../worker-kernels/matmul/reference.ts';
import { compareOutputs, runKernel } from '../worker-kernels/registry.ts';
import { SignalSearchInput, SignalSearchOutput } from '../protocol/signal-search.ts';
import { compareSignalSearch, SNR_TOLERANCE } from '../worker-kernels/signal-search/compare.ts';
import { runSignalSearch } from '../worker-kernels/signal-search/reference.ts';

const quiet = { progress() {}, checkpoint() {} };
const seed = () => (Math.random() * 2 ** 32) >>> 0;
let bundle = '';

test.beforeAll(async () => {
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    // As the app's own build: module workers (the custom-app sandbox awaits at its top level).
    worker: { format: 'es' },
    build: {
      write: false,
      minify: false,
      lib: {
        entry: fileURLToPath(new URL('./kernels-webgpu/page.ts', import.meta.url)),
        formats: ['es'],
        fileName: 'page',
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as { output: { type: string; code?: string }[] }[];
  bundle = outputs.flatMap((o) => o.output).find((chunk) => chunk.type === 'chunk')?.code ?? '';
  expect(bundle.length).toBeGreaterThan(0);
});

test.beforeEach(async ({ page }) => {
  await page.route('**/__kernels/**', (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: bundle })
      : route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><script type="module" src="page.js"></script>',
        }),
  );
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/__kernels/index.html');
  await expect(page, errors.join('\n')).toHaveTitle('kernels ready');
});

test('default: a WebGPU adapter is found, fallback or not, with the limits the kernels asked for', async ({ page }) => {
  const adapter = await page.evaluate(() => window.kernels.adapter());
  console.log(`webgpu adapter: fallback=${adapter.isFallback} maxStorageBufferBindingSize=${adapter.maxStorage}`);
  expect(adapter.maxStorage).toBeGreaterThanOrEqual(128 * 1024 * 1024);
});

test('default: WGSL matmul agrees with the reference on fresh random units', async ({ page }) => {
  const shapes = [
    { m: 64, k: 64, n: 64 },
    { m: 48, k: 80, n: 112 }, // not multiples of the 64×64 tile: the guards at the edges
    { m: 128, k: 256, n: 96 },
  ];
  for (const shape of shapes) {
    const input = MatmulInput.parse({ seed: seed(), ...shape });
    const { output } = await page.evaluate((i) => window.kernels.matmul(i), input);
    const actual = MatmulOutput.parse(output);
    const expected = runMatmul(input, quiet);
    const worst = Math.max(
      ...actual.rowSquares.map((x, i) => Math.abs(x - expected.rowSquares[i]!) / expected.rowSquares[i]!),
    );
    // f32 sums over k ≤ 256 stay within ~1e-6 of the f64 reference; the comparator's bound is MATMUL_TOLERANCE.
    expect(worst, JSON.stringify(input)).toBeLessThan(MATMUL_TOLERANCE);
    expect(compareMatmul(input, actual, expected)).toBe('match');
  }
});

test('default: WGSL signal search agrees with the reference on fresh random units', async ({ page }) => {
  for (let trial = 0; trial < 4; trial++) {
    const fftSize = 2 ** (4 + Math.floor(Math.random() * 7)); // 16 … 1024
    const input = SignalSearchInput.parse({
      signal: {
        seed: seed(),
        sampleCount: 8192,
        noise: 1,
        tones: [0, 1].map(() => ({
          frequency: Math.random(),
          drift: (Math.random() - 0.5) * 1e-5,
          amplitude: 0.5 + Math.random(),
        })),
      },
      fftSize,
      driftRates: [0, (Math.random() - 0.5) * 1e-5, (Math.random() - 0.5) * 1e-5],
      // Low enough that noise crosses it too (e^-threshold of the bins), so there are always peaks to compare.
      threshold: 4 + Math.random() * 4,
      maxPeaks: 256,
    });
    const { output } = await page.evaluate((i) => window.kernels.signalSearch(i), input);
    const actual = SignalSearchOutput.parse(output);
    const expected = runSignalSearch(input, quiet);
    // f32 FFTs of ≤ 1024 points keep SNRs within ~1e-5 of the f64 reference (the phases come from f64, see the WGSL);
    // SNR_TOLERANCE (1e-3) is the comparator's bound and the one held here.
    const bySite = new Map(expected.peaks.map((p) => [`${p.drift}:${p.block}:${p.bin}`, p.snr]));
    let worst = 0;
    for (const p of actual.peaks) {
      const snr = bySite.get(`${p.drift}:${p.block}:${p.bin}`);
      if (snr !== undefined) worst = Math.max(worst, Math.abs(p.snr - snr) / snr);
    }
    console.log(`webgpu signal search, fftSize ${fftSize}: worst relative SNR error ${worst.toExponential(2)}`);
    expect(worst, JSON.stringify(input)).toBeLessThan(SNR_TOLERANCE);
    expect(compareSignalSearch(input, actual, expected), JSON.stringify(input)).toBe('match');
    expect(actual.peaks.length).toBeGreaterThan(0);
  }
});

test(
  'behavior: variant selection puts WASM before a fallback adapter, ' + 'and runs WebGPU when only it is allowed',
  async ({ page }) => {
    const job = AppInput.parse({ app: 'matmul', input: { seed: seed(), m: 32, k: 32, n: 32 } });
    const adapter = await page.evaluate(() => window.kernels.adapter());
    const chosen = await page.evaluate((j) => window.kernels.best(j), job);
    expect(chosen.order).toEqual(
      adapter.isFallback ? ['wasm', 'webgpu', 'reference'] : ['webgpu', 'wasm', 'reference'],
    );
    expect(chosen.variant).toBe(chosen.order[0]);
    const gpu = await page.evaluate((j) => window.kernels.best(j, ['webgpu']), job);
    expect(gpu.variant).toBe('webgpu');
    expect(compareOutputs(job, gpu.result, runKernel(job, quiet))).toBe('match');
    // The WASM variants load in the browser too (fetched as Vite emitted them).
    const collatz = AppInput.parse({
      app: 'collatz',
      input: { start: 1 + Math.floor(Math.random() * 1e9), count: 3000 },
    });
    const cpu = await page.evaluate((j) => window.kernels.best(j), collatz);
    expect(cpu.variant).toBe('wasm');
    expect(compareOutputs(collatz, cpu.result, runKernel(collatz, quiet))).toBe('match');
  },
);

test('behavior: inside a dedicated worker, as the volunteer page runs them, the WebGPU variants run and agree', async ({
  page,
}) => {
  const jobs = [
    AppInput.parse({ app: 'matmul', input: { seed: seed(), m: 64, k: 96, n: 48 } }),
    AppInput.parse({
      app: 'signal-search',
      input: {
        signal: {
          seed: seed(),
          sampleCount: 4096,
          noise: 1,
          tones: [{ frequency: Math.random(), drift: 0, amplitude: 1 }],
        },
        fftSize: 256,
        driftRates: [0, 2e-6],
        threshold: 5,
        maxPeaks: 128,
      },
    }),
  ];
  for (const job of jobs) {
    const reply = await page.evaluate((j) => window.kernels.inWorker(j, ['webgpu']), job);
    expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, variant: 'webgpu' });
    if (!reply.ok) continue;
    expect(compareOutputs(job, AppOutput.parse(reply.result), runKernel(job, quiet)), job.app).toBe('match');
  }
});

test('error: a GPU validation error inside a kernel becomes a GpuError', async ({ page }) => {
  const error = await page.evaluate(() => window.kernels.invalidCommand());
  expect(error.name).toBe('GpuError');
  expect(error.message).toMatch(/broken/);
});

test('check: WGSL matmul and signal-search throughput on this adapter (a figure, not asserted)', async ({ page }) => {
  const input = MatmulInput.parse({ seed: seed(), m: 256, k: 256, n: 256 });
  await page.evaluate((i) => window.kernels.matmul(i), input); // compiles the pipeline
  const { ms } = await page.evaluate((i) => window.kernels.matmul(i), input);
  const gflops = (2 * 256 ** 3) / (ms / 1000) / 1e9;
  console.log(`webgpu matmul 256³: ${ms.toFixed(1)} ms, ${gflops.toFixed(2)} GFLOP/s (upload and readback included)`);
  expect(ms).toBeGreaterThan(0);
  const search = SignalSearchInput.parse({
    signal: { seed: seed(), sampleCount: 1 << 16, noise: 1, tones: [] },
    fftSize: 1024,
    driftRates: [0, 1e-7, 2e-7, 3e-7],
    threshold: 12,
    maxPeaks: 256,
  });
  const timed = await page.evaluate((i) => window.kernels.signalSearch(i), search);
  const msamples = (search.signal.sampleCount * search.driftRates.length) / 1e6 / (timed.ms / 1000);
  console.log(
    `webgpu signal search 2^16 samples × 4 drifts: ${timed.ms.toFixed(1)} ms, ${msamples.toFixed(2)} Msamples/s`,
  );
});
