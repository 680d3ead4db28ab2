/**
 * @module server/training/trainer
 * The trainer pass: the coordinator as parameter server (docs/training.md). For each running job it opens the next
 * round (a batch of units, each H local steps on one shard from the newest version), closes a round when
 * round.ts says so (aggregating the applicable results robustly, applying the outer Nesterov step, evaluating the
 * new version on the held-out digits), bans the hosts a recomputation caught, and fails units of expired rounds.
 * Idempotent and safe beside another process: closing a round is one transaction that does nothing when the round
 * is closed already, and each result is applied at most once (training_updates).
 */
import type { Pass } from '../passes/passes.ts';
import type { ModelState, PendingUpdate, RunningJob, TrainingStore } from '../store/training.ts';
import { jobFinished } from '../../worker-kernels/training/schedule.ts';
import { gatedStep } from './gate.ts';
import { decodeUpdate } from './model-state.ts';
import { directionScreen, evenProbes, probeAlong, screenUpdates } from './screen.ts';
import { decideRound, recomputedUnits, shuffledUnits } from './round.ts';
import type { TrainingModelOps } from './model-ops.ts';

export const BAN_REASON = 'a recomputation of one of its training results on other hosts disagreed with it';

export interface TrainerOptions {
  /** The coin that picks recomputed units; unpredictable by default (crypto), seeded in tests. */
  random?: () => number;
  /** Called with each round closed (the market burns a paying job's share then). */
  onRoundClosed?: (job: RunningJob, round: number, applied: readonly PendingUpdate[]) => Promise<void>;
}

const cryptoRandom = () => crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;

export function trainer(training: TrainingStore, ops: TrainingModelOps, options: TrainerOptions = {}): Pass {
  const random = options.random ?? cryptoRandom;
  return async (_store, now) => {
    const banned = await training.banCaught('training', BAN_REASON, now);
    const expired = await training.expireUnits(now);
    let busy = banned.length > 0 || expired > 0;
    for (const job of await training.runningJobs()) {
      busy = (await advance(training, ops, job, now, random, options)) || busy;
    }
    return busy;
  };
}

/**
 * The next version, screened (screen.ts) and checked by the job's gate (gate.ts): with the job's `screen`, results
 * whose pseudo-gradient disagrees in direction with the coordinate median of the round's ('direction'), or raises the
 * validation loss along a short probe ('loss'), are left out first; then the version is made from all the rest, or
 * from those that pass the check alone, or the current version again where neither passes, so a majority of
 * cheaters not yet banned can stall the model, not wreck it. The round still closes and all its results count as
 * applied, so none is applied later; `stepped` is how many of them the next version was made from (0: refused, the
 * round does not count as applied).
 */
async function checked(ops: TrainingModelOps, job: RunningJob, current: ModelState, updates: readonly PendingUpdate[]) {
  const { gateLoss, screen, screenProbe, screenDistance, block } = job.submission.hyper;
  const step = (some: readonly PendingUpdate[]) => ops.step(job, current, some);
  let kept = updates;
  // A result that does not decode to the model's size scores NaN and is dropped (nextVersion would skip it anyway).
  const delta = (u: PendingUpdate) => decodeUpdate(u, block);
  if (screen === 'direction' && updates.length > 0) {
    kept = directionScreen(updates, delta, current.params.length).kept;
  }
  if (gateLoss === 0 && screen !== 'loss') return { next: step(kept), stepped: kept.length };
  const before = await ops.validationLoss(job, current.params);
  const loss = (next: ModelState) => ops.validationLoss(job, next.params);
  if (screen === 'loss' && updates.length > 0) {
    const deltas = new Map(updates.map((u) => [u, delta(u)]));
    const usable = [...deltas.values()].filter((d): d is Float32Array => d?.length === current.params.length);
    // An update's probe: γ times the round's median update length (screen.ts evenProbes), or γ times its own.
    const even = screenDistance === 'median' ? evenProbes(usable, screenProbe) : [];
    const probes = new Map(even.map((probe, i) => [usable[i]!, probe]));
    const along = (u: PendingUpdate) => {
      const d = deltas.get(u);
      return d?.length === current.params.length
        ? ops.validationLoss(job, probeAlong(current.params, d, probes.get(d) ?? screenProbe))
        : Number.NaN;
    };
    kept = (await screenUpdates(updates, before, along)).kept;
  }
  if (gateLoss === 0) return { next: step(kept), stepped: kept.length };
  const { state, applied } = await gatedStep(kept, before, { step, loss, gateLoss });
  return {
    next: state ?? { params: current.params, momentum: current.momentum, aggregate: current.aggregate },
    stepped: applied,
  };
}

/** One job one step on: open its next round, or close the open one when it is due. Returns whether it did. */
async function advance(
  training: TrainingStore,
  ops: TrainingModelOps,
  job: RunningJob,
  now: number,
  random: () => number,
  options: TrainerOptions,
): Promise<boolean> {
  const { hyper } = job.submission;
  if (!job.open) {
    const model = (await training.model(job.jobId))!;
    const round = job.closed;
    const units = await ops.unitsFor(
      job,
      model.params,
      round,
      recomputedUnits(hyper.unitsPerRound, hyper.recompute, random),
    );
    await training.openRound({
      jobId: job.jobId,
      round,
      baseVersion: model.version,
      units: shuffledUnits(units, random),
      deadline: now + hyper.roundDeadlineS * 1000,
      now,
    });
    return true;
  }
  const { round, deadline } = job.open;
  const progress = await training.roundProgress(job.jobId, round);
  if (decideRound(progress, { now, deadline, quorum: hyper.quorum }) === 'wait') return false;
  const updates = await training.pendingUpdates(job.jobId, Math.max(0, round - hyper.maxStaleness), round);
  const model = (await training.model(job.jobId))!;
  const { next, stepped } = await checked(ops, job, model, updates);
  const heldout = await ops.evaluate(job, next.params);
  await training.closeRound({
    jobId: job.jobId,
    round,
    applied: updates.map((u) => u.replicaId),
    stepped,
    next,
    trainLoss: ops.trainLoss(updates),
    heldoutLoss: heldout.loss,
    heldoutAccuracy: heldout.accuracy,
    expireThrough: round - hyper.maxStaleness,
    // Rounds applied, not run, make a job (schedule.ts): a refused round is run again, up to the job's cap.
    finished: jobFinished(
      { applied: job.applied + (stepped > 0 ? 1 : 0), run: round + 1 },
      job.submission.rounds,
      hyper.roundsCap,
    ),
    now,
  });
  await options.onRoundClosed?.(job, round, updates);
  return true;
}
