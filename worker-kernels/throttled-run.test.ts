import { describe, expect, test } from 'vitest';
import { makeDemoUnit } from '../server/demo/signal-search-feeder.ts';
import { runReference } from './registry.ts';
import { runThrottled } from './throttled-run.ts';
import type { AppInput } from '../protocol/apps.ts';
import type { KernelContext } from './kernel.ts';

const job = makeDemoUnit('tiny', mulberry(7)).job as AppInput;
const silent = { progress() {}, checkpoint() {} };

function mulberry(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('runThrottled', () => {
  test('default: at 100% the kernel runs straight through, with no rest', async () => {
    const run = await runThrottled(1, silent, undefined, (ctx) => runReference(job, ctx));
    expect(run.value).toEqual(runReference(job, { progress() {}, checkpoint() {} }));
    expect(run.restMs).toBe(0);
    expect(run.busyMs).toBeGreaterThan(0);
  });

  test('behavior: under a limit it rests at checkpoints and resumes to the same answer', async () => {
    // A kernel of 16 checkpointed steps, each computing for at least 10 ms of wall clock whatever the machine's
    // speed: 160 ms in all, past the 50 ms of work a 20% limit allows before a rest (SLICE_MS × limit), so the run
    // must be unwound and resumed, on a fast machine as on a busy one.
    const steps = 16;
    const kernel = (ctx: KernelContext<unknown>) => {
      let { step, sum } = (ctx.resumeFrom as { step: number; sum: number } | undefined) ?? { step: 0, sum: 0 };
      for (; step < steps; ) {
        const until = performance.now() + 10;
        while (performance.now() < until) {}
        sum += step * step;
        step++;
        ctx.progress(step / steps);
        ctx.checkpoint({ step, sum });
      }
      return sum;
    };
    let starts = 0;
    const run = await runThrottled(0.2, silent, undefined, (ctx) => {
      starts++;
      return kernel(ctx);
    });
    expect(run.value).toBe(1240); // the sum of squares below 16
    expect(starts).toBeGreaterThan(1);
    expect(run.restMs).toBeGreaterThan(0);
  });

  test('behavior: a resumed run starts from the checkpoint it is given', async () => {
    const checkpoints: unknown[] = [];
    await runThrottled(1, { progress() {}, checkpoint: (s) => void checkpoints.push(s) }, undefined, (ctx) =>
      runReference(job, ctx),
    );
    const halfway = checkpoints[Math.floor(checkpoints.length / 2)];
    const fractions: number[] = [];
    const resumed = await runThrottled(
      1,
      { progress: (f) => void fractions.push(f), checkpoint() {} },
      halfway,
      (ctx) => runReference(job, ctx),
    );
    expect(resumed.value).toEqual(runReference(job, { progress() {}, checkpoint() {} }));
    expect(fractions.filter((f) => f > 0)[0]).toBeGreaterThan(0.5);
  });

  test(
    'behavior: a kernel that takes the limit over is not unwound at checkpoints, ' + 'and its rests count as rest',
    async () => {
      let starts = 0;
      const resting: number[] = [];
      const run = await runThrottled(
        0.2,
        { ...silent, resting: (ms) => void resting.push(ms) },
        undefined,
        async (ctx) => {
          starts++;
          const handle = ctx.ownCpuLimit!();
          expect(handle.limit).toBe(0.2);
          // Past the 50 ms of computing a 20% limit allows: a kernel that had not taken over would be unwound here.
          const until = performance.now() + 80;
          while (performance.now() < until) ctx.checkpoint('state');
          handle.resting(40); // as a sandbox reports the rest it takes in its own thread
          await new Promise((r) => setTimeout(r, 40));
          handle.resumed(40);
          return 'done';
        },
      );
      expect(run.value).toBe('done');
      expect(starts).toBe(1);
      expect(resting).toContain(40);
      expect(run.restMs).toBeGreaterThanOrEqual(40);
    },
  );

  test('error: a kernel error passes through unchanged', async () => {
    await expect(
      runThrottled(0.5, silent, undefined, () => {
        throw new RangeError('bad input');
      }),
    ).rejects.toThrow(RangeError);
  });
});
