/**
 * @module bench/training/sim
 * A training job simulated with real kernels: each round's units (one per shard) are dealt to the identities not
 * banned (deal.ts), honest ones run the WebAssembly steps, the Byzantine ones send attacks.ts's updates instead, a
 * random share of units is recomputed (a mismatch bans the identity, drops its updates of the round and its worker
 * momentum, and the honest replica's result stands for the unit), and the parameter server aggregates and takes
 * DiLoCo's outer step with the app's own functions (robust.ts, outer.ts). Central training is the same kernel on all
 * the digits.
 */
import type { ModelSpec, TrainingInput, TrainingOutput } from '../../protocol/training.ts';
import { KernelError } from '../../worker-kernels/errors.ts';
import { deriveSeed, mulberry32 } from '../../worker-kernels/random.ts';
import { coordinateMedian, krum, mean, trimmedMean } from '../../worker-kernels/training/aggregate.ts';
import { encodeF32, encodeU16 } from '../../worker-kernels/training/codec.ts';
import { compareTraining } from '../../worker-kernels/training/compare.ts';
import { type CodeBits, compress, dequantise, encodeCodes, fnv1a64 } from '../../worker-kernels/training/compress.ts';
import { type MnistSplit, pixelFloats, TRAIN_SIZE } from '../../worker-kernels/training/dataset.ts';
import { trainingInput } from '../../worker-kernels/training/input.ts';
import { initialParameters, parameterCount } from '../../worker-kernels/training/model.ts';
import { type OuterOptions, outerStep, WorkerMomentum } from '../../worker-kernels/training/outer.ts';
import { robustAggregate } from '../../worker-kernels/training/robust.ts';
import { makeShards } from '../../worker-kernels/training/shards.ts';
import { innerLrAt, jobFinished, type LrSchedule } from '../../worker-kernels/training/schedule.ts';
import { runTrainingUnit, stepsJob } from '../../worker-kernels/training/unit.ts';
import type { TrainingWasm } from '../../worker-kernels/training/wasm.ts';
import { gatedStep } from '../../server/training/gate.ts';
import { shuffledUnits } from '../../server/training/round.ts';
import { directionScreen, evenProbes, pairedScore, probeAlong, screenUpdates } from '../../server/training/screen.ts';
import {
  digitLosses,
  drawValidation,
  meanLoss,
  VALIDATION_DIGITS,
  validationDigits,
} from '../../server/training/model-state.ts';
import { type Attack, attackUpdate, type ScreenView } from './attacks.ts';
import { type Dealing, dealUnits } from './deal.ts';

export const AGGREGATORS = ['centered-clip', 'mean', 'median', 'trimmed-mean', 'krum'] as const;
export type Aggregator = (typeof AGGREGATORS)[number];

export interface SimConfig {
  readonly model: ModelSpec;
  readonly volunteers: number;
  readonly byzantine: number;
  readonly attack: Attack;
  readonly noniid: boolean;
  readonly recompute: number;
  readonly rounds: number;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  /** How the inner rate falls over the rounds (schedule.ts); absent: constant, as the bench ran before it. */
  readonly schedule?: LrSchedule;
  /** Where the cosine stops, a share of lr (schedule.ts); absent: 0, the cosine to zero of the runs before it. */
  readonly lrFloor?: number;
  readonly momentum: number;
  /** The inner optimiser's L2 weight decay (protocol/training.ts `weightDecay`); absent: none, as before it. */
  readonly weightDecay?: number;
  /** The units' label smoothing (protocol/training.ts `labelSmoothing`); absent: one-hot targets, as before it. */
  readonly labelSmoothing?: number;
  readonly block: number;
  /** Bits per code of a result (protocol/training.ts `bits`); absent: 8, as the bench ran before 4-bit codes. */
  readonly bits?: Exclude<CodeBits, 8>;
  /** Whole-pixel shifts of the digits seen (protocol/training.ts `augment`); absent: none, as the bench ran before. */
  readonly augment?: number;
  readonly aggregator: Aggregator;
  readonly bucket: number;
  readonly workerMomentum: number;
  /** CenteredClip's iterations, the multiple of the median distance it clips to, and beyond which it drops. */
  readonly clip: { readonly iterations: number; readonly scale: number; readonly reject?: number };
  /** DiLoCo's outer optimiser (outer.ts): the job's lr 0.7 and Nesterov μ 0.8 by default. */
  readonly outer: OuterOptions;
  readonly seed: number;
  /** How a round's units reach the identities (deal.ts): as the coordinator deals them, or shard i to identity i. */
  readonly dealing: Dealing;
  /**
   * Off when absent. How much a round may raise the mean cross-entropy (nats) on the coordinator's validation digits:
   * a round whose next version raises it more is not applied (the version, its momentum and the CenteredClip centre
   * stay as they were). Loss, not accuracy: from a random start accuracy sits at chance and cannot show the damage.
   */
  readonly gateLoss?: number;
  /**
   * Absent: the job runs `rounds` rounds and its inner rate follows the rounds run, as the bench ran before. Set: the
   * coordinator's rule (schedule.ts `jobFinished`): it runs until `rounds` rounds are applied, or roundsCap·rounds
   * are run, and the rate follows the rounds applied.
   */
  readonly roundsCap?: number;
  /**
   * With `screen`: each update probed at the same distance, γ times the round's median update length
   * (screen.ts `evenProbes`), the job's `screenDistance: 'median'`; absent: at γ times its own length, as before.
   */
  readonly screenEven?: true;
  /** The loss screen's margin in standard errors (server/training/screen.ts screenUpdates); absent: 0. */
  readonly screenMargin?: number;
  /**
   * With `screen`: the units whose results the screen refused or that never came (withheld) are dealt once more in the
   * same round, each to an identity that held none of them, with a fresh seed, and the round's kept updates and these
   * are screened together, as the coordinator does (server/training/trainer.ts; there without a screen too, for
   * units that never came; docs/training.md, "Dealing a refused unit again").
   */
  readonly redeal?: true;
  /**
   * Off when absent. The suspicion screen (server/training/screen.ts): each update is scored by the validation loss
   * it takes off at θ − probe·Δ, and those that raise it are dropped before the
   * aggregate (the better-scoring half kept where fewer than half lower it).
   */
  readonly screen?: number;
  /**
   * Off when absent. The direction screen (server/training/screen.ts `directionScreen`): updates whose cosine with the
   * coordinate median of the round's updates is 0 or less are dropped before the aggregate.
   */
  readonly direction?: true;
  /**
   * 'drawn': each round is checked on 500 training digits drawn afresh, as the coordinator draws them (server/training/
   * model-state.ts drawValidation), from a stream the attackers do not see. Absent: on the first 500, the rule of every
   * figure before docs/training.md's "Attackers that read the loss screen's code".
   */
  readonly checkDigits?: 'drawn';
}

export interface SimResult {
  readonly accuracy: number;
  readonly curve: { round: number; loss: number; accuracy: number }[];
  readonly uploadRatio: number;
  readonly verifyOverhead: number;
  readonly attackers: number;
  /** Per attacker: the tasks it had run when banned, or null where never banned. */
  readonly bannedAfter: (number | null)[];
  /** Per attacker: the tasks it ran in all (for one never banned, how long it went unchecked). */
  readonly tasks: number[];
  /** Rounds the gate did not apply (ones it applied from part of their updates are not counted). */
  readonly gated: number;
  /** Rounds run, applied or not. */
  readonly roundsRun: number;
  /** Units of the second wave: dealt once more in their round, whether their results came or not. */
  readonly dealtAgain: number;
}

export interface Kit {
  readonly split: MnistSplit;
  readonly wasm: TrainingWasm;
  readonly heldOutPixels: Float32Array;
}

export const kitOf = (split: MnistSplit, wasm: TrainingWasm): Kit => ({
  split,
  wasm,
  heldOutPixels: pixelFloats(split.heldOut),
});

/** The first 500 training digits: what every round was checked on until 2026-12-06 (`checkDigits` absent). */
const FIRST_DIGITS = Uint16Array.from({ length: VALIDATION_DIGITS }, (_, i) => i);

function aggregate(config: SimConfig, updates: Float32Array[], previous: Float32Array, round: number) {
  const f = Math.round(config.byzantine * config.volunteers);
  switch (config.aggregator) {
    case 'mean':
      return mean(updates);
    case 'median':
      return coordinateMedian(updates);
    case 'trimmed-mean':
      return trimmedMean(updates, Math.min(f, Math.floor((updates.length - 1) / 2)));
    case 'krum':
      return krum(updates, f);
    case 'centered-clip':
      // The coordinator's own function (robust.ts), with the bench's options (its defaults are the coordinator's).
      return robustAggregate(updates, previous, deriveSeed(config.seed, `bucket${round}`), config);
  }
}

/** Round r's inner rate, as the coordinator sends it (server/training/model-ops.ts). */
const lrOf = (config: SimConfig, round: number) =>
  innerLrAt(
    { lr: config.lr, schedule: config.schedule ?? 'constant', floor: config.lrFloor ?? 0 },
    round,
    config.rounds,
  );

/** The units' inner optimiser at rate lr, as the coordinator sends it: a decay and smoothing only where set. */
const innerOf = (config: SimConfig, lr: number) => ({
  lr,
  momentum: config.momentum,
  ...(config.weightDecay && { weightDecay: config.weightDecay }),
  ...(config.labelSmoothing && { labelSmoothing: config.labelSmoothing }),
});

const dequantised = (input: TrainingInput, out: TrainingOutput) =>
  dequantise(out, parameterCount(input.model), input.block, input.bits ?? 8)!;

/**
 * An honest unit's result, or undefined where the training diverged (the kernel refuses non-finite parameters): on
 * the coordinator that unit fails and the round closes without it.
 */
function trained(input: TrainingInput, split: MnistSplit, wasm: TrainingWasm): TrainingOutput | undefined {
  try {
    return runTrainingUnit(input, split, wasm.steps);
  } catch (error) {
    if (error instanceof KernelError) return undefined;
    throw error;
  }
}

/** What an attacker uploads: its update quantised like an honest one, so only aggregation or a replica can tell. */
function forged(input: TrainingInput, delta: Float32Array): TrainingOutput {
  const bits = input.bits ?? 8;
  const { codes, scales } = compress(delta, input.block, input.seed, bits);
  const loss = { first: 2.3, last: 0.1, mean: 0.5, accuracy: 0.9 };
  return {
    version: input.version,
    codes: encodeCodes(codes, bits),
    scales: encodeF32(scales),
    loss,
    digest: fnv1a64(codes, scales),
  };
}

/**
 * Deals each refused unit once more, to an active identity (drawn from `seed`) not among `holders`, those of the
 * round's refused or missing units: the coordinator's scheduler never sends them a unit dealt again
 * (server/store/sql/unit-pool.ts). Returns what `compute` settled: each update that came back with its holder (−1
 * where a recomputation caught the holder and the honest replica stands).
 */
function redealt(
  refused: readonly (readonly [unit: number, holder: number])[],
  holders: ReadonlySet<number>,
  active: readonly number[],
  seed: number,
  compute: (unit: number, holder: number, random: () => number) => [holder: number, update: Float32Array] | undefined,
): [holder: number, update: Float32Array][] {
  const random = mulberry32(seed);
  const others = active.filter((i) => !holders.has(i));
  return refused.flatMap(([u]) => {
    const holder = others[Math.floor(random() * others.length)];
    const settled = holder === undefined ? undefined : compute(u, holder, random);
    return settled ? [settled] : [];
  });
}

export async function simulate(kit: Kit, config: SimConfig, log: (line: string) => void): Promise<SimResult> {
  const { split, wasm } = kit;
  const n = config.volunteers;
  const draw = mulberry32(deriveSeed(config.seed, 'sim'));
  const recheck = mulberry32(deriveSeed(config.seed, 'recheck'));
  const shards = makeShards(split.train.labels, n, config.seed, config.noniid ? 0.5 : undefined);
  const attackers = config.attack === 'none' ? 0 : Math.round(config.byzantine * n);
  // Attackers are the last identities: shards are drawn independently of the ids, and dealt to identities (deal.ts).
  const isAttacker = (i: number) => i >= n - attackers;
  const flipped: MnistSplit = { ...split, train: { ...split.train, labels: split.train.labels.map((y) => 9 - y) } };
  let theta = initialParameters(config.model, config.seed);
  let outerMomentum = new Float32Array(theta.length);
  let previous: Float32Array = new Float32Array(theta.length);
  let gated = 0;
  const workerMomentum = new WorkerMomentum(config.workerMomentum);
  const tasks = new Array<number>(n).fill(0);
  const bannedAfter = new Array<number | null>(n).fill(null);
  let units = 0;
  let applied = 0;
  let recomputed = 0;
  let dealtAgain = 0;
  let uploadRatio = 0;
  const curve: SimResult['curve'] = [];
  const finished = (run: number) =>
    config.roundsCap === undefined
      ? run >= config.rounds
      : jobFinished({ applied, run }, config.rounds, config.roundsCap);
  let round = 0;
  const digitsCoin = mulberry32(deriveSeed(config.seed, 'check digits'));
  // Each digit's loss at some parameters, on the training digits at `indices`.
  const lossesOn = (indices: Uint16Array) => {
    const digits = validationDigits(split.train, indices);
    // The loss the units train on (with their label smoothing), as the coordinator's trainer takes it.
    return (params: Float32Array) => digitLosses(config.model, params, digits, config.labelSmoothing).losses;
  };
  for (; !finished(round); round++) {
    // The digits this round is checked on (screen and round check), as the coordinator's trainer takes them.
    const checkIndices = config.checkDigits ? drawValidation(digitsCoin, TRAIN_SIZE) : FIRST_DIGITS;
    const validationLosses = lossesOn(checkIndices);
    // The round's version on the validation digits, taken once for the screen and the round check (as trainer.ts).
    let versionLosses: Float64Array | undefined;
    const thetaLosses = () => (versionLosses ??= validationLosses(theta));
    /**
     * The loss screen as attackers that read the code see it (attacks.ts ScreenView): they train a unit from θ on the
     * digits they take for the check's, and test an update on them as the screen will, probed at γ times the median
     * length of the round's results (theirs being `copies` of it), with a quarter of a standard error to spare. Where
     * the check's digits are the first 500 they know them; drawn, they draw 500 of their own.
     */
    const screenView = (like: TrainingInput, honest: Float32Array[], copies: number): ScreenView => {
      const guess = config.checkDigits
        ? drawValidation(mulberry32(deriveSeed(config.seed, `attackers${round}`)), TRAIN_SIZE)
        : FIRST_DIGITS;
      const input = { ...like, samples: encodeU16(guess) };
      const output = trained(input, split, wasm);
      const descent = output ? dequantised(input, output) : new Float32Array(theta.length);
      const losses = lossesOn(guess);
      const atTheta = losses(theta);
      const passes = (update: Float32Array) => {
        if (!config.screen) return true;
        const pool = [...honest, ...Array<Float32Array>(copies).fill(update)];
        const probe = config.screenEven ? evenProbes(pool, config.screen).at(-1)! : config.screen;
        const { t } = pairedScore(atTheta, losses(probeAlong(theta, update, probe)));
        return t > -(config.screenMargin ?? 0) + 0.25;
      };
      return { descent, passes };
    };
    // The rate of the rounds applied (the coordinator's, server/training/model-ops.ts), or of the rounds run.
    const lr = lrOf(config, config.roundsCap === undefined ? round : applied);
    const active = [...Array(n).keys()].filter((i) => bannedAfter[i] === null);
    const dealt = dealUnits(config.dealing, n, active, config.seed, round);
    const inputs = new Map<number, TrainingInput>();
    const outputs = new Map<number, TrainingOutput>();
    const parameters = theta.slice();
    // A unit of shard u this round; `tag` tells a unit dealt again (redeal) from the first, so its seed differs.
    const unitInput = (u: number, tag = '') =>
      trainingInput({
        model: config.model,
        version: round,
        parameters,
        samples: shards[u]!,
        seed: deriveSeed(config.seed, `r${round}v${u}${tag}`),
        steps: config.steps,
        batch: config.batch,
        inner: innerOf(config, lr),
        block: config.block,
        ...(config.bits && { bits: config.bits }),
        ...(config.augment && { augment: config.augment }),
      });
    for (const [u, holder] of dealt) {
      const input = unitInput(u);
      inputs.set(u, input);
      const output = isAttacker(holder) ? undefined : trained(input, split, wasm);
      if (output) outputs.set(u, output);
    }
    const honestOutputs = [...outputs.entries()];
    const honest = honestOutputs.map(([u, out]) => dequantised(inputs.get(u)!, out));
    let lossSum = 0;
    for (const [, out] of honestOutputs) lossSum += out.loss.mean;
    if (honestOutputs.length) {
      uploadRatio = JSON.stringify(honestOutputs[0]![1]).length / (4 * theta.length * config.steps);
    }
    let view: ScreenView | undefined;
    // With no honest update to shape theirs on (every honest unit diverged), the attackers have nothing to send.
    const attacked = (input: TrainingInput, random: () => number) => {
      const own = config.attack === 'label-flip' ? trained(input, flipped, wasm) : undefined;
      if (config.attack === 'label-flip' && !own) return undefined;
      if (config.attack === 'screen-edge') view ??= screenView(input, honest, attackers);
      const delta = attackUpdate(config.attack, honest, n, attackers, random, own && dequantised(input, own), view);
      return delta && forged(input, delta);
    };
    for (const [u] of honest.length ? dealt.filter(([, holder]) => isAttacker(holder)) : []) {
      const output = attacked(inputs.get(u)!, draw);
      if (output) outputs.set(u, output);
    }
    const kept: [holder: number, update: Float32Array][] = [];
    const keptUnit = new Map<Float32Array, number>();
    /**
     * A result that came: it counts as its holder's task and is recomputed on the coin's draw. On a mismatch, as the
     * coordinator: a third replica sides with the honest one, which becomes the unit's canonical result (holder −1);
     * the liar is banned and its updates not yet applied (this round's) are dropped. Undefined: the unit is lost.
     */
    const settle = (holder: number, input: TrainingInput, output: TrainingOutput, coin: () => number) => {
      tasks[holder]!++;
      units++;
      if (coin() < config.recompute) {
        recomputed++;
        const replica = trained(input, split, wasm);
        if (replica && compareTraining(input, output, replica) === 'mismatch') {
          bannedAfter[holder] = tasks[holder]!;
          workerMomentum.drop(String(holder));
          for (let k = kept.length - 1; k >= 0; k--) if (kept[k]![0] === holder) kept.splice(k, 1);
          if (config.dealing === 'fixed') return undefined; // the bench's model before dealing: the unit is lost
          return [-1, dequantised(input, replica)] as [number, Float32Array];
        }
      }
      return [holder, dequantised(input, output)] as [number, Float32Array];
    };
    for (const [u, holder] of dealt) {
      if (bannedAfter[holder] !== null) continue; // caught on an earlier unit of this round: dropped, not applied
      if (!outputs.has(u)) continue; // the unit failed: nothing to apply or check
      const settled = settle(holder, inputs.get(u)!, outputs.get(u)!, draw);
      if (!settled) continue;
      const [by, update] = settled;
      kept.push([by, by < 0 ? update : workerMomentum.push(String(by), update)]);
      keptUnit.set(kept.at(-1)![1], u);
    }
    // The coordinator's suspicion screens (server/training/screen.ts): updates that point away from the round's
    // coordinate median, or raise the validation loss along a short probe, are dropped before the aggregate.
    let updates = kept.map(([, update]) => update);
    if (config.direction && updates.length) {
      const { kept: passed, scores } = directionScreen(updates, (d) => d, theta.length);
      const who = kept.map(([holder]) => (holder >= 0 && isAttacker(holder) ? 'A' : 'h'));
      const shown = scores.map((x, i) => `${who[i]}${x.toFixed(3)}`).join(' ');
      log(`round ${round}: direction kept ${passed.length} of ${updates.length} (h honest, A attacker): ${shown}`);
      updates = passed;
    }
    if (config.screen && updates.length) {
      const probe = config.screen;
      const before = thetaLosses();
      const screen = (pool: Float32Array[]) => {
        const probes = config.screenEven ? evenProbes(pool, probe) : pool.map(() => probe);
        const along = (d: Float32Array) => validationLosses(probeAlong(theta, d, probes[pool.indexOf(d)]!));
        return screenUpdates(pool, before, along, config.screenMargin ?? 0);
      };
      const { kept: passed, scores, significance } = await screen(updates);
      const who = kept.map(([holder]) => (holder >= 0 && isAttacker(holder) ? 'A' : 'h'));
      // Each score with its paired t statistic over the validation digits.
      const shown = scores.map((x, i) => `${who[i]}${x.toFixed(4)}(${significance[i]!.toFixed(1)})`).join(' ');
      log(`round ${round}: screen kept ${passed.length} of ${updates.length} (h honest, A attacker): ${shown}`);
      updates = passed;
      if (config.redeal) {
        const passedUnits = new Set(passed.map((d) => keptUnit.get(d)));
        // As many as the screen kept at most, as the coordinator deals them (trainer.ts shardsToDealAgain).
        const missing = dealt.filter(([u]) => !passedUnits.has(u));
        const refused =
          missing.length <= passed.length
            ? missing
            : shuffledUnits(missing, mulberry32(deriveSeed(config.seed, `cap${round}`))).slice(0, passed.length);
        const holders = new Set(missing.map(([, holder]) => holder));
        const seed = deriveSeed(config.seed, `redeal${round}`);
        // Never to an identity banned this round; checked as the first units are (the coordinator draws the same
        // coin for units dealt again, trainer.ts), on a stream of its own so the first wave's draws stay as they were.
        const unbanned = active.filter((i) => bannedAfter[i] === null);
        const again = redealt(refused, holders, unbanned, seed, (u, holder, random) => {
          dealtAgain++;
          const input = unitInput(u, 'again');
          const output = isAttacker(holder) ? attacked(input, random) : trained(input, split, wasm);
          return output && settle(holder, input, output, recheck);
        });
        if (again.length) {
          // A ban in the second wave drops the liar's updates of the round: settle took its first ones out of
          // `kept`, and its units dealt again go with its holder.
          const standing = new Set([
            ...kept.map(([, update]) => update),
            ...again.filter(([holder]) => holder < 0 || bannedAfter[holder] === null).map(([, update]) => update),
          ]);
          const pool = [...passed, ...again.map(([, update]) => update)].filter((d) => standing.has(d));
          const second = await screen(pool);
          // r: a liar caught by its recomputation, whose honest replica stands.
          const who = again.map(([holder]) => (holder < 0 ? 'r' : isAttacker(holder) ? 'A' : 'h')).join('');
          const { length } = second.kept;
          const dropped = passed.length + again.length - pool.length;
          const caught = dropped ? ` (${dropped} dropped: their sender was caught in the second wave)` : '';
          const outcome = `kept ${length} of ${pool.length}${caught}`;
          log(`round ${round}: ${refused.length} refused, dealt again (${who}): ${outcome}`);
          updates = second.kept;
        }
      }
    }
    // Without updates the version repeats the last, as on the coordinator (server/training/model-state.ts).
    if (updates.length) {
      const step = (some: readonly Float32Array[]) => {
        const next = aggregate(config, [...some], previous, round);
        const [params, momentum] = [theta.slice(), outerMomentum.slice()];
        outerStep(params, momentum, next, config.outer);
        return { params, momentum, aggregate: next };
      };
      // The coordinator's own check (server/training/gate.ts) and evaluation (model-state.ts), on digits it keeps.
      const loss = (s: { params: Float32Array }) => meanLoss(validationLosses(s.params));
      const { state, applied: stepped } = config.gateLoss
        ? await gatedStep(updates, meanLoss(thetaLosses()), { step, loss, gateLoss: config.gateLoss })
        : { state: step(updates), applied: updates.length };
      if (stepped > 0) applied++;
      if (!state) {
        gated++;
        log(`round ${round}: not applied, the validation loss would rise by more than ${config.gateLoss}`);
      } else {
        if (stepped < updates.length) log(`round ${round}: applied ${stepped} of ${updates.length} updates`);
        ({ params: theta, momentum: outerMomentum, aggregate: previous } = state);
      }
    }
    const accuracy = wasm.accuracy(config.model, theta, kit.heldOutPixels, split.heldOut.labels);
    curve.push({ round, loss: lossSum / honestOutputs.length, accuracy });
    log(`round ${round}: honest loss ${curve.at(-1)!.loss.toFixed(3)}, held-out ${(100 * accuracy).toFixed(2)}%`);
  }
  return {
    accuracy: curve.at(-1)!.accuracy,
    curve,
    uploadRatio,
    verifyOverhead: recomputed / units,
    attackers,
    bannedAfter: bannedAfter.slice(n - attackers),
    tasks: tasks.slice(n - attackers),
    gated,
    roundsRun: round,
    dealtAgain,
  };
}

/** The same model on one machine over all the digits, for as many digits seen as the volunteers' run. */
export function central(kit: Kit, config: SimConfig, log: (line: string) => void): number {
  const { split, wasm } = kit;
  const theta = initialParameters(config.model, config.seed);
  const total = config.rounds * config.volunteers * config.steps * config.batch;
  const all = Uint16Array.from(split.train.labels.keys());
  const perRound = config.volunteers * config.steps * config.batch;
  let accuracy = 0;
  // One unit per epoch (the momentum restarts at each, as it does at each volunteer unit), at the rate of the round
  // the volunteers were in when they had seen as many digits.
  for (let seen = 0, epoch = 0; seen < total; epoch++) {
    const steps = Math.min(Math.floor(all.length / config.batch), Math.ceil((total - seen) / config.batch));
    const input = trainingInput({
      model: config.model,
      version: epoch,
      parameters: theta,
      samples: all,
      seed: deriveSeed(config.seed, `central${epoch}`),
      steps,
      batch: config.batch,
      inner: innerOf(config, lrOf(config, Math.floor(seen / perRound))),
      block: config.block,
      ...(config.augment && { augment: config.augment }),
    });
    const job = stepsJob(input, split);
    wasm.steps(job);
    theta.set(job.parameters);
    seen += steps * config.batch;
    accuracy = wasm.accuracy(config.model, theta, kit.heldOutPixels, split.heldOut.labels);
    log(`central epoch ${epoch}: held-out ${(100 * accuracy).toFixed(2)}%`);
  }
  return accuracy;
}
