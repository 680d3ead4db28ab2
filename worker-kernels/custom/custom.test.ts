import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  compileAssemblyScript as compile,
  compileExample,
  EXAMPLE_MANIFEST,
  EXAMPLE_WGSL,
  primeRange as input,
  primesBySieve as primes,
  words as decode,
} from './example/example-app.ts';
import type { BaseError } from '../../protocol/base-error.ts';
import { GpuError } from '../errors.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { CustomAppError } from './errors.ts';
import { checkCustomModule, MAX_MODULE_BYTES } from './check-module.ts';
import { runCustomApp, sandboxFailure } from './runner.ts';
import { ShaderDeviceLostError } from './sandbox-wgsl.ts';
import { serializeError } from '../../protocol/error-wire.ts';

const manifest = { ...EXAMPLE_MANIFEST, timeLimitMs: 20_000 };

let example: Uint8Array;
beforeAll(async () => {
  example = await compileExample();
}, 60_000);

describe('custom apps: the example app of docs/apps.md', () => {
  test('default: accepted, run in a sandbox worker, and right on a fresh random range', async () => {
    const checked = checkCustomModule(example, manifest);
    const random = testRandom();
    const from = random.int(0, 100_000),
      to = from + random.int(150_000, 200_000);
    const progress: number[] = [];
    // A Node Buffer, as readFileSync gives: small ones are views into a shared pool, which must not leak in.
    const bytes = Buffer.from(example);
    const out = await runCustomApp(checked, bytes, { input: input(from, to), onProgress: (f) => progress.push(f) });
    expect(decode(out)).toEqual(primes(from, to));
    expect(progress.at(-1)).toBe(1);
  });

  test('behavior: a run resumed from its checkpoint gives the same output', async () => {
    const checked = checkCustomModule(example, manifest);
    const states: Uint8Array[] = [];
    const full = await runCustomApp(checked, example, {
      input: input(0, 300_000),
      onCheckpoint: (s) => states.push(s),
    });
    expect(states.length).toBeGreaterThan(2);
    const resumed = await runCustomApp(checked, example, { input: input(0, 300_000), resumeFrom: states[1] });
    expect(decode(resumed)).toEqual(decode(full));
  });

  test('behavior: asked for its shader where there is no WebGPU (Node), the run says so with a GpuError', async () => {
    const wgsl = EXAMPLE_WGSL;
    const checked = checkCustomModule(example, { ...manifest, wgsl });
    const run = runCustomApp(checked, example, { input: input(0, 100), variant: 'webgpu' });
    await expect(run).rejects.toThrow(GpuError);
    await expect(run).rejects.toThrow('prime-count: WebGPU is not available here');
    // The sandbox's own error crossed its worker boundary by name, and is the cause.
    await expect(run).rejects.toMatchObject({ cause: { name: 'ShaderUnavailableError' } });
    await expect(
      runCustomApp(checkCustomModule(example, manifest), example, { input: input(0, 100), variant: 'webgpu' }),
    ).rejects.toThrow('prime-count: the app has no WGSL shader');
    expect(() => checkCustomModule(example, { ...manifest, wgsl: { ...wgsl, entryPoint: 'count' } })).toThrow(
      /shader has no @compute function count/,
    );
  });

  test("behavior: a GPU lost in the sandbox is the host's failure (a GpuError: run it as WASM), not the app's", () => {
    const lost = new ShaderDeviceLostError(
      'GPU device lost (unknown): A valid external Instance reference no longer exists.',
    );
    const failure = sandboxFailure('prime-count', serializeError(lost));
    expect(failure).toBeInstanceOf(GpuError);
    expect(failure).toMatchObject({
      message: `prime-count: ${lost.message}`,
      cause: { name: 'ShaderDeviceLostError' },
    });
    // A shader the browser refused is the app's.
    const refused = sandboxFailure('prime-count', { name: 'ShaderRunError', message: 'shader refused by WebGPU: …' });
    expect(refused).toBeInstanceOf(CustomAppError);
  });

  test('error: bad input is a clear error from the module, its line and column kept past the sandbox', async () => {
    const checked = checkCustomModule(example, manifest);
    const run = runCustomApp(checked, example, { input: new Uint8Array(3) });
    await expect(run).rejects.toThrow(/prime-count: module aborted/);
    const error = (await run.catch((e: unknown) => e)) as CustomAppError;
    expect(error).toBeInstanceOf(CustomAppError);
    expect(error.cause).toMatchObject({
      name: 'ModuleTrapError',
      details: { line: expect.any(Number), column: expect.any(Number), maximumPages: manifest.maxMemoryPages },
    });
  });
});

describe('custom apps: refused at upload', () => {
  test('error: invalid bytes, oversized modules and bad manifests', () => {
    expect(() => checkCustomModule(new Uint8Array([0, 97, 115, 109, 2, 0]), manifest)).toThrow(/not valid WebAssembly/);
    expect(() => checkCustomModule(new Uint8Array(MAX_MODULE_BYTES + 1), manifest)).toThrow(
      /over the 4194304-byte limit/,
    );
    expect(() => checkCustomModule(example, { ...manifest, name: 'Bad Name' })).toThrow(/manifest: name/);
    expect(() => checkCustomModule(example, { ...manifest, imports: ['terraflop.progress'] })).toThrow(/env.memory/);
  });

  test('error: an import the manifest does not declare, or that the ABI does not offer', async () => {
    const undeclared = { ...manifest, imports: ['terraflop.progress', 'env.abort', 'env.memory'] };
    expect(() => checkCustomModule(example, undeclared)).toThrow(
      /imports terraflop.checkpoint, which its manifest does not declare/,
    );
    const sneaky = await compile(
      '@external("env", "fetch") declare function fetch(x: i32): i32;\n' +
        'export function alloc(n: i32): usize { return heap.alloc(<usize>n); }\n' +
        'export function run(a: usize, b: i32, c: usize, d: i32): usize { return <usize>fetch(b); }',
    );
    expect(() => checkCustomModule(sneaky, manifest)).toThrow(/imports env.fetch/);
  });

  test('error: its own memory instead of the capped import, or a start function', () => {
    const ownMemory = readFileSync(new URL('../matmul/build/matmul.wasm', import.meta.url));
    expect(() => checkCustomModule(ownMemory, { ...manifest, imports: ['env.abort', 'env.memory'] })).toThrow(
      /must import its memory/,
    );
    // (module (import "env" "memory" (memory 1)) (func) (start 0)), assembled by hand.
    const withStart = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 15, 1, 3, 101, 110, 118, 6, 109, 101, 109, 111, 114, 121, 2, 0,
      1, 3, 2, 1, 0, 8, 1, 0, 10, 4, 1, 2, 0, 11,
    ]);
    expect(() => checkCustomModule(withStart, manifest)).toThrow(/start function/);
  });
});

describe('custom apps: stopped at run time, and the runner survives', () => {
  test('error: an infinite loop is stopped at the time limit', async () => {
    const loop = await compile(
      'export function alloc(n: i32): usize { return heap.alloc(<usize>n); }\n' +
        'let spins: i64 = 0;\n' +
        'export function run(a: usize, b: i32, c: usize, d: i32): usize { while (spins >= 0) spins++; return 0; }',
    );
    const checked = checkCustomModule(loop, { ...manifest, imports: ['env.abort', 'env.memory'], timeLimitMs: 500 });
    await expect(runCustomApp(checked, loop, { input: input(0, 1) })).rejects.toThrow(/time limit of 500 ms/);
  });

  test('error: a memory bomb is stopped at the memory cap', async () => {
    const bomb = await compile(
      'export function alloc(n: i32): usize { return heap.alloc(<usize>n); }\n' +
        'export function run(a: usize, b: i32, c: usize, d: i32): usize { ' +
        'while (true) heap.alloc(1 << 20); return 0; }',
    );
    const checked = checkCustomModule(bomb, { ...manifest, imports: ['env.abort', 'env.memory'], maxMemoryPages: 32 });
    const run = runCustomApp(checked, bomb, { input: input(0, 1) });
    await expect(run).rejects.toThrow(/module trapped: unreachable \(memory \d+ of 32 pages in use\)/);
    // Across the sandbox's boundary: the trap's own name and details, and the engine's RuntimeError below it.
    const trap = ((await run.catch((e: unknown) => e)) as Error).cause as BaseError;
    expect(trap).toMatchObject({ name: 'ModuleTrapError', details: { maximumPages: 32 } });
    expect(trap.details['memoryPages']).toBeGreaterThan(1);
    expect(trap.details['memoryPages']).toBeLessThanOrEqual(32);
    expect(trap.cause).toMatchObject({ name: 'RuntimeError', message: 'unreachable' });
    // Runs after the failures still work: each run has its own worker.
    const out = await runCustomApp(checkCustomModule(example, manifest), example, { input: input(0, 1000) });
    expect(decode(out)).toEqual(primes(0, 1000));
  });
});
