/**
 * The apps' variants in Chromium: the conformance spec's cases (worker-kernels/conformance) over every variant, the
 * WebGPU ones on Chromium's WebGPU (SwiftShader's fallback adapter here, with --enable-unsafe-webgpu from
 * playwright.config.ts), then variant selection, the worker and GPU errors (their throughput is bench:kernels').
 * The kernels' code is bundled with Vite into a test page served by route interception at the coordinator's origin
 * (a secure context, which WebGPU requires).
 */
import { expect, test } from '@playwright/test';
import { AppInput, type AppName, AppOutput } from '../protocol/apps.ts';
import { variantName } from '../worker-kernels/app.ts';
import { judge } from '../worker-kernels/conformance/case.ts';
import { caseOf, cases } from '../worker-kernels/conformance/cases.ts';
import { appOf, compareOutputs, runReference } from '../worker-kernels/registry.ts';
import { loadMnist, TRAIN_SIZE } from '../worker-kernels/training/dataset.ts';
import { trainingInput } from '../worker-kernels/training/input.ts';
import { initialParameters } from '../worker-kernels/training/model.ts';
import { printSeedOnFailure, specRandom } from './support/random.ts';
import { bundleScript, serveScript } from './support/test-page.ts';

const quiet = { progress() {}, checkpoint() {} };
let bundle = '';

printSeedOnFailure();

test.beforeAll(async () => {
  bundle = await bundleScript(new URL('./kernels-webgpu/page.ts', import.meta.url));
});

test.beforeEach(async ({ page }) => {
  await serveScript(page, '**/__kernels/**', bundle);
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

/**
 * The conformance spec in Chromium (worker-kernels/conformance): every variant of every built-in app, WebGPU on
 * the software adapter included, against the reference (run here in Node) on seeded random units, by the same
 * cases, bounds and judge as conformance.test.ts. A researcher's app's case runs its sandbox in Node only.
 */
for (const name of Object.keys(cases) as AppName[]) {
  const kase = caseOf(name);
  if (kase.runners) continue;
  const app = appOf(name);
  for (const variant of app.variants.map(variantName)) {
    test(`conformance: ${name} ${variant} agrees with the reference on seeded random units`, async ({ page }) => {
      await kase.prepare?.();
      const random = specRandom();
      const worst: Record<string, number> = {};
      for (let trial = 0; trial < kase.trials; trial++) {
        const input = kase.randomInput(random);
        const { output } = await page.evaluate((a) => window.kernels.runVariant(a.name, a.variant, a.input), {
          name,
          variant,
          input,
        });
        const actual = app.output.parse(output);
        const expected = app.reference!(input, quiet);
        expect(judge(app, kase, variant, input, actual, expected), JSON.stringify(input)).toEqual([]);
        for (const [measure, value] of Object.entries(kase.deviation(input, actual, expected)))
          worst[measure] = Math.max(worst[measure] ?? 0, value);
      }
      console.log(`conformance in Chromium: ${name} ${variant}: worst ${JSON.stringify(worst)}`);
    });
  }
}

test(
  'behavior: variant selection puts WASM before a fallback adapter, ' + 'and runs WebGPU when only it is allowed',
  async ({ page }) => {
    const random = specRandom();
    const job = AppInput.parse({ app: 'matmul', input: { seed: random.u32(), m: 32, k: 32, n: 32 } });
    const adapter = await page.evaluate(() => window.kernels.adapter());
    const chosen = await page.evaluate((j) => window.kernels.best(j), job);
    expect(chosen.order).toEqual(
      adapter.isFallback ? ['wasm', 'webgpu', 'reference'] : ['webgpu', 'wasm', 'reference'],
    );
    expect(chosen.variant).toBe(chosen.order[0]);
    const gpu = await page.evaluate((j) => window.kernels.best(j, ['webgpu']), job);
    expect(gpu.variant).toBe('webgpu');
    expect(compareOutputs(job, gpu.result, runReference(job, quiet))).toBe('match');
    // The WASM variants load in the browser too (fetched as Vite emitted them).
    const collatz = AppInput.parse({
      app: 'collatz',
      input: { start: random.int(1, 1e9), count: 3000 },
    });
    const cpu = await page.evaluate((j) => window.kernels.best(j), collatz);
    expect(cpu.variant).toBe('wasm');
    expect(compareOutputs(collatz, cpu.result, runReference(collatz, quiet))).toBe('match');
  },
);

/** A small MLP's few steps (the CNN's are in the conformance test): the worker loads the digits itself. */
function smallTrainingUnit(random: ReturnType<typeof specRandom>) {
  const model = { kind: 'mlp', hidden: 8 } as const;
  return trainingInput({
    model,
    version: 0,
    parameters: initialParameters(model, random.u32()),
    samples: Uint16Array.from({ length: 40 }, () => random.int(0, TRAIN_SIZE)),
    seed: random.u32(),
    steps: 3,
    batch: 4,
    inner: { lr: 0.05, momentum: 0.9 },
    block: 64,
  });
}

test('behavior: inside a dedicated worker, as the volunteer page runs them, the WebGPU variants run and agree', async ({
  page,
}) => {
  // Each job opens the worker's own device and compiles its pipelines on SwiftShader, on a loaded CPU: 2 minutes
  // measured at load 20 for the three, over the default 60 s.
  test.setTimeout(240_000);
  const random = specRandom();
  const jobs = [
    AppInput.parse({ app: 'matmul', input: { seed: random.u32(), m: 64, k: 96, n: 48 } }),
    AppInput.parse({
      app: 'signal-search',
      input: {
        signal: {
          seed: random.u32(),
          sampleCount: 4096,
          noise: 1,
          tones: [{ frequency: random.next(), drift: 0, amplitude: 1 }],
        },
        fftSize: 256,
        driftRates: [0, 2e-6],
        threshold: 5,
        maxPeaks: 128,
      },
    }),
    AppInput.parse({ app: 'training', input: smallTrainingUnit(random) }),
  ];
  await loadMnist();
  for (const job of jobs) {
    const reply = await page.evaluate((j) => window.kernels.inWorker(j, ['webgpu']), job);
    expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, variant: 'webgpu' });
    if (!reply.ok) continue;
    expect(compareOutputs(job, AppOutput.parse(reply.result), runReference(job, quiet)), job.app).toBe('match');
  }
});

test('behavior: after the shared device is lost, the next unit opens a fresh one and runs on the GPU', async ({
  page,
}) => {
  const random = specRandom();
  const job = AppInput.parse({ app: 'matmul', input: { seed: random.u32(), m: 48, k: 32, n: 64 } });
  expect((await page.evaluate((j) => window.kernels.best(j, ['webgpu']), job)).variant).toBe('webgpu');
  expect(await page.evaluate(() => window.kernels.loseDevice())).toBe('destroyed');
  const after = await page.evaluate((j) => window.kernels.best(j, ['webgpu']), job);
  expect(after.variant).toBe('webgpu');
  expect(compareOutputs(job, after.result, runReference(job, quiet))).toBe('match');
});

test('error: a GPU validation error inside a kernel becomes a GpuError', async ({ page }) => {
  const error = await page.evaluate(() => window.kernels.invalidCommand());
  expect(error.name).toBe('GpuError');
  expect(error.message).toMatch(/broken/);
});
