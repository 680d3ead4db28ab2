import { compileExample, EXAMPLE_MANIFEST, EXAMPLE_WGSL } from '../../worker-kernels/custom/example/example-app.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appModuleUrl, appVersionUrl, CustomAppVersion } from '../../protocol/custom-app.ts';
import { runCustomUnit } from '../../worker-kernels/custom/run-unit.ts';
import { GpuError } from '../../worker-kernels/errors.ts';
import { variantOrder } from '../../worker-kernels/variants.ts';
import type { Coordinator } from '../coordinator.ts';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';

const SHADER = EXAMPLE_WGSL.source;
const wgsl = (entryPoint = 'main') => ({ ...EXAMPLE_WGSL, entryPoint });
const manifest = (version: number) => ({ ...EXAMPLE_MANIFEST, version, timeLimitMs: 20_000 });

let running: TestCoordinator;
let coordinator: Coordinator;
let module: Uint8Array;
const keys: string[] = [];

beforeAll(async () => {
  module = await compileExample();
  running = await startTestCoordinator();
  coordinator = running.coordinator;
  const research = running.research;
  for (const name of ['primes lab', 'other lab']) {
    const key = newApiKey();
    await research.createProject({ name, researcherName: 'R', keyHash: hashApiKey(key), now: Date.now() });
    keys.push(key);
  }
}, 60_000);
afterAll(() => running.close());

const upload = (key: string, body: unknown) =>
  fetch(new URL('api/research/apps', coordinator.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe("researchers' own apps", () => {
  test('default: uploaded, served to hosts, computed in the sandbox and validated by quorum', async () => {
    const res = await upload(keys[0]!, { manifest: manifest(1), module: b64(module) });
    expect(res.status).toBe(201);
    const version = CustomAppVersion.parse(await res.json());
    expect(version.moduleSha256).toBe(createHash('sha256').update(module).digest('hex'));

    // Where a host looks for it (protocol/custom-app.ts), which is where the coordinator serves it.
    const served = await fetch(appModuleUrl(coordinator.url, { name: 'prime-count', version: 1 }));
    expect(served.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(module);

    const data = b64(new Uint8Array(new Uint32Array([0, 10_000]).buffer));
    const job = {
      app: 'custom' as const,
      input: { name: 'prime-count', version: 1, moduleSha256: version.moduleSha256, data, flops: 1e8 },
    };
    await coordinator.stores.work.createBatch({
      app: 'custom',
      name: 'primes',
      now: Date.now(),
      units: [
        {
          job,
          flopsEstimate: 1e8,
          minQuorum: 2,
          targetNresults: 2,
          maxErrorResults: 2,
          maxTotalResults: 4,
          delayBoundS: 600,
        },
      ],
    });
    const hosts = await Promise.all([SimHost.register(coordinator.url), SimHost.register(coordinator.url)]);
    for (const host of hosts) {
      const [assignment] = await host.requestWork(1);
      if (assignment?.app !== 'custom') throw new Error('expected a custom unit');
      const output = await runCustomUnit(
        assignment.input,
        { progress() {}, checkpoint() {} },
        { base: coordinator.url },
      );
      const words = new Uint32Array(Uint8Array.from(Buffer.from(output.data, 'base64')).buffer);
      expect(Array.from(words)).toEqual([1229, 9973]); // primes below 10,000: 1,229, the largest 9,973
      await host.report([
        {
          status: 'success',
          replicaId: assignment.replicaId,
          variant: 'wasm',
          elapsedMs: 10,
          result: { app: 'custom', output },
        },
      ]);
    }
    await eventually(async () => (await hosts[0]!.status()).results.valid === 1);
  });

  test('error: a module that breaks its manifest, an old version, a foreign name, no key', async () => {
    const importsTooFew = { ...manifest(2), imports: ['env.memory'] };
    const refused = await upload(keys[0]!, { manifest: importsTooFew, module: b64(module) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/app refused: module imports env\.abort, which its manifest does not declare/);
    expect(
      (await upload(keys[0]!, { manifest: manifest(2), module: b64(new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9])) }))
        .status,
    ).toBe(400);
    expect((await upload(keys[0]!, { manifest: manifest(1), module: b64(module) })).status).toBe(409);
    const foreign = await upload(keys[1]!, { manifest: manifest(5), module: b64(module) });
    expect(foreign.status).toBe(409);
    expect(await foreign.text()).toMatch(/belongs to another project/);
    expect((await upload('tf_nope', { manifest: manifest(3), module: b64(module) })).status).toBe(401);
    expect((await fetch(appVersionUrl(coordinator.url, { name: 'prime-count', version: 2 }))).status).toBe(404);
  });

  test("error: a batch may not name another project's app, or the wrong module", async () => {
    const version = CustomAppVersion.parse(
      await (await fetch(new URL('api/apps/prime-count/1', coordinator.url))).json(),
    );
    const unit = (sha: string) => ({
      app: 'custom',
      input: { name: 'prime-count', version: 1, moduleSha256: sha, data: 'AAAAAA==', flops: 1e6 },
    });
    const submit = (key: string, sha: string) =>
      fetch(new URL('api/research/batches', coordinator.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'b', units: [unit(sha)] }),
      });
    const foreign = await submit(keys[1]!, version.moduleSha256);
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toMatch(/units\.0: your project has no app prime-count version 1/);
    expect(await (await submit(keys[0]!, '0'.repeat(64))).text()).toMatch(/moduleSha256 is not that of prime-count/);
    expect((await submit(keys[0]!, version.moduleSha256)).status).toBe(201);
  });

  test(
    'behavior: an app with a WGSL shader is checked, stored and served with it; ' +
      'without WebGPU its units run as WASM',
    async () => {
      const refused = await upload(keys[0]!, {
        manifest: { ...manifest(10), wgsl: wgsl('count') },
        module: b64(module),
      });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toMatch(
        /app refused: shader has no @compute function count \(its compute functions: main\)/,
      );
      const badShape = await upload(keys[0]!, {
        manifest: { ...manifest(10), wgsl: { ...wgsl(), bindings: [wgsl().bindings[0]] } },
        module: b64(module),
      });
      expect(badShape.status).toBe(400);
      expect(await badShape.text()).toMatch(/manifest\.wgsl\.bindings: exactly one binding must have the role output/);
      // Buffers and the dispatch are capped in the manifest (protocol/custom-app.ts): a huge one is refused here.
      const [inputBinding, outputBinding] = wgsl().bindings;
      const hugeBuffer = await upload(keys[0]!, {
        manifest: {
          ...manifest(10),
          wgsl: { ...wgsl(), bindings: [inputBinding, { ...outputBinding, bytes: 256 << 20 }] },
        },
        module: b64(module),
      });
      expect(hugeBuffer.status).toBe(400);
      expect(await hugeBuffer.text()).toMatch(
        /manifest\.wgsl\.bindings\.1\.bytes: Too big: expected number to be <=1048576/,
      );
      const hugeDispatch = await upload(keys[0]!, {
        manifest: { ...manifest(10), wgsl: { ...wgsl(), workgroups: [65_535, 65_535, 1] } },
        module: b64(module),
      });
      expect(hugeDispatch.status).toBe(400);
      expect(await hugeDispatch.text()).toMatch(/manifest\.wgsl\.workgroups: at most 1048576 workgroups a dispatch/);

      const res = await upload(keys[0]!, { manifest: { ...manifest(10), wgsl: wgsl() }, module: b64(module) });
      expect(res.status).toBe(201);
      const served = CustomAppVersion.parse(
        await (await fetch(new URL('api/apps/prime-count/10', coordinator.url))).json(),
      );
      expect(served.manifest.wgsl?.source).toBe(SHADER);

      const data = b64(new Uint8Array(new Uint32Array([0, 100]).buffer));
      const input = { name: 'prime-count', version: 10, moduleSha256: served.moduleSha256, data, flops: 1e6 };
      expect(await variantOrder({ app: 'custom', input })).toEqual(['wasm']); // Node has no navigator.gpu
      const quiet = { progress() {}, checkpoint() {} };
      await expect(runCustomUnit(input, quiet, { base: coordinator.url, variant: 'webgpu' })).rejects.toThrow(GpuError);
      const output = await runCustomUnit(input, quiet, { base: coordinator.url });
      expect(Array.from(new Uint32Array(Uint8Array.from(Buffer.from(output.data, 'base64')).buffer))).toEqual([25, 97]);
    },
  );
});
