/**
 * @module server/training/trainer
 * The trainer pass: the coordinator as parameter server (docs/training.md). For each running job it opens the next
 * round (a batch of units, each H local steps on one shard from the newest version), closes a round when
 * round.ts says so (aggregating the applicable results robustly, applying the outer Nesterov step, evaluating the
 * new version on the held-out digits), or first deals its refused shards again (a second wave, once per round),
 * bans the hosts a recomputation caught, and fails units of expired rounds. Idempotent and safe beside another
 * process: closing a round, or dealing it again, is one transaction that does nothing when the round is closed or
 * dealt again already, and each result is applied at most once (training_updates).
 */
import type { Pass } from '../passes/passes.ts';
import type { ModelState, PendingUpdate, RunningJob, TrainingStore } from '../store/training.ts';
import { mulberry32 } from '../../worker-kernels/random.ts';
import { TRAIN_SIZE } from '../../worker-kernels/training/dataset.ts';
import { jobFinished } from '../../worker-kernels/training/schedule.ts';
import { gatedStep } from './gate.ts';
import { decodeUpdate, drawValidation, meanLoss } from './model-state.ts';
import { directionScreen, evenProbes, probeAlong, screenUpdates } from './screen.ts';
import { decideRound, recomputedUnits, shuffledUnits } from './round.ts';
import type { TrainingModelOps } from './model-ops.ts';

export const BAN_REASON = 'a recomputation of one of its training results on other hosts disagreed with it';

export interface TrainerOptions {
  /** The coin that picks recomputed units; unpredictable by default (crypto), seeded in tests. */
  random?: () => number;
  /**
   * The coin that draws each round's check digits (model-state.ts drawValidation): unpredictable by default (crypto);
   * a stream of its own, seeded where `random` is, so that drawing digits moves none of `random`'s draws.
   */
  digitsRandom?: () => number;
  /** Called with each round closed (the market burns a paying job's share then). */
  onRoundClosed?: (job: RunningJob, round: number, applied: readonly PendingUpdate[]) => Promise<void>;
}

const cryptoRandom = () => crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;

export function trainer(training: TrainingStore, ops: TrainingModelOps, options: TrainerOptions = {}): Pass {
  const random = options.random ?? cryptoRandom;
  const digitsRandom = options.digitsRandom ?? (options.random ? mulberry32(0x5eed) : cryptoRandom);
  const coins = { ...options, digitsRandom };
  return async (_store, now) => {
    const banned = await training.banCaught('training', BAN_REASON, now);
    const expired = await training.expireUnits(now);
    let busy = banned.length > 0 || expired > 0;
    for (const job of await training.runningJobs()) {
      busy = (await advance(training, ops, job, now, random, coins)) || busy;
    }
    return busy;
  };
}

/**
 * What a round is checked on at its close: the losses of the digits drawn for it (model-state.ts drawValidation) at
 * any parameters, and at the current version (`before`, taken once).
 */
interface RoundCheck {
  losses: (params: Float32Array) => Promise<Float64Array>;
  before: () => Promise<Float64Array>;
}

/**
 * The results the job's suspicion screen keeps (screen.ts): with 'direction', those whose pseudo-gradient agrees in
 * direction with the coordinate median of the round's; with 'loss', those that do not raise the validation loss
 * along a short probe by more than the job's margin of standard errors (`before`: each validation digit's loss at the
 * current version); all of them with 'none'.
 */
async function screened(
  job: RunningJob,
  current: ModelState,
  updates: readonly PendingUpdate[],
  { losses, before }: RoundCheck,
): Promise<readonly PendingUpdate[]> {
  const { screen, screenProbe, screenDistance, screenMargin } = job.submission.hyper;
  if (updates.length === 0) return updates;
  // A result that does not decode to the model's size scores NaN and is dropped (nextVersion would skip it anyway).
  const delta = (u: PendingUpdate) => decodeUpdate(u, job.submission);
  if (screen === 'direction') return directionScreen(updates, delta, current.params.length).kept;
  if (screen !== 'loss') return updates;
  const deltas = new Map(updates.map((u) => [u, delta(u)]));
  const usable = [...deltas.values()].filter((d): d is Float32Array => d?.length === current.params.length);
  // An update's probe: γ times the round's median update length (screen.ts evenProbes), or γ times its own.
  const even = screenDistance === 'median' ? evenProbes(usable, screenProbe) : [];
  const probes = new Map(even.map((probe, i) => [usable[i]!, probe]));
  const along = (u: PendingUpdate) => {
    const d = deltas.get(u);
    return d?.length === current.params.length
      ? losses(probeAlong(current.params, d, probes.get(d) ?? screenProbe))
      : [Number.NaN];
  };
  return (await screenUpdates(updates, await before(), along, screenMargin)).kept;
}

/**
 * The next version from the screened results, checked by the job's gate (gate.ts): made from all of them, or from
 * those that pass the check alone, or the current version again where neither passes, so a majority of cheaters not
 * yet banned can stall the model, not wreck it. The round still closes and all its results count as applied, so
 * none is applied later; `stepped` is how many of them the next version was made from (0: refused, the round does
 * not count as applied).
 */
async function checked(
  ops: TrainingModelOps,
  job: RunningJob,
  current: ModelState,
  kept: readonly PendingUpdate[],
  { losses, before }: RoundCheck,
) {
  const { gateLoss } = job.submission.hyper;
  const step = (some: readonly PendingUpdate[]) => ops.step(job, current, some);
  if (gateLoss === 0) return { next: step(kept), stepped: kept.length };
  const loss = async (next: ModelState) => meanLoss(await losses(next.params));
  const { state, applied } = await gatedStep(kept, meanLoss(await before()), { step, loss, gateLoss });
  return {
    next: state ?? { params: current.params, momentum: current.momentum, aggregate: current.aggregate },
    stepped: applied,
  };
}

/**
 * The shards of the round to deal again: those without a kept result of the round (the screen refused it, or it
 * never came), as many as it kept at most, in an order drawn from the coin. None where the job does not deal again,
 * the round did already, or it predates migration 28. The bound: whoever asks first may take the units dealt again
 * (but their first holders), and the second screen compares them with the kept ones; fewer, they cannot outvote
 * those (nor set the median length every update is probed at).
 */
function shardsToDealAgain(job: RunningJob, round: number, kept: readonly PendingUpdate[], random: () => number) {
  if (!job.submission.hyper.redeal || job.open?.dealtAgain !== 0) return [];
  const ours = kept.filter((u) => u.round === round);
  const covered = new Set(ours.map((u) => u.shard));
  const missing = [...Array(job.submission.hyper.unitsPerRound).keys()].filter((shard) => !covered.has(shard));
  return missing.length <= ours.length ? missing : shuffledUnits(missing, random).slice(0, ours.length);
}

/**
 * Deals the round's shards `again` (trainer's second wave): the results the screen refused are spent, the shards
 * they and the missing ones trained on go out once more, from the same version with fresh seeds, to anyone but their
 * holders (the store's dealAgain), and the round closes later on the kept results and the new ones, screened
 * together, so the shards a team of cheaters drew are still trained this round (docs/training-jobs.md).
 */
async function secondWave(
  training: TrainingStore,
  ops: TrainingModelOps,
  job: RunningJob,
  wave: {
    params: Float32Array;
    updates: readonly PendingUpdate[];
    kept: readonly PendingUpdate[];
    again: readonly number[];
    now: number;
    random: () => number;
  },
) {
  const { hyper } = job.submission;
  const { params, updates, again, now, random } = wave;
  const recomputed = recomputedUnits(again.length, hyper.recompute, random);
  const units = await ops.unitsFor(job, params, job.open!.round, recomputed, again);
  const keep = new Set(wave.kept);
  await training.dealAgain({
    jobId: job.jobId,
    round: job.open!.round,
    screened: updates.map((u) => u.replicaId),
    refused: updates.filter((u) => !keep.has(u)).map((u) => u.replicaId),
    units: shuffledUnits(units, random),
    deadline: now + hyper.roundDeadlineS * 1000,
    now,
  });
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
  const dealtAgain = (job.open.dealtAgain ?? 0) > 0;
  if (decideRound(progress, { now, deadline, quorum: hyper.quorum, dealtAgain }) === 'wait') return false;
  const updates = await training.pendingUpdates(job.jobId, Math.max(0, round - hyper.maxStaleness), round);
  const model = (await training.model(job.jobId))!;
  // The digits this close checks on, drawn now from a coin of their own, so no volunteer can fit an update to them.
  const digits = drawValidation(options.digitsRandom!, TRAIN_SIZE);
  const losses = (params: Float32Array) => ops.validationLosses(job, params, digits);
  let atVersion: Promise<Float64Array> | undefined;
  const check: RoundCheck = { losses, before: () => (atVersion ??= losses(model.params)) };
  const kept = await screened(job, model, updates, check);
  const again = shardsToDealAgain(job, round, kept, random);
  if (again.length > 0) {
    await secondWave(training, ops, job, { params: model.params, updates, kept, again, now, random });
    return true;
  }
  const { next, stepped } = await checked(ops, job, model, kept, check);
  const heldout = await ops.evaluate(job, next.params);
  await training.closeRound({
    jobId: job.jobId,
    round,
    dealtAgain: job.open.dealtAgain,
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
