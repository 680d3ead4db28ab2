/**
 * @module server/training/model-ops
 * What the trainer pass does with models, over the training app's own code (worker-kernels/training/): a round's
 * units from a version's parameters, the next version from the applied results (robust aggregate, then the outer
 * Nesterov step), the held-out evaluation. The trainer sees this interface only, so its tests run on a tiny model.
 */
import type { TrainingJobSubmission } from '../../protocol/training-job.ts';
import { trainingInput } from '../../worker-kernels/training/input.ts';
import { estimateTrainingFlops } from '../../worker-kernels/training/flops.ts';
import { innerLrAt } from '../../worker-kernels/training/schedule.ts';
import { deriveSeed } from '../../worker-kernels/random.ts';
import type { ModelState, PendingUpdate, RoundUnit, RunningJob } from '../store/training.ts';
import { unitDelayBound } from './round.ts';
import { evaluateInWorker, shardsInWorker, validationLossesInWorker } from './mnist-worker.ts';
import { decodeUpdate, nextVersion } from './model-state.ts';

export interface TrainingModelOps {
  /**
   * The round's units from the version's parameters, one per shard; `recomputed[i]` sends unit i to two hosts. With
   * `again`, units of those shards only, dealt again within the round: their seeds differ from the first units'.
   */
  unitsFor(
    job: RunningJob,
    params: Float32Array,
    round: number,
    recomputed: readonly boolean[],
    again?: readonly number[],
  ): Promise<RoundUnit[]>;
  /** The next version from the current one and the applicable results. */
  step(job: RunningJob, current: ModelState, updates: readonly PendingUpdate[]): ModelState;
  evaluate(job: RunningJob, params: Float32Array): Promise<{ loss: number; accuracy: number }>;
  /**
   * Each loss of the training digits at `digits` (model-state.ts drawValidation, drawn for each round's check), in
   * their order, the loss the job's units train on (its label smoothing included): their mean decides whether a round
   * is applied, and the loss screen compares them digit by digit.
   */
  validationLosses(job: RunningJob, params: Float32Array, digits: Uint16Array): Promise<Float64Array>;
  /** The mean training loss the results report over their local steps; null without results. */
  trainLoss(updates: readonly PendingUpdate[]): number | null;
}

/** A unit's limits: one replica, or two compared (and a third to break a tie); errors reissue it a few times. */
function limits(submission: TrainingJobSubmission, recomputed: boolean) {
  return {
    minQuorum: recomputed ? 2 : 1,
    targetNresults: recomputed ? 2 : 1,
    maxErrorResults: 3,
    maxTotalResults: recomputed ? 6 : 4,
    delayBoundS: unitDelayBound(submission.hyper),
  };
}

/** Shards by what deals them (count, seed, α): dealt once per job, a volunteer's data stays its shard's. */
const shardCache = new Map<string, Promise<Uint16Array[]>>();

function shardsOf({ submission: { hyper } }: RunningJob): Promise<Uint16Array[]> {
  const seed = deriveSeed(hyper.seed, 'shards');
  const key = `${hyper.unitsPerRound} ${seed} ${hyper.dirichletAlpha}`;
  let shards = shardCache.get(key);
  if (!shards) {
    shards = shardsInWorker(hyper.unitsPerRound, seed, hyper.dirichletAlpha);
    shards.catch(() => shardCache.delete(key));
    shardCache.set(key, shards);
  }
  return shards;
}

export const mnistOps: TrainingModelOps = {
  async unitsFor(job, params, round, recomputed, again) {
    const { hyper, model } = job.submission;
    const shards = await shardsOf(job);
    return (again ?? [...shards.keys()]).map((shard, i) => {
      const input = trainingInput({
        model,
        version: job.version,
        parameters: params,
        samples: shards[shard]!,
        seed: deriveSeed(hyper.seed, again ? `round ${round} again unit ${shard}` : `round ${round} unit ${shard}`),
        steps: hyper.localSteps,
        batch: hyper.batchSize,
        inner: {
          lr: innerLrAt(
            { lr: hyper.innerLr, schedule: hyper.innerLrSchedule, floor: hyper.innerLrFloor },
            job.applied,
            job.submission.rounds,
          ),
          momentum: hyper.innerMomentum,
          // Left out at 0, so a job without it sends units as before the field.
          ...(hyper.innerWeightDecay > 0 && { weightDecay: hyper.innerWeightDecay }),
          ...(hyper.labelSmoothing > 0 && { labelSmoothing: hyper.labelSmoothing }),
        },
        block: hyper.block,
        bits: hyper.codeBits,
        ...(hyper.augment > 0 && { augment: hyper.augment }),
      });
      return {
        shard,
        job: { app: 'training', input },
        flopsEstimate: estimateTrainingFlops(input),
        ...limits(job.submission, recomputed[i] ?? false),
      };
    });
  },
  step: (job, current, updates) =>
    nextVersion(
      job.submission,
      current,
      updates.flatMap((u) => decodeUpdate(u, job.submission) ?? []),
      deriveSeed(job.submission.hyper.seed, `round ${job.open?.round ?? job.closed} buckets`),
    ),
  // In a worker thread: seconds of JavaScript for a CNN, and the digits' 100 MB out of the coordinator's heap.
  evaluate: (job, params) => evaluateInWorker(job.submission.model, params),
  validationLosses: (job, params, digits) =>
    validationLossesInWorker(job.submission.model, params, { digits, smoothing: job.submission.hyper.labelSmoothing }),
  trainLoss(updates) {
    const losses = updates.flatMap((u) => (u.result.app === 'training' ? [u.result.output.loss.mean] : []));
    return losses.length === 0 ? null : losses.reduce((a, b) => a + b, 0) / losses.length;
  },
};
