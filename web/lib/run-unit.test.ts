import { beforeEach, describe, expect, test, vi } from 'vitest';
import { serializeError } from '../../protocol/error-wire.ts';
import { reviveError } from '../../protocol/remote-error.ts';
import { CustomAppError } from '../../worker-kernels/custom/errors.ts';
import type { RunOptions, RunOutcome } from '../../worker-kernels/worker.ts';
import type { ReadyUnit } from './storage/work-buffer.ts';
import type { ComputeSlot, RunRequest } from './worker-pool.ts';

// The page's IndexedDB (Node has none): attempts counted per replica, results kept in memory.
const attempts = new Map<string, number>();
vi.mock('./storage/work-buffer.ts', () => ({
  recordAttempt: async (id: string) => {
    attempts.set(id, (attempts.get(id) ?? 0) + 1);
    return attempts.get(id)!;
  },
  completeUnit: async () => {},
}));
vi.mock('./storage/checkpoints.ts', () => ({ saveCheckpoint: async () => {} }));

const { runUnit } = await import('./run-unit.ts');

const OUTCOME = { result: {}, variant: 'wasm', elapsedMs: 1, busyMs: 1 } as unknown as RunOutcome;

/** A slot whose runs throw `errors` in turn, then succeed; it records the options of each run. */
function slotThrowing(...errors: Error[]) {
  const seen: RunOptions[] = [];
  const slot = {
    run: async ({ options }: RunRequest) => {
      seen.push(options);
      const error = errors.shift();
      if (error) throw error;
      return OUTCOME;
    },
  } as unknown as ComputeSlot;
  return { slot, seen };
}

let units = 0;
const unit = (): ReadyUnit =>
  ({
    assignment: { replicaId: `r${++units}`, app: 'custom', input: {} },
    attempts: 0,
    checkpoint: undefined,
  }) as unknown as ReadyUnit;
/** An error as it reaches the page from the worker: its name and details kept, its class not. */
const fromWorker = (error: Error) => reviveError(serializeError(error));
const options = { cpuLimit: 1, gpu: true };

describe('runUnit', () => {
  beforeEach(() => attempts.clear());

  test('behavior: a unit whose shader overran is retried off the GPU', async () => {
    const overran = new CustomAppError('e2e-runaway: its shader was stopped at its time limit of 300 ms', {
      timedOut: true,
      shader: true,
    });
    const { slot, seen } = slotThrowing(fromWorker(overran));
    const u = unit();
    expect((await runUnit(slot, u, options, () => {})).kind).toBe('retry');
    expect((await runUnit(slot, u, options, () => {})).kind).toBe('done');
    expect(seen).toEqual([options, { ...options, gpu: false }]);
    // Once done, the replica is forgotten: nothing of it carries over.
    const next = slotThrowing();
    await runUnit(next.slot, u, options, () => {});
    expect(next.seen).toEqual([options]);
  });

  test('behavior: other failures are retried as the first run was, a module overrunning its limit too', async () => {
    const failures = [
      new CustomAppError('e2e-broken: shader does not compile'),
      new CustomAppError('e2e-spin: stopped at its time limit of 500 ms', { timedOut: true }),
    ];
    for (const failure of failures) {
      const { slot, seen } = slotThrowing(fromWorker(failure), fromWorker(failure));
      const u = unit();
      expect((await runUnit(slot, u, options, () => {})).kind).toBe('retry');
      expect((await runUnit(slot, u, options, () => {})).kind).toBe('failed');
      expect(seen).toEqual([options, options]);
    }
  });
});
