/**
 * Errors across the browser's boundaries, in Chromium with real workers: a researcher's module traps in its sandbox
 * worker, the compute worker wraps what the sandbox sent, and the page gets both through comlink, each with its
 * name, details and cause; a job the worker refuses comes back with the schema's issues. The page is bundled with
 * Vite and served by route interception at the e2e coordinator's origin; the workers are the built app's, served by
 * the coordinator (Playwright cannot intercept a worker's own workers); the app is uploaded through the research
 * API. Page to coordinator and back: server/http/errors.test.ts; iframe to partner page: widget.spec.ts.
 */
import { execFileSync } from 'node:child_process';
import { E2E_DATA } from '../playwright.config.ts';
import { readdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { bundleTestPage, openTestPage } from './support/test-page.ts';
import { compileAssemblyScript, EXAMPLE_MANIFEST, primeRange } from '../worker-kernels/custom/example/example-app.ts';

let files: Map<string, string>;
/** The built app's compute worker, as the volunteer page starts it (dist/ is what the e2e coordinator serves). */
let computeWorker: string;
let bomb: { name: string; version: number; moduleSha256: string };

test.beforeAll(async ({ request }) => {
  files = await bundleTestPage(new URL('./error-boundaries/page.ts', import.meta.url));
  const built = readdirSync('dist/assets').find((f) => /^worker-[\w-]+\.js$/.test(f));
  expect(built, 'no compute worker in dist/assets: run npm run build first').toBeDefined();
  computeWorker = `/assets/${built}`;

  // A memory bomb, uploaded as a researcher would: its units trap at the memory cap inside the sandbox.
  // A fresh project and app name each time, as a retry runs this again against the same coordinator.
  const run = Date.now().toString(36);
  const out = execFileSync(process.execPath, ['bin/terraflop.mjs', 'project', 'create', '--name', `Errors ${run}`], {
    env: { ...process.env, TERRAFLOP_DATA: E2E_DATA, TERRAFLOP_CHAIN: 'off' },
  });
  const { apiKey } = JSON.parse(out.toString()) as { apiKey: string };
  const module = await compileAssemblyScript(
    'export function alloc(n: i32): usize { return heap.alloc(<usize>n); }\n' +
      'export function run(a: usize, b: i32, c: usize, d: i32): usize { while (true) heap.alloc(1 << 20); return 0; }',
  );
  const manifest = {
    ...EXAMPLE_MANIFEST,
    name: `e2e-error-bomb-${run}`,
    imports: ['env.abort', 'env.memory'],
    maxMemoryPages: 32,
    timeLimitMs: 20_000,
  };
  const res = await request.post('/api/research/apps', {
    headers: { authorization: `Bearer ${apiKey}` },
    data: { manifest, module: Buffer.from(module).toString('base64') },
  });
  expect(res.status(), await res.text()).toBe(201);
  bomb = { name: manifest.name, version: manifest.version, moduleSha256: (await res.json()).moduleSha256 };
});

test.beforeEach(({ page }) => openTestPage(page, files, '__errors', 'errors ready'));

test('default: a trap in the sandbox reaches the page with every name, detail and cause', async ({ page }) => {
  const data = Buffer.from(primeRange(0, 10)).toString('base64');
  const job = { app: 'custom', input: { ...bomb, data, flops: 1e6 } };
  const error = await page.evaluate(([url, j]) => window.errors.run(url, j), [computeWorker, job] as const);
  // The compute worker's own error, revived on the page; below it what the sandbox sent the worker; below that
  // what the engine threw inside the sandbox.
  expect(error).toMatchObject({
    isBaseError: true,
    name: 'CustomAppError',
    message: expect.stringMatching(
      /^e2e-error-bomb-\w+: module trapped: unreachable \(memory \d+ of 32 pages in use\)$/,
    ),
    details: { timedOut: false },
    cause: {
      isBaseError: true,
      name: 'ModuleTrapError',
      details: { maximumPages: 32, memoryPages: expect.any(Number) },
      cause: { name: 'RuntimeError', message: 'unreachable' },
    },
  });
});

test('error: a job the worker refuses comes back as the schema failure it was, with its issues', async ({ page }) => {
  const job = { app: 'collatz', input: { start: 0, count: 1 } };
  const error = await page.evaluate(([url, j]) => window.errors.run(url, j), [computeWorker, job] as const);
  expect(error).toMatchObject({
    isBaseError: true,
    name: 'ZodError',
    issues: [{ path: 'input.start', message: expect.stringContaining('>=1') }],
  });
});
