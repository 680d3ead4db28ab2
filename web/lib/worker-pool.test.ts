import { describe, expect, test, vi } from 'vitest';
import type { ComputeWorker } from './compute-worker.ts';
import { ComputeSlot, RunStoppedError, WorkerCrashError, WorkerHangError, WorkerPool } from './worker-pool.ts';

/** A stand-in for a Web Worker (Node has none): its run never settles unless the test says so. */
function fakeWorkers() {
  const made: { crash?: (message: string) => void; terminated: boolean; finish?: (value: unknown) => void }[] = [];
  const create = (): ComputeWorker => {
    const state: (typeof made)[number] = { terminated: false };
    made.push(state);
    return {
      api: { run: () => new Promise((resolve) => (state.finish = resolve)) } as unknown as ComputeWorker['api'],
      onCrash: (callback) => {
        state.crash = callback;
      },
      terminate: () => {
        state.terminated = true;
      },
    };
  };
  return { made, create };
}

const request = { job: {}, hooks: { progress() {}, checkpoint() {} }, options: { cpuLimit: 1 } };

describe('ComputeSlot', () => {
  test('default: a run resolves with its outcome', async () => {
    const { made, create } = fakeWorkers();
    const run = new ComputeSlot(create, 1_000).run(request);
    made[0]!.finish!({ elapsedMs: 1 });
    await expect(run).resolves.toEqual({ elapsedMs: 1 });
  });

  test('behavior: a hung worker is terminated and replaced, and its run rejects', async () => {
    vi.useFakeTimers();
    try {
      const { made, create } = fakeWorkers();
      const run = new ComputeSlot(create, 5_000).run(request);
      const failed = expect(run).rejects.toThrow(WorkerHangError);
      await vi.advanceTimersByTimeAsync(5_001);
      await failed;
      expect(made[0]!.terminated).toBe(true);
      expect(made).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  test('behavior: a rest for the CPU limit is not a hang', async () => {
    vi.useFakeTimers();
    try {
      const { made, create } = fakeWorkers();
      let hooks: { resting?: (ms: number) => void } = {};
      const run = new ComputeSlot(() => {
        const worker = create();
        worker.api.run = ((_job: unknown, h: typeof hooks) => {
          hooks = h;
          return new Promise((r) => (made.at(-1)!.finish = r));
        }) as never;
        return worker;
      }, 5_000).run(request);
      hooks.resting!(20_000);
      await vi.advanceTimersByTimeAsync(24_000);
      made[0]!.finish!('ok');
      await expect(run).resolves.toBe('ok');
      expect(made).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  test('behavior: a crashed worker is replaced, and its run rejects with the message', async () => {
    const { made, create } = fakeWorkers();
    const slot = new ComputeSlot(create, 60_000);
    const run = slot.run(request);
    made[0]!.crash!('out of memory');
    await expect(run).rejects.toThrow(new WorkerCrashError('out of memory'));
    expect(made).toHaveLength(2);
    // The replacement takes the next run.
    const next = slot.run(request);
    made[1]!.finish!('ok');
    await expect(next).resolves.toBe('ok');
  });

  test('behavior: a worker that died between runs is replaced before the next run', async () => {
    const { made, create } = fakeWorkers();
    const slot = new ComputeSlot(create, 60_000);
    made[0]!.crash!('failed to load');
    const run = slot.run(request);
    expect(made).toHaveLength(2);
    made[1]!.finish!('ok');
    await expect(run).resolves.toBe('ok');
  });

  test('behavior: terminating stops the run without replacing the worker', async () => {
    const { made, create } = fakeWorkers();
    const pool = new WorkerPool(2, { hangMs: 60_000, create });
    const run = pool.slots[0]!.run(request);
    pool.terminate();
    await expect(run).rejects.toThrow(RunStoppedError);
    expect(made.map((w) => w.terminated)).toEqual([true, true]);
    expect(made).toHaveLength(2);
  });

  test('error: a pool of no workers is refused', () => {
    expect(() => new WorkerPool(0, { hangMs: 1, create: fakeWorkers().create })).toThrow(/at least one worker, got 0/);
  });
});
