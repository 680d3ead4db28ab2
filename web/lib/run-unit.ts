/**
 * @module web/lib/run-unit
 * One replica from the buffer through a worker: resume from the checkpoint read with it, persist each new checkpoint,
 * and on success move the result to the outbox. A run that fails (kernel error, crashed or hung worker) is retried
 * once; the second failure goes to the outbox as a client error, which the coordinator counts and reissues. A unit
 * whose shader overran its time limit is retried as WebAssembly: the same dispatch would overrun again, and whether
 * the GPU looked free again by then (worker-kernels/gpu-watch.ts) was a race.
 */
import { serializeError } from '../../protocol/error-wire.ts';
import type { ResultEntry } from '../../protocol/work.ts';
import type { RunOptions, RunOutcome } from '../../worker-kernels/worker.ts';
import { saveCheckpoint } from './storage/checkpoints.ts';
import { completeUnit, recordAttempt, type ReadyUnit } from './storage/work-buffer.ts';
import { RunStoppedError, type ComputeSlot } from './worker-pool.ts';
import { shaderOverran } from '../../worker-kernels/custom/errors.ts';

/** Runs of one replica before it is reported as an error. */
export const MAX_ATTEMPTS = 2;

/** Replicas of this page whose shader overran: their retry keeps off the GPU. */
const overranOnGpu = new Set<ReadyUnit['assignment']['replicaId']>();

export interface UnitProgress {
  /** Fraction done, 0..1, counting what the checkpoint saved. */
  progress: number;
  /** The fraction the run resumed from, or null when it started from zero. */
  resumedFrom: number | null;
}

export type UnitOutcome =
  /** `saved` settles when the result is in the outbox; the worker may take its next unit before that. */
  | { kind: 'done'; outcome: RunOutcome; saved: Promise<void> }
  | { kind: 'retry'; error: Error }
  | { kind: 'failed'; error: Error }
  | { kind: 'stopped' };

export async function runUnit(
  slot: ComputeSlot,
  { assignment, checkpoint: stored }: ReadyUnit,
  options: RunOptions,
  onProgress: (p: UnitProgress) => void,
): Promise<UnitOutcome> {
  const { replicaId } = assignment;
  const resumedFrom = stored ? stored.progress : null;
  let fraction = stored?.progress ?? 0;
  onProgress({ progress: fraction, resumedFrom });
  const started = performance.now();
  try {
    const outcome = await slot.run({
      job: { app: assignment.app, input: assignment.input },
      hooks: {
        progress(f) {
          fraction = f;
          onProgress({ progress: f, resumedFrom });
        },
        checkpoint(state) {
          void saveCheckpoint(replicaId, state, fraction, Date.now());
        },
      },
      resumeFrom: stored?.state,
      options: overranOnGpu.has(replicaId) ? { ...options, gpu: false } : options,
    });
    overranOnGpu.delete(replicaId);
    const entry: ResultEntry = {
      status: 'success',
      replicaId,
      variant: outcome.variant,
      elapsedMs: outcome.elapsedMs,
      result: outcome.result,
    };
    return { kind: 'done', outcome, saved: completeUnit(replicaId, entry, Date.now()) };
  } catch (e) {
    if (e instanceof RunStoppedError) return { kind: 'stopped' };
    const error = e instanceof Error ? e : new Error(String(e));
    if ((await recordAttempt(replicaId)) < MAX_ATTEMPTS) {
      if (shaderOverran(error)) overranOnGpu.add(replicaId);
      return { kind: 'retry', error };
    }
    overranOnGpu.delete(replicaId);
    const elapsedMs = performance.now() - started;
    // The worker's error as it came through comlink, its causes and details too (a trap's memory, a time limit).
    const report: ResultEntry = { status: 'error', replicaId, elapsedMs, error: serializeError(error) };
    await completeUnit(replicaId, report, Date.now());
    return { kind: 'failed', error };
  }
}
