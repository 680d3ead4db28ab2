import { beforeAll, describe, expect, test } from 'vitest';
import {
  compileAssemblyScript as compile,
  compileExample,
  EXAMPLE_MANIFEST,
  primeRange as input,
  primesBySieve as primes,
  words as decode,
} from './example/example-app.ts';
import { SLICE_MS } from '../duty-cycle.ts';
import { runThrottled } from '../throttled-run.ts';
import { checkCustomModule } from './check-module.ts';
import type { CustomAppError } from './errors.ts';
import { cpuOptions } from './run-unit.ts';
import { runCustomApp, runCustomAppMetered } from './runner.ts';
import { pickRestMode, type RestMode, type SandboxRest } from './sandbox-rest.ts';

const manifest = { ...EXAMPLE_MANIFEST, timeLimitMs: 60_000 };
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** Some 0.4 s of computing here, or more (a few slices of 125 ms), with progress and a checkpoint every ~10 ms. */
const RANGE = [0, 3_000_000] as const;

/** What the duty cycle planned, held against the figures each rest reports. */
function expectPlannedRests(rests: SandboxRest[], limit: number) {
  expect(rests.length).toBeGreaterThan(0);
  for (const rest of rests) {
    expect(rest.busyMs).toBeGreaterThanOrEqual(SLICE_MS * limit); // a rest only after a slice of computing
    expect(rest.ms).toBeCloseTo(rest.busyMs / limit - rest.windowMs, 6);
    // Nothing but computing between two rests: the window and its busy time start at one instant, so they are equal
    // whatever the machine's load (a gap measured in wall-clock time would depend on it).
    expect(rest.windowMs - rest.busyMs).toBeCloseTo(0, 9);
  }
  // The planned rests are the idle share of the limit over the computing they follow.
  const planned = sum(rests.map((r) => r.ms)),
    busy = sum(rests.map((r) => r.busyMs));
  expect(planned / (planned + busy)).toBeCloseTo(1 - limit, 2);
}

let example: Uint8Array;
beforeAll(async () => {
  example = await compileExample();
}, 60_000);

describe('custom apps under the CPU limit', () => {
  test('default: Node offers JSPI, so the sandbox suspends the module to rest', () => {
    expect(pickRestMode()).toBe('suspend');
  });

  test.each<RestMode>(['suspend', 'wait', 'unwind'])(
    'behavior: at half the CPU, the sandbox rests by %s as the duty cycle plans, to the same output',
    async (by) => {
      const checked = checkCustomModule(example, manifest);
      const rests: SandboxRest[] = [],
        resumed: number[] = [];
      const run = await runCustomAppMetered(checked, example, {
        input: input(...RANGE),
        cpu: { limit: 0.5, by },
        onResting: (rest) => void rests.push(rest),
        onResumed: (ms) => void resumed.push(ms),
      });
      expect(decode(run.output)).toEqual(primes(...RANGE));
      expect(rests.every((r) => r.by === by)).toBe(true);
      expectPlannedRests(rests, 0.5);
      expect(run.rests).toBe(rests.length);
      expect(resumed).toHaveLength(rests.length);
      expect(run.restMs).toBeCloseTo(sum(resumed), 6);
      // Each rest lasted at least what was planned (a timer fires no earlier, give or take its 1 ms granularity).
      expect(run.restMs).toBeGreaterThanOrEqual(sum(rests.map((r) => r.ms)) - rests.length);
      expect(rests.length).toBeLessThanOrEqual(run.busyMs / (SLICE_MS * 0.5));
    },
  );

  test('behavior: at 100%, or with no limit, the module runs straight through', async () => {
    const checked = checkCustomModule(example, manifest);
    const run = await runCustomAppMetered(checked, example, { input: input(0, 300_000), cpu: { limit: 1 } });
    expect(run).toMatchObject({ rests: 0, restMs: 0 });
    expect((await runCustomAppMetered(checked, example, { input: input(0, 300_000) })).rests).toBe(0);
  });

  test('behavior: in the compute worker, the sandbox takes the limit over and its rests count as rests', async () => {
    const checked = checkCustomModule(example, manifest);
    const resting: number[] = [],
      checkpoints: unknown[] = [];
    const hooks = {
      progress() {},
      checkpoint: (s: unknown) => void checkpoints.push(s),
      resting: (ms: number) => void resting.push(ms),
    };
    let starts = 0,
      sandboxRestMs = 0;
    const outcome = await runThrottled(0.5, hooks, undefined, async (ctx) => {
      starts++;
      const run = await runCustomAppMetered(checked, example, {
        input: input(...RANGE),
        onCheckpoint: (s) => ctx.checkpoint(s),
        ...cpuOptions(ctx),
      });
      sandboxRestMs = run.restMs;
      return decode(run.output);
    });
    expect(outcome.value).toEqual(primes(...RANGE));
    expect(starts).toBe(1); // never unwound at its checkpoints by the worker
    expect(checkpoints.length).toBeGreaterThan(2);
    expect(resting.length).toBeGreaterThan(0); // the page heard of each rest, so it is no hang
    expect(outcome.restMs).toBeGreaterThanOrEqual(sandboxRestMs);
  });

  test("behavior: the worker's duty-cycle window carries into the sandbox, its start counted as busy", async () => {
    const checked = checkCustomModule(example, manifest);
    const rests: SandboxRest[] = [];
    await runCustomApp(checked, example, {
      input: input(0, 70_000), // one progress call
      // Taken 100 ms ago, in the clock that threads share: the sandbox was starting since then.
      cpu: {
        limit: 0.5,
        carry: { busyMs: 200, windowMs: 250 },
        carriedAt: performance.timeOrigin + performance.now() - 100,
      },
      onResting: (rest) => void rests.push(rest),
    });
    // Without the carry 70,000 numbers are far under a slice; with it, a rest is owed at the first call.
    expect(rests).toHaveLength(1);
    expect(rests[0]!.busyMs).toBeGreaterThan(300);
    expect(rests[0]!.windowMs).toBeGreaterThan(350);
  });

  test('error: the time limit counts computing, not rests', async () => {
    const endless = await compile(
      '@external("terraflop", "progress") declare function progress(f: f64): void;\n' +
        'export function alloc(n: i32): usize { return heap.alloc(<usize>n); }\n' +
        'let spins: i64 = 0;\n' +
        'export function run(a: usize, b: i32, c: usize, d: i32): usize { ' +
        'while (spins >= 0) { spins++; if ((spins & 0x3ffff) == 0) progress(0.5); } return 0; }',
    );
    const checked = checkCustomModule(endless, {
      ...manifest,
      imports: ['terraflop.progress', 'env.abort', 'env.memory'],
      timeLimitMs: 400,
    });
    const rests: SandboxRest[] = [];
    const run = runCustomApp(checked, endless, {
      input: input(0, 1),
      cpu: { limit: 0.25 },
      onResting: (r) => void rests.push(r),
    });
    const error = await run.then(
      () => undefined,
      (e: CustomAppError) => e,
    );
    expect(error?.message).toMatch(
      /^prime-count: stopped at its time limit of 400 ms of computing \(it also rested \d+ ms for the CPU limit\)$/,
    );
    // It rested, and the rests did not count towards the limit: the clock stopped it after 400 ms of computing, as it
    // counted them itself, whatever the rests (a wall-clock limit would have stopped it at 400 ms of both together).
    // Read from the clock's own figures, not the wall clock, so a busy machine cannot change the outcome. A timer may
    // fire up to a millisecond early against performance.now() once per stretch of computing, and the clock waits
    // those out, so the module always had its whole limit.
    expect(rests.length).toBeGreaterThan(0);
    expect(error?.restedMs).toBeGreaterThan(0);
    expect(error?.computedMs).toBeGreaterThanOrEqual(400);
  });

  test('error: a CPU limit outside (0, 1] is refused before anything runs', async () => {
    const checked = checkCustomModule(example, manifest);
    await expect(runCustomApp(checked, example, { input: input(0, 10), cpu: { limit: 0 } })).rejects.toThrow(
      'prime-count: CPU limit must be in (0, 1], got 0',
    );
  });
});
