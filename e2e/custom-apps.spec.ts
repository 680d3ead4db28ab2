/**
 * Researchers' own apps in the real browser sandbox: apps uploaded through the research API to a coordinator of the
 * spec's own (no demo units to wait behind), their units computed by volunteers in Chromium (the module in a sandbox
 * worker nested in the compute worker, the shader on SwiftShader's WebGPU), validated by quorum; the bad apps stopped
 * at run time with their errors reported (a loop, a memory bomb, shaders that do not compile, ask for more memory
 * than WebGPU gives or overrun their time limit) while the volunteers' worker pools go on computing; and a GPU lost
 * mid-dispatch (Chromium's GPU process crashed through DevTools), recovered from.
 * worker-kernels/custom/*.test.ts covers the same in Node's worker threads.
 */
import {
  chromium,
  expect,
  request as http,
  test,
  type APIRequestContext,
  type Browser,
  type Page,
} from '@playwright/test';
import { ownNetwork } from './support/own-network.ts';
import {
  compileAssemblyScript,
  EXAMPLE_MANIFEST,
  EXAMPLE_SOURCE,
  EXAMPLE_WGSL,
  primeRange,
  primesBySieve as primes,
} from '../worker-kernels/custom/example/example-app.ts';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';
import type { BatchProgress } from '../protocol/research.ts';
import { startOwnCoordinator, type OwnCoordinator } from './support/own-coordinator.ts';
import { printSeedOnFailure, specRandom } from './support/random.ts';
import { dailyQuota } from '../server/store/quota.ts';
import { TRACK_RECORD } from '../server/store/trust.ts';

let coordinator: OwnCoordinator;
let api: APIRequestContext;
printSeedOnFailure();

test.beforeAll(async () => {
  coordinator = await startOwnCoordinator('off');
  api = await http.newContext({ baseURL: coordinator.url });
});
test.afterAll(async () => {
  await api.dispose();
  await coordinator.stop();
});

/** Compiles AssemblyScript as docs/apps.md tells a researcher to, as the base64 an upload carries. */
const compile = async (source: string) => Buffer.from(await compileAssemblyScript(source)).toString('base64');

/** A researcher of a new project in the spec's coordinator, created by the operator's command. */
function researcher(name: string): Researcher {
  const out = execFileSync(process.execPath, ['bin/terraflop.mjs', 'project', 'create', '--name', name], {
    env: { ...process.env, TERRAFLOP_DATA: coordinator.data, TERRAFLOP_CHAIN: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Researcher(api, (JSON.parse(out.toString()) as { apiKey: string }).apiKey);
}

const EXAMPLE = readFileSync(EXAMPLE_SOURCE, 'utf8');
const SHADER = EXAMPLE_WGSL.source;
/** A shader that steps a generator as many times as its input's first word says. */
const RUNAWAY = `@group(0) @binding(0) var<storage, read> steps: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32, 2>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  var x = id.x;
  for (var i = 0u; i < steps[0]; i++) { x = x * 1664525u + 1013904223u; }
  if (x == 7u) { out[0] = x; }
}`;
const manifest = (name: string, extra: object = {}) => ({ ...EXAMPLE_MANIFEST, name, timeLimitMs: 20_000, ...extra });
const exampleWgsl = (source = SHADER) => ({ ...EXAMPLE_WGSL, source, workgroups: [64, 1, 1] });
/** One failure fails a bad unit; a good one needs two agreeing results. */
const LIMITS = {
  good: { minQuorum: 2, targetNresults: 2, maxErrorResults: 2, maxTotalResults: 4, delayBoundS: 600 },
  bad: { minQuorum: 1, targetNresults: 1, maxErrorResults: 1, maxTotalResults: 1, delayBoundS: 600 },
};

const range = (from: number, to: number) => Buffer.from(primeRange(from, to)).toString('base64');
const words = (base64: string) => Array.from(new Uint32Array(Uint8Array.from(Buffer.from(base64, 'base64')).buffer));

class Researcher {
  readonly request: APIRequestContext;
  readonly headers: Record<string, string>;
  constructor(request: APIRequestContext, key: string) {
    this.request = request;
    this.headers = { authorization: `Bearer ${key}` };
  }
  /** Registers an app; returns its module's SHA-256. */
  async upload(appManifest: object, module: string): Promise<string> {
    const res = await this.request.post('/api/research/apps', {
      headers: this.headers,
      data: { manifest: appManifest, module },
    });
    expect(res.status(), await res.text()).toBe(201);
    return ((await res.json()) as { moduleSha256: string }).moduleSha256;
  }
  async submit(name: string, sha: string, inputs: string[], limits: object): Promise<number> {
    const units = inputs.map((data) => ({
      app: 'custom',
      input: { name, version: 1, moduleSha256: sha, data, flops: 1e8 },
    }));
    const res = await this.request.post('/api/research/batches', {
      headers: this.headers,
      data: { name, units, limits },
    });
    expect(res.status(), await res.text()).toBe(201);
    return ((await res.json()) as { batchId: number }).batchId;
  }
  async progress(batchId: number): Promise<BatchProgress> {
    return (await (
      await this.request.get(`/api/research/batches/${batchId}`, { headers: this.headers })
    ).json()) as BatchProgress;
  }
  /** Waits until every unit of the batch is decided, and gives its progress. */
  async settled(batchId: number, timeout = 150_000): Promise<BatchProgress> {
    await expect
      .poll(
        async () => {
          const { units } = await this.progress(batchId);
          return units.validated + units.failed;
        },
        { timeout, intervals: [500] },
      )
      .toBe((await this.progress(batchId)).units.total);
    return this.progress(batchId);
  }
  async outputs(batchId: number): Promise<{ input: { data: string }; output: { data: string } }[]> {
    const res = await this.request.get(`/api/research/batches/${batchId}/results`, { headers: this.headers });
    return (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input: { data: string }; output: { data: string } });
  }
}

let homes = 0;

/** A volunteer computing in its own browser profile, with the variant of each result it reported, by app name. */
async function volunteer(
  browser: Browser,
  { oneWorker = false } = {},
): Promise<{ page: Page; variants: Map<string, Set<string>> }> {
  // Each volunteer in a home of its own: hosts of one network never share a unit.
  const page = await (await browser.newContext(ownNetwork(++homes, { baseURL: coordinator.url }))).newPage();
  // One core, so one compute worker: the units run one after another in it.
  if (oneWorker)
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 1 }));
  const appOf = new Map<string, string>();
  const variants = new Map<string, Set<string>>();
  page.on('response', async (res) => {
    if (!res.url().endsWith('/api/work') || !res.ok()) return;
    // The test may close the page while a reply is still being read: that reply is no one's to count any more.
    const body = (await res.json().catch(() => undefined)) as
      | { replicas: { replicaId: string; app: string; input: { name?: string } }[] }
      | undefined;
    for (const r of body?.replicas ?? []) appOf.set(r.replicaId, r.input.name ?? r.app);
  });
  page.on('request', (req) => {
    if (!req.url().endsWith('/api/results')) return;
    for (const entry of (req.postDataJSON() as { results: { replicaId: string; status: string; variant?: string }[] })
      .results) {
      const app = appOf.get(entry.replicaId) ?? 'unknown';
      if (!variants.has(app)) variants.set(app, new Set());
      variants.get(app)!.add(entry.variant ?? entry.status);
    }
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  return { page, variants };
}

/**
 * Submits units of a WGSL app one at a time, each checked against the sieve, until one runs on the GPU: after the GPU
 * was held up, the units before it is free again run as WebAssembly. Fails if none does in eight.
 */
async function untilOnTheGpu(lab: Researcher, name: string, sha: string, variants: Map<string, Set<string>>) {
  for (let i = 0; i < 8 && !variants.get(name)?.has('webgpu'); i++) {
    const batch = await lab.submit(name, sha, [range(i * 5000, (i + 1) * 5000)], LIMITS.bad);
    expect((await lab.settled(batch)).units.validated).toBe(1);
    expect(words((await lab.outputs(batch))[0]!.output.data)).toEqual(primes(i * 5000, (i + 1) * 5000));
  }
  expect([...(variants.get(name) ?? [])]).toContain('webgpu');
}

const merged = (all: { variants: Map<string, Set<string>> }[], app: string) =>
  [...new Set(all.flatMap((v) => [...(v.variants.get(app) ?? [])]))].sort();

test(
  'default: a WASM app and a WASM+WGSL app, uploaded through the research API, ' +
    'computed by volunteers in Chromium and validated',
  async ({ browser }) => {
    test.setTimeout(180_000);
    const lab = researcher('Custom primes');
    const module = await compile(EXAMPLE);
    const cpuSha = await lab.upload(manifest('e2e-primes'), module);
    const gpuSha = await lab.upload(manifest('e2e-primes-gpu', { wgsl: exampleWgsl() }), module);
    const random = specRandom();
    const ranges = [0, 1, 2].map((i) => {
      const from = random.int(0, 1_000_000) + i;
      return [from, from + random.int(20_000, 40_000)] as const;
    });
    const inputs = ranges.map(([from, to]) => range(from, to));
    const cpuBatch = await lab.submit('e2e-primes', cpuSha, inputs, LIMITS.good);
    const gpuBatch = await lab.submit('e2e-primes-gpu', gpuSha, inputs, LIMITS.good);

    const volunteers = await Promise.all([volunteer(browser), volunteer(browser)]);
    for (const batch of [cpuBatch, gpuBatch]) {
      const { units, errors } = await lab.settled(batch);
      expect(units, JSON.stringify(errors)).toMatchObject({ validated: 3, failed: 0 });
    }
    await Promise.all(volunteers.map(({ page }) => page.context().close()));

    // The same bytes from either variant, and the right ones.
    const truth = new Map(inputs.map((data, i) => [data, primes(...ranges[i]!)]));
    for (const batch of [cpuBatch, gpuBatch]) {
      const lines = await lab.outputs(batch);
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(words(line.output.data)).toEqual(truth.get(line.input.data));
    }
    // Each result records the variant that ran: the shader wherever an app has one (SwiftShader here), else WASM.
    expect(merged(volunteers, 'e2e-primes')).toEqual(['wasm']);
    // A quorum of two hosts: both volunteers ran the shader for every unit, and their bytes agreed.
    for (const { variants } of volunteers) expect([...(variants.get('e2e-primes-gpu') ?? [])]).toEqual(['webgpu']);
  },
);

test(
  'error: bad apps are stopped in the browser sandbox with a clear error reported, ' + 'and the worker pool goes on',
  async ({ browser }) => {
    test.setTimeout(600_000);
    const lab = researcher('Custom mischief');
    const alloc = 'export function alloc(n: i32): usize { return heap.alloc(<usize>n); }\n';
    const run = 'export function run(a: usize, b: i32, c: usize, d: i32): usize';
    const spin = await compile(`${alloc}let spins: i64 = 0;\n${run} { while (spins >= 0) spins++; return 0; }`);
    const bomb = await compile(`${alloc}${run} { while (true) heap.alloc(1 << 20); return 0; }`);
    const example = await compile(EXAMPLE);
    const minimal = ['env.abort', 'env.memory'];
    // Passes the upload's checks (the entry point and bindings are there) but not the browser's compiler.
    const broken = SHADER.replace('let stride = groups.x * 64u;', 'let stride: u32 = groups;');
    // Shaders that ask for more memory than WebGPU gives one: a 256 MiB output array bound to its 8-byte buffer, and
    // 64 MiB of private memory per invocation. Both pass the upload's checks; the browser refuses them.
    const hugeOutput = SHADER.replace('array<atomic<u32>, 2>', 'array<atomic<u32>, 67108864>');
    const hugePrivate = SHADER.replace(
      'fn isPrime',
      'var<private> scratch: array<array<vec4u, 65535>, 64>;\n\nfn isPrime',
    ).replace(
      'let stride = groups.x * 64u;',
      'scratch[id.x % 64u][id.x % 65535u].x = id.x;\n  let stride = groups.x * 64u;',
    );

    // First a track record with custom apps: since issue 17, errors of a host with fewer than three valid results of
    // an app weigh an eighth against a unit's error limit (identities are free), so a fresh volunteer could not fail
    // a bad unit. The volunteer earns it as any would, with units of a good app each validated with a partner; enough
    // of them that its daily quota, which each of the bad apps' errors below cuts (server/store/quota.ts), still lets
    // it take the units after them.
    const badApps = 5; // the bad apps below, one erroring unit each
    const after = 12; // the runaway's two tries and untilOnTheGpu's up to eight units, with room
    let record = TRACK_RECORD;
    while (dailyQuota({ valid: record, invalid: 0, errors: badApps }) < record + badApps + after) record++;
    const { page, variants } = await volunteer(browser, { oneWorker: true });
    const partner = await volunteer(browser);
    const goodSha = await lab.upload(manifest('e2e-before-mischief'), example);
    const inputs = Array.from({ length: record }, (_, i) => range(i * 1000, i * 1000 + 1000));
    const earned = await lab.submit('e2e-before-mischief', goodSha, inputs, LIMITS.good);
    expect((await lab.settled(earned)).units).toMatchObject({ validated: record, failed: 0 });
    expect([...(variants.get('e2e-before-mischief') ?? [])]).toEqual(['wasm']);
    await partner.page.context().close();

    /** An app of one unit, which fails on its first error. */
    const badApp = async (name: string, extra: object, module: string) =>
      lab.submit(name, await lab.upload(manifest(name, extra), module), [range(0, 1)], LIMITS.bad);
    const batches = {
      spin: await badApp('e2e-spin', { imports: minimal, timeLimitMs: 500 }, spin),
      bomb: await badApp('e2e-bomb', { imports: minimal, maxMemoryPages: 32 }, bomb),
      broken: await badApp('e2e-broken', { wgsl: exampleWgsl(broken) }, example),
      hugeOutput: await badApp('e2e-huge-output', { wgsl: exampleWgsl(hugeOutput) }, example),
      hugePrivate: await badApp('e2e-huge-private', { wgsl: exampleWgsl(hugePrivate) }, example),
    };

    const reasons = async (batch: number) => {
      const { units, errors } = await lab.settled(batch);
      expect(units.failed).toBe(1);
      return errors.filter((e) => e.kind === 'replica').map((e) => e.reason);
    };
    expect(await reasons(batches.spin)).toEqual(['CustomAppError: e2e-spin: stopped at its time limit of 500 ms']);
    // The sandbox's own error, and what it caught, reach the coordinator as the causes of the host's error.
    expect((await reasons(batches.bomb))[0]).toMatch(
      new RegExp(
        String.raw`^CustomAppError: e2e-bomb: module trapped: unreachable \(memory \d+ of 32 pages in use\) ` +
          String.raw`\(caused by ModuleTrapError ← RuntimeError\)$`,
      ),
    );
    expect((await reasons(batches.broken))[0]).toMatch(
      /^CustomAppError: e2e-broken: shader does not compile: 27:\d+: .+ \(caused by ShaderCompileError\)$/,
    );
    // WebGPU's own message, then the causes: ShaderRunError (← GPUPipelineError where creating the pipeline threw).
    const refused = (app: string, text: string) =>
      new RegExp(
        `^CustomAppError: ${app}: shader refused by WebGPU: .*${text}.*\\(caused by ShaderRunError.*\\)$`,
        's',
      );
    expect((await reasons(batches.hugeOutput))[0]).toMatch(
      refused('e2e-huge-output', 'requires a buffer binding which is at least 268435456 bytes'),
    );
    expect((await reasons(batches.hugePrivate))[0]).toMatch(refused('e2e-huge-private', 'exceeds maximum allowed'));
    expect([...(variants.get('e2e-spin') ?? [])]).toEqual(['error']);

    // A shader past its time limit: 2^17 steps in each of 4096 invocations, about two seconds on SwiftShader here,
    // against 300 ms. Not longer: a dispatch cannot be cancelled, and one that holds the GPU for ~10 s makes Chromium's
    // GPU watchdog kill the GPU process, which would take WebGPU from the specs that run after this one. The page
    // retries the unit once, as WebAssembly (web/lib/run-unit.ts: the same dispatch would overrun again; before, the
    // retry took the GPU whenever its probe had found it free again, and failed the unit), and that succeeds.
    // A problem shown clears once the next unit succeeds, so the page's problems are recorded as they appear.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { problems: string[] }).problems = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="problem"]')?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const problems = () => page.evaluate(() => (window as unknown as { problems: string[] }).problems);
    const runawayWgsl = { ...exampleWgsl(RUNAWAY), workgroups: [64, 1, 1] };
    const runawaySha = await lab.upload(manifest('e2e-runaway', { wgsl: runawayWgsl, timeLimitMs: 300 }), example);
    const runaway = await lab.submit('e2e-runaway', runawaySha, [range(1 << 17, 0)], LIMITS.bad);
    // Minutes, not the default 5 s: the unit waits its turn and the dispatch runs on a loaded machine's SwiftShader.
    await expect
      .poll(problems, { timeout: 150_000 })
      .toContainEqual(
        expect.stringContaining(
          'did not finish: the researcher’s app failed ' +
            '(e2e-runaway: its shader was stopped at its time limit of 300 ms). Trying it once more.',
        ),
      );
    expect((await lab.settled(runaway)).units.validated).toBe(1);
    expect([...(variants.get('e2e-runaway') ?? [])]).toEqual(['wasm']);

    // The same page's worker computes good units after all that: as WebAssembly while the runaway dispatch holds the
    // GPU, and on the GPU again once a probe finds it free (worker-kernels/gpu-watch.ts).
    const afterSha = await lab.upload(manifest('e2e-after-mischief', { wgsl: exampleWgsl() }), example);
    await untilOnTheGpu(lab, 'e2e-after-mischief', afterSha, variants);
    await page.context().close();
  },
);

test('behavior: a GPU lost mid-dispatch (its process crashed) costs no unit; the shader runs again after', async () => {
  test.setTimeout(180_000);
  const lab = researcher('Custom crash');
  const module = await compile(EXAMPLE);
  const sha = await lab.upload(manifest('e2e-gpu-crash', { wgsl: exampleWgsl() }), module);
  // A browser of its own: Chromium stops offering WebGPU after a few crashes of its GPU process.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const { page, variants } = await volunteer(browser, { oneWorker: true });
    // One to three seconds of dispatch on SwiftShader here, under its time limit (20 s, a dispatch's 5 s). The GPU
    // process is crashed half a second after the unit's sandbox worker starts: into the dispatch, usually.
    const [from, to] = [1_000_000_000, 1_000_060_000];
    const sandbox = page.waitForEvent('worker', (w) => w.url().includes('sandbox-worker'));
    const batch = await lab.submit('e2e-gpu-crash', sha, [range(from, to)], LIMITS.bad);
    await sandbox;
    await page.waitForTimeout(500);
    await (await browser.newBrowserCDPSession()).send('Browser.crashGpuProcess');
    expect((await lab.settled(batch)).units).toMatchObject({ validated: 1, failed: 0 });
    expect(words((await lab.outputs(batch))[0]!.output.data)).toEqual(primes(from, to));
    // 'wasm' when the crash caught the dispatch (the unit ran again as WebAssembly at once), 'webgpu' when not.
    console.log(`the unit the GPU crash hit ran as ${[...(variants.get('e2e-gpu-crash') ?? [])].join(', ')}`);
    const afterSha = await lab.upload(manifest('e2e-after-crash', { wgsl: exampleWgsl() }), module);
    await untilOnTheGpu(lab, 'e2e-after-crash', afterSha, variants);
  } finally {
    await browser.close();
  }
});
