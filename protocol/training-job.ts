/**
 * @module protocol/training-job
 * A training job as researchers submit and follow it (POST/GET /api/research/training-jobs): a model, a dataset,
 * the hyper-parameters of its rounds, and how many rounds. The coordinator is the parameter server: each round adds
 * work units to the job's batch (H local steps on one shard from model version v), aggregated into version v+1
 * (docs/training.md). The unit's own input and output are the training app's (protocol/training.ts).
 */
import { z } from 'zod';
import { ModelSpec } from './training.ts';
import { Id } from './work.ts';

export const TrainingDataset = z.enum(['mnist']);
export type TrainingDataset = z.infer<typeof TrainingDataset>;

/** The share of units recomputed on another host: at least 5% (docs/training.md: a cheater's odds), at most all. */
export const MIN_RECOMPUTE = 0.05;

/**
 * The defaults are what the bench measures (bench/training.ts reads them from here; docs/training.md gives each
 * figure): a CNN unit of H = 200 steps of 4 digits in 4-bit codes uploads 1/1,163 of what f32 gradients after
 * every step would, and ten units a round of 800 digits each make a round one pass over the 8,000 training digits.
 */
export const TrainingHyper = z.strictObject({
  /** H: local steps of a work unit between synchronisations. */
  localSteps: z.number().int().min(1).max(2_000).default(200),
  batchSize: z.number().int().min(1).max(512).default(4),
  /** The inner optimiser's (the volunteer's): SGD with heavy-ball momentum. */
  innerLr: z.number().positive().max(10).default(0.01),
  /** How the inner rate falls over the job's rounds (worker-kernels/training/schedule.ts): a cosine to a floor. */
  innerLrSchedule: z.enum(['constant', 'cosine']).default('cosine'),
  /**
   * Where the cosine stops, as a share of innerLr (schedule.ts `innerLrAt`); 0: the cosine to zero. With 0.3 and an
   * outer momentum of 0.8 the clean run gained 0.33 point over seeds 1–8, 7 of them up (docs/training.md, "A floor
   * under the cosine").
   */
  innerLrFloor: z.number().min(0).max(1).default(0.3),
  innerMomentum: z.number().min(0).max(0.999).default(0.9),
  /**
   * The inner optimiser's L2 weight decay, added to each step's gradient (g + wd·θ); 0: none. 0.001 by default: over
   * seeds 1–8 the clean run gained 0.16 point (97.08% held out, 6 seeds up) and its gap to central fell from 0.81 to
   * 0.58 (docs/training.md, "Weight decay in the units").
   */
  innerWeightDecay: z.number().min(0).max(0.1).default(0.001),
  /**
   * Label smoothing ε of the units' loss (1 − ε on the digit's class plus ε/10 on every class); 0: one-hot. 0.1 by
   * default: over seeds 1–8 the clean run gained 0.56 point (97.64% held out, every seed up) and central training
   * 0.45, so the gap between them fell from 0.58 to 0.47 (docs/training.md, "Label smoothing in the units").
   */
  labelSmoothing: z.number().min(0).max(0.5).default(0.1),
  /**
   * A job runs until it has applied its rounds (a round the check refuses does not count, and the inner rate waits
   * for it), or has run this many times as many: worker-kernels/training/schedule.ts `jobFinished`. 1: exactly its
   * rounds, applied or not.
   */
  roundsCap: z.number().int().min(1).max(4).default(2),
  /**
   * Augmentation: each digit a unit trains on is shifted by up to this many whole pixels each way, drawn from the
   * unit's seed (protocol/training.ts `augment`); 0 turns it off.
   */
  augment: z.number().int().min(0).max(4).default(0),
  /** Parameters per quantisation block of a result (protocol/training.ts). */
  block: z.number().int().min(16).max(4096).default(256),
  /**
   * Bits per code of a result (worker-kernels/training/compress.ts): 4 by default, which uploads 1/1,163 of what f32
   * gradients after every step would at H = 200 (8 bits: 1/590) and cost the clean run nothing measurable over seeds
   * 1–3 (docs/training.md, "Compression").
   */
  codeBits: z.union([z.literal(4), z.literal(8)]).default(4),
  /**
   * The outer Nesterov step the coordinator applies to the aggregated pseudo-gradient: DiLoCo's lr 0.7, with a
   * momentum of 0.8 where DiLoCo has 0.9 (with innerLrFloor, above).
   */
  outerLr: z.number().positive().max(10).default(0.7),
  outerMomentum: z.number().min(0).lt(1).default(0.8),
  /** Work units (shards) per round. */
  unitsPerRound: z.number().int().min(1).max(256).default(10),
  /** The share of a round's units that must have reported before the round may close at its deadline. */
  quorum: z.number().gt(0).max(1).default(0.5),
  /** Seconds after which a round closes with the updates it has (a quorum of them): no volunteer holds a round. */
  roundDeadlineS: z.number().int().min(1).max(86_400).default(600),
  /** Rounds an update may lag: one computed from version v is applied while the model is at most v + this. */
  maxStaleness: z.number().int().min(0).max(4).default(1),
  /** The share of units recomputed on another host; a mismatch bans the host (docs/training.md). */
  recompute: z.number().min(MIN_RECOMPUTE).max(1).default(0.08),
  /**
   * Nats a round may raise the loss on the coordinator's validation digits; a round that raises it more is retried
   * with the updates that pass alone, else not applied (its version repeats): server/training/gate.ts. 0 turns it
   * off. On by default: at 60% cheaters with recomputation, the scaled attack took a job to 10.20% without it and
   * 93.05% with it, and every job is recomputed in part, where 30% of cheaters made it refuse nothing
   * (docs/training.md).
   */
  gateLoss: z.number().min(0).max(10).default(0.1),
  /**
   * The suspicion screen results pass before the robust aggregate (server/training/screen.ts): 'direction' leaves
   * out each result whose pseudo-gradient has a cosine of 0 or less with the coordinate median of the round's;
   * 'loss' (Zeno) each one that raises the loss on the validation digits at θ − screenProbe·Δ, keeping the
   * better-scoring half where fewer than half lower it; 'none' none. 'loss' by default: over seeds 1–3 at 30% cheaters
   * (probed at the median distance) it left sign-flip, ipm and label-flip 0.17, 0.07 and 0.05 point below the clean
   * run's mean, which is 0.24 below the mean without it (docs/training.md, "Probing every update as far").
   */
  screen: z.enum(['none', 'direction', 'loss']).default('loss'),
  /** The loss screen's probe γ, a fraction of an update's length (see screenDistance). */
  screenProbe: z.number().positive().max(1).default(0.1),
  /**
   * How far the loss screen probes each update: 'median', γ times the round's median update length for every one,
   * so a short update is judged by its direction where an honest one is (ipm's −0.1·μ no longer hides below the
   * noise); 'own', γ times its own length (the rule before, docs/training.md "Suspicion screens").
   */
  screenDistance: z.enum(['median', 'own']).default('median'),
  /**
   * How many standard errors an update may raise the validation loss by and still pass the loss screen (each digit's
   * loss change along the probe paired with its loss at the current version: server/training/screen.ts). Late in a
   * job an honest update moves the loss by less than one standard error of 500 digits, so dropping every rise drops
   * honest updates at random. 2 by default: over seeds 1–3 the clean run gained 0.19 point and dealt 0–6 units again
   * instead of 26–36, and at 30% cheaters every attack but ALIE ended within 0.45 of clean in every seed; a sign-flip
   * within 2 standard errors now passes late in a job, which cost 60% sign-flip 0.24 point on the mean, within 1 of
   * clean (docs/training.md, "A margin for the loss screen"). 0: any rise is dropped (the rule before).
   */
  screenMargin: z.number().min(0).max(10).default(2),
  /**
   * Deal a round's refused units again: when a round is due, the shards whose result the screen refused, or whose
   * result never came, go out once more in the same round with fresh seeds, and the round closes on its kept results
   * and the new ones, screened together (server/training/trainer.ts), never sent to the holders of the refused or
   * missing units, and no more of them than the round kept. On by default: it brings back the shards cheaters hold
   * and withhold (seed 2 at 30%: 0.90 below clean without it, 0.60 with), at 22–30% more units in a clean run; on
   * the means of seeds 1–3 it did not beat the screen alone (docs/training.md, "the coordinator's second wave").
   */
  redeal: z.boolean().default(true),
  /** Uneven shards: Dirichlet(α) label mix per shard; absent for even (IID) shards. */
  dirichletAlpha: z.number().positive().max(100).optional(),
  /** Seeds the initial parameters and the shards. */
  seed: z.number().int().min(0).max(0xffff_ffff).default(1),
});
export type TrainingHyper = z.infer<typeof TrainingHyper>;

/** Rounds of a job that names none: 12 passes over the digits at the default hyper-parameters (docs/training.md). */
export const DEFAULT_ROUNDS = 12;

export const TrainingJobSubmission = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** An MLP 784-h-10 or a CNN (5×5 convolution, 2×2 max-pool, dense h, 10): protocol/training.ts. */
  model: ModelSpec,
  dataset: TrainingDataset.default('mnist'),
  rounds: z.number().int().min(1).max(1_000).default(DEFAULT_ROUNDS),
  hyper: TrainingHyper.default(TrainingHyper.parse({})),
});
export type TrainingJobSubmission = z.infer<typeof TrainingJobSubmission>;
export type TrainingJobSubmissionInput = z.input<typeof TrainingJobSubmission>;

export const TrainingJobState = z.enum(['running', 'done', 'cancelled']);
export type TrainingJobState = z.infer<typeof TrainingJobState>;

/** One round as it stands: open (its units out) or closed (aggregated into `version`, evaluated held out). */
export const TrainingRound = z.strictObject({
  round: z.number().int().min(0),
  /** The model version its units start from. */
  baseVersion: z.number().int().min(0),
  openedAt: z.number().int(),
  deadline: z.number().int(),
  closedAt: z.number().int().nullable(),
  /** Updates applied when it closed (from this round and, within maxStaleness, earlier ones). */
  updates: z.number().int().min(0),
  /** Its units dealt again: shards whose result the screen refused or that never came (hyper.redeal). */
  dealtAgain: z.number().int().min(0),
  /** Mean training loss the volunteers reported over their local steps. */
  trainLoss: z.number().nullable(),
  heldoutLoss: z.number().nullable(),
  heldoutAccuracy: z.number().min(0).max(1).nullable(),
});
export type TrainingRound = z.infer<typeof TrainingRound>;

export const TrainingJob = z.strictObject({
  jobId: Id,
  /** The batch holding every round's units: the id a paying requester escrows COP for (ComputeMarket.open). */
  batchId: Id,
  name: z.string(),
  model: ModelSpec,
  dataset: TrainingDataset,
  rounds: z.number().int(),
  hyper: TrainingHyper,
  state: TrainingJobState,
  /** The newest model version (0: the initial parameters). */
  version: z.number().int().min(0),
  /** Hosts banned for a recomputation that disagreed with theirs. */
  bannedHosts: z.number().int().min(0),
  createdAt: z.number().int(),
  history: z.array(TrainingRound),
});
export type TrainingJob = z.infer<typeof TrainingJob>;

export const TrainingJobList = z.strictObject({
  jobs: z.array(TrainingJob.omit({ history: true })),
});
export type TrainingJobList = z.infer<typeof TrainingJobList>;

/** A trained model as downloaded: its architecture, its version and its f32 parameters (little-endian, base64). */
export const TrainedModel = z.strictObject({
  format: z.literal('terraflop-model/1'),
  model: ModelSpec,
  dataset: TrainingDataset,
  jobId: Id,
  version: z.number().int().min(0),
  heldoutAccuracy: z.number().min(0).max(1).nullable(),
  params: z.base64(),
});
export type TrainedModel = z.infer<typeof TrainedModel>;
