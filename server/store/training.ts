/**
 * @module server/store/training
 * The training store: a project's training jobs (each one batch of the project), their rounds, the model versions
 * the rounds produce, which results were applied, and the hosts banned for a result that a recomputation
 * contradicted. The research API and the trainer pass (server/training/trainer.ts) see only this; only
 * server/store/sql/training-store.ts speaks its SQL. Every method is one transaction.
 */
import type { AppOutput } from '../../protocol/apps.ts';
import type { TrainingJob, TrainingJobState, TrainingJobSubmission } from '../../protocol/training-job.ts';
import type { NewWorkUnit } from './types.ts';

/**
 * A model version's state, all f32: its parameters, the outer optimiser's momentum, and the robust aggregate that
 * made it (zeros for version 0), where the next round's CenteredClip starts (worker-kernels/training/robust.ts).
 */
export interface ModelState {
  params: Float32Array;
  momentum: Float32Array;
  aggregate: Float32Array;
}

/** A running job as the trainer pass sees it. */
export interface RunningJob {
  jobId: number;
  projectId: number;
  submission: TrainingJobSubmission;
  /** The newest model version. */
  version: number;
  /**
   * The round open now, if any (none before the first and between a close and the next open). `dealtAgain`: how many
   * of its units it dealt again (trainer.ts), 0 while it has not, null for a round opened before units kept their
   * shard (migration 28), which is never dealt again.
   */
  open: { round: number; baseVersion: number; deadline: number; dealtAgain: number | null } | undefined;
  /** Rounds closed so far. */
  closed: number;
  /** Rounds closed that stepped the model (a round the check refused, or one without updates, did not). */
  applied: number;
}

/** A result not yet applied: the canonical result of one of the job's units, from a host that is not banned. */
export interface PendingUpdate {
  replicaId: number;
  hostId: number;
  round: number;
  /** The shard its unit trained on; null for a unit from before migration 28. */
  shard: number | null;
  result: AppOutput;
}

/** One of a round's units: the work, and which of the job's shards it trains on. */
export interface RoundUnit extends NewWorkUnit {
  shard: number;
}

export interface RoundProgress {
  /** Units that may still bring an applicable result or have one: not failed, their result not refused already. */
  units: number;
  /** Units with an applicable result (canonical, valid, from a host not banned, not yet applied). */
  reported: number;
}

export interface RoundClose {
  jobId: number;
  round: number;
  /**
   * The units the round had dealt again when the trainer read it (RunningJob.open.dealtAgain): the close does nothing
   * where another process has dealt it again since, as its results are no longer the ones this close screened.
   */
  dealtAgain: number | null;
  /** The results this close applies (each only ever once), whether or not the round check let them step the model. */
  applied: number[];
  /** How many updates the next version was stepped with: 0 where the round check refused the round. */
  stepped: number;
  next: ModelState;
  trainLoss: number | null;
  heldoutLoss: number;
  heldoutAccuracy: number;
  /** Rounds up to this one take no more results: their undecided units fail ("round closed"). */
  expireThrough: number;
  /** The job's last round: the job is done. */
  finished: boolean;
  now: number;
}

/** A round's second wave (TrainingStore.dealAgain). */
export interface RoundDeal {
  jobId: number;
  round: number;
  /** The results the trainer screened (pendingUpdates), of which `refused` are the ones it refused. */
  screened: number[];
  refused: number[];
  units: RoundUnit[];
  deadline: number;
  now: number;
}

export interface TrainingStore {
  /** Creates a job and its version 0 (the initial parameters); returns its id. */
  createJob(params: {
    projectId: number;
    submission: TrainingJobSubmission;
    initial: ModelState;
    now: number;
  }): Promise<number>;
  /** The project's jobs, newest first, without their histories. */
  jobs(projectId: number): Promise<Omit<TrainingJob, 'history'>[]>;
  /** One job of the project with its rounds; undefined when it is not the project's. */
  job(projectId: number, jobId: number): Promise<TrainingJob | undefined>;
  /** Cancels a running job of the project: its open units fail. False when it is not the project's or not running. */
  cancelJob(projectId: number, jobId: number, now: number): Promise<boolean>;
  runningJobs(): Promise<RunningJob[]>;
  /** A model version (the newest without `version`), with the job it belongs to; undefined when there is none. */
  model(
    jobId: number,
    version?: number,
  ): Promise<(ModelState & { version: number; state: TrainingJobState }) | undefined>;
  /** Opens a round: its units join the job's batch, each a single replica unless recomputed. */
  openRound(params: {
    jobId: number;
    round: number;
    baseVersion: number;
    units: RoundUnit[];
    deadline: number;
    now: number;
  }): Promise<void>;
  /**
   * Deals units of an open round again, once: the results in `refused` count as applied (none is applied later),
   * the round's undecided units fail, `units` join the round, never sent to the holders of its refused or missing
   * units, and its deadline moves to `deadline`. False, changing nothing, when the round is closed or was dealt again
   * already (by another process), or has a result of its own not among `screened` (it came after the trainer read).
   */
  dealAgain(deal: RoundDeal): Promise<boolean>;
  roundProgress(jobId: number, round: number): Promise<RoundProgress>;
  /** Results of the job's rounds `from`..`to` not yet applied, from hosts not banned. */
  pendingUpdates(jobId: number, from: number, to: number): Promise<PendingUpdate[]>;
  /** Closes a round: the next model version, the applied results, the round's figures, expired rounds. */
  closeRound(close: RoundClose): Promise<void>;
  /**
   * Bans every host with an invalid result of `app` not yet banned (a recomputation disagreed with it, and the
   * quorum sided with the other hosts), with its volunteer and network (server/store/sql/identity-bans.ts). Returns
   * the hosts banned now.
   */
  banCaught(app: string, reason: string, now: number): Promise<number[]>;
  /** Fails the still undecided units of expired rounds (reopened by a revocation since). Returns how many. */
  expireUnits(now: number): Promise<number>;
}
