/**
 * @module bench/training
 * `npm run bench:training -- --byzantine 0.3 --attack alie [--noniid] [--recompute 0.1] [--model cnn|mlp]`
 * [--filters 16] [--hidden 128]
 * (more: --aggregator centered-clip|mean|median|trimmed-mean|krum, --volunteers 10, --rounds, --steps (H), --batch,
 * --lr, --schedule constant|cosine, --lr-floor, --weight-decay, --label-smoothing, --block, --bits 4|8, --bucket,
 * --worker-momentum, --clip-iterations, --clip-scale, --clip-reject, --outer-lr, --outer-momentum, --seed, --fresh,
 * --fixed-shards, --gate-loss, --rounds-cap, --augment, --direction, --screen, --no-screen-even, --screen-margin,
 * --no-redeal, --check-digits drawn|first); every default is the coordinator's for a job (protocol/training-job.ts) but
 * --recompute's (0: the aggregator alone).
 *
 * Simulated volunteers train one job with the real WebAssembly kernels (bench/training/sim.ts), each round's units
 * dealt to them as the coordinator deals them (bench/training/deal.ts; --fixed-shards: identity i keeps shard i), and
 * aggregated as the coordinator does unless told otherwise (worker-kernels/training/robust.ts); the same run without
 * attackers gives clean_accuracy and the same kernel on one machine over the same digits central_accuracy (both
 * cached per configuration in the temp folder; --fresh recomputes them). Attacks: bench/training/attacks.ts.
 *
 * Last line: {"attack","byzantine","accuracy","clean_accuracy","central_accuracy","rounds","upload_ratio",
 * "verify_overhead"} plus "rounds_run" (rounds run, applied or not), "banned" (attackers banned / attackers),
 * "banned_within" (most tasks an attacker ran before its ban), "unbanned_tasks" (most tasks an attacker never banned
 * ran), "gated_rounds" and "dealt_again" (units of the second wave), where
 * upload_ratio is one result's JSON bytes over 4·P·H (f32 gradients after each step) and verify_overhead the
 * recomputed units over all the units whose results came, dealt again or not.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { ModelSpec } from '../protocol/training.ts';
import { DEFAULT_ROUNDS, TrainingHyper } from '../protocol/training-job.ts';
import { fnv1a64 } from '../worker-kernels/training/compress.ts';
import { loadMnist } from '../worker-kernels/training/dataset.ts';
import { ROBUST_AGGREGATION } from '../worker-kernels/training/robust.ts';
import { loadTrainingWasm } from '../worker-kernels/training/wasm.ts';
import { ATTACKS, type Attack } from './training/attacks.ts';
import { AGGREGATORS, type Aggregator, central, kitOf, type SimConfig, simulate } from './training/sim.ts';

/** The coordinator's defaults for a job (protocol/training-job.ts): the bench measures what a job runs. */
const job = TrainingHyper.parse({});

const { values } = parseArgs({
  allowNegative: true,
  options: {
    byzantine: { type: 'string', default: '0.3' },
    attack: { type: 'string', default: 'alie' },
    noniid: { type: 'boolean', default: false },
    recompute: { type: 'string', default: '0' },
    model: { type: 'string', default: 'cnn' },
    // The model's width: the CNN's filters (16) and either model's hidden units (128).
    filters: { type: 'string', default: '16' },
    hidden: { type: 'string', default: '128' },
    aggregator: { type: 'string', default: 'centered-clip' },
    volunteers: { type: 'string', default: String(job.unitsPerRound) },
    rounds: { type: 'string', default: String(DEFAULT_ROUNDS) },
    steps: { type: 'string', default: String(job.localSteps) },
    batch: { type: 'string', default: String(job.batchSize) },
    lr: { type: 'string', default: String(job.innerLr) },
    schedule: { type: 'string', default: job.innerLrSchedule },
    'lr-floor': { type: 'string', default: String(job.innerLrFloor) },
    momentum: { type: 'string', default: String(job.innerMomentum) },
    // The inner optimiser's weight decay (the job's `innerWeightDecay`); 0: none, the rule of the tables before it.
    'weight-decay': { type: 'string', default: String(job.innerWeightDecay) },
    // The units' label smoothing (the job's `labelSmoothing`); 0: one-hot, the rule of the tables before it.
    'label-smoothing': { type: 'string', default: String(job.labelSmoothing) },
    block: { type: 'string', default: String(job.block) },
    // Bits per code of a result: the job's (4), or 8, the rule of the tables before docs/training.md's "Compression".
    bits: { type: 'string', default: String(job.codeBits) },
    augment: { type: 'string', default: String(job.augment) },
    // The coordinator's aggregation by default (worker-kernels/training/robust.ts), so the bench measures it.
    bucket: { type: 'string', default: String(ROBUST_AGGREGATION.bucket) },
    'worker-momentum': { type: 'string', default: '0' },
    'clip-iterations': { type: 'string', default: String(ROBUST_AGGREGATION.clip.iterations) },
    'clip-scale': { type: 'string', default: String(ROBUST_AGGREGATION.clip.scale) },
    'clip-reject': { type: 'string', default: String(ROBUST_AGGREGATION.clip.reject ?? 0) },
    'outer-lr': { type: 'string', default: String(job.outerLr) },
    'outer-momentum': { type: 'string', default: String(job.outerMomentum) },
    seed: { type: 'string', default: '1' },
    fresh: { type: 'boolean', default: false },
    'fixed-shards': { type: 'boolean', default: false },
    // The coordinator's default (protocol/training-job.ts); 0 turns it off.
    'gate-loss': { type: 'string', default: String(job.gateLoss) },
    // The coordinator's rule (schedule.ts jobFinished): run until --rounds are applied, at most this many times as
    // many; 0: exactly --rounds rounds, the rate following the rounds run (the bench before branch train3).
    'rounds-cap': { type: 'string', default: String(job.roundsCap) },
    // The coordinator's suspicion screens (server/training/screen.ts, the job's `screen`): --direction, or the loss
    // screen's probe γ (--screen; 0: off).
    screen: { type: 'string', default: String(job.screen === 'loss' ? job.screenProbe : 0) },
    direction: { type: 'boolean', default: job.screen === 'direction' },
    // The loss screen's probe distance (the job's `screenDistance`): the round's median update length, or with
    // --no-screen-even each update's own (the rule of the tables before it).
    'screen-even': { type: 'boolean', default: job.screenDistance === 'median' },
    // The loss screen's margin (the job's `screenMargin`): how many standard errors of the validation digits an update
    // may raise the loss by and still pass; 0: the rule before margins.
    'screen-margin': { type: 'string', default: String(job.screenMargin) },
    // Deal the units the screen refused (or that never came) once more within the round (sim.ts `redeal`), as the
    // coordinator does by default; --no-redeal closes each round on its first results (the rule before).
    redeal: { type: 'boolean', default: job.redeal },
    // The digits each round is checked on: drawn afresh, as the coordinator's trainer draws them, or the first 500
    // (the rule of every figure before docs/training.md's "Attackers that read the loss screen's code").
    'check-digits': { type: 'string', default: 'drawn' },
  },
});

if (!(ATTACKS as readonly string[]).includes(values.attack)) throw new Error(`--attack: one of ${ATTACKS.join(', ')}`);
if (values.schedule !== 'constant' && values.schedule !== 'cosine') throw new Error('--schedule: constant or cosine');
if (values.bits !== '4' && values.bits !== '8') throw new Error('--bits: 4 or 8');
if (!(Number(values['lr-floor']) >= 0 && Number(values['lr-floor']) < 1)) throw new Error('--lr-floor: from 0 below 1');
if (values['check-digits'] !== 'drawn' && values['check-digits'] !== 'first') {
  throw new Error('--check-digits: drawn or first');
}
if (!(AGGREGATORS as readonly string[]).includes(values.aggregator)) {
  throw new Error(`--aggregator: one of ${AGGREGATORS.join(', ')}`);
}
const model: ModelSpec = ModelSpec.parse(
  values.model === 'mlp'
    ? { kind: 'mlp', hidden: Number(values.hidden) }
    : { kind: 'cnn', filters: Number(values.filters), hidden: Number(values.hidden) },
);
const config: SimConfig = {
  model,
  volunteers: Number(values.volunteers),
  byzantine: Number(values.byzantine),
  attack: values.attack as Attack,
  noniid: values.noniid,
  recompute: Number(values.recompute),
  rounds: Number(values.rounds),
  steps: Number(values.steps),
  batch: Number(values.batch),
  lr: Number(values.lr),
  // Constant: the key then leaves it out, so runs from before the option are found again.
  ...(values.schedule === 'cosine' && { schedule: 'cosine' as const }),
  // 0: the cosine to zero; the key then leaves it out, so runs from before the option are found again.
  ...(values.schedule === 'cosine' && Number(values['lr-floor']) > 0 && { lrFloor: Number(values['lr-floor']) }),
  momentum: Number(values.momentum),
  // 0: none; the key then leaves it out, so runs from before the option are found again.
  ...(Number(values['weight-decay']) > 0 && { weightDecay: Number(values['weight-decay']) }),
  // 0: one-hot; the key then leaves it out, so runs from before the option are found again.
  ...(Number(values['label-smoothing']) > 0 && { labelSmoothing: Number(values['label-smoothing']) }),
  block: Number(values.block),
  // 8: the key then leaves it out, so runs from before 4-bit codes are found again.
  ...(values.bits === '4' && { bits: 4 as const }),
  // 0: none; the key then leaves it out, so runs from before the option are found again.
  ...(Number(values.augment) > 0 && { augment: Number(values.augment) }),
  aggregator: values.aggregator as Aggregator,
  bucket: Number(values.bucket),
  workerMomentum: Number(values['worker-momentum']),
  clip: {
    iterations: Number(values['clip-iterations']),
    scale: Number(values['clip-scale']),
    // 0: none rejected; the key then leaves it out, so runs from before the option are found again.
    ...(Number(values['clip-reject']) > 0 && { reject: Number(values['clip-reject']) }),
  },
  outer: { lr: Number(values['outer-lr']), momentum: Number(values['outer-momentum']) },
  seed: Number(values.seed),
  dealing: values['fixed-shards'] ? 'fixed' : 'random',
  // 0: off; the key then leaves it out, so runs from before the option are found again.
  ...(Number(values['gate-loss']) > 0 && { gateLoss: Number(values['gate-loss']) }),
  ...(Number(values['rounds-cap']) > 0 && { roundsCap: Number(values['rounds-cap']) }),
  // 0: off; the key then leaves it out, so runs from before the option are found again.
  ...(values.direction && { direction: true as const }),
  // Off: the key then leaves it out, so runs from before the option are found again.
  ...(values['screen-even'] && Number(values.screen) > 0 && { screenEven: true as const }),
  ...(values.redeal && Number(values.screen) > 0 && { redeal: true as const }),
  // A number, as in commit b98fe58, so the runs of that rule are found again in the cache.
  ...(Number(values.screen) > 0 && { screen: Number(values.screen) }),
  // 0: the rule before margins; the key then leaves it out, so runs from before the option are found again.
  ...(Number(values.screen) > 0 &&
    Number(values['screen-margin']) > 0 && { screenMargin: Number(values['screen-margin']) }),
  // First: the key then leaves it out, so runs from before the option are found again.
  ...(values['check-digits'] === 'drawn' && { checkDigits: 'drawn' as const }),
};
for (const [k, v] of Object.entries(config)) if (typeof v === 'number' && !(v >= 0)) throw new Error(`bad ${k}: ${v}`);

const log = (line: string) => console.error(`bench:training: ${line}`);
log(
  `${cpus()[0]?.model} × ${cpus().length}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
log(JSON.stringify(config));
const kit = kitOf(...(await Promise.all([loadMnist(), loadTrainingWasm()])));

/**
 * What a clean or central run leaves in the cache: its accuracy and, for a clean run, one result's upload ratio and
 * the units it dealt again (both absent from central runs, and from clean runs cached before they were kept).
 */
interface Figures {
  readonly accuracy: number;
  readonly uploadRatio?: number;
  readonly dealtAgain?: number;
}

/** Clean and central runs depend on neither the attack nor the attackers' share: computed once per configuration. */
async function cached(
  name: string,
  configKey: SimConfig | Omit<SimConfig, 'attack' | 'byzantine' | 'recompute'>,
  run: () => Figures | Promise<Figures>,
): Promise<Figures> {
  // Dealing changes nothing without attackers, and the default clipping of old is left out of the key, so runs from
  // before either option existed are found again.
  const { dealing: _dealing, ...withClip } = configKey;
  const { clip, ...rest } = withClip;
  const key = clip.iterations === 3 && clip.scale === 1 && !clip.reject ? rest : withClip;
  const folder = `${tmpdir()}/terraflop-bench-training`;
  const file = `${folder}/${name}-${fnv1a64(new TextEncoder().encode(JSON.stringify(key)))}.json`;
  if (!values.fresh) {
    try {
      const { key: _key, ...figures } = JSON.parse(readFileSync(file, 'utf8')) as Figures & { key: unknown };
      log(`${name}: ${figures.accuracy} (cached in ${file})`);
      return figures;
    } catch {}
  }
  const figures = await run();
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...figures, key }));
  return figures;
}

const started = performance.now();
const cleanConfig = { ...config, attack: 'none' as const, byzantine: 0, recompute: 0 };
// Central training runs the volunteers' digits and rates whatever the rounds' rule (it has no rounds to refuse).
// Nor the suspicion screens or the second wave (it has no updates to screen or units to deal again): left out of
// its key, so it is found again with them.
const {
  attack: _a,
  byzantine: _b,
  recompute: _r,
  roundsCap: _c,
  screen: _s,
  direction: _d,
  screenEven: _e,
  redeal: _rd,
  screenMargin: _m,
  ...shared
} = config;
const { accuracy: centralAccuracy } = await cached('central', shared, () => ({ accuracy: central(kit, config, log) }));
const clean = await cached('clean', cleanConfig, async () => {
  const { accuracy, uploadRatio, dealtAgain } = await simulate(kit, cleanConfig, log);
  return { accuracy, uploadRatio, dealtAgain };
});
const cleanAccuracy = clean.accuracy;
const result = config.attack === 'none' ? undefined : await simulate(kit, config, log);
const banned = result?.bannedAfter.filter((b) => b !== null) ?? [];
// The goal is every cheater banned within 50 of its tasks: one never banned must have run fewer than that.
const unbanned = result?.tasks.filter((_, i) => result.bannedAfter[i] === null) ?? [];
log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()[0]!.toFixed(2)}`);
console.log(
  JSON.stringify({
    attack: config.attack,
    byzantine: config.byzantine,
    accuracy: result?.accuracy ?? cleanAccuracy,
    clean_accuracy: cleanAccuracy,
    central_accuracy: centralAccuracy,
    rounds: config.rounds,
    rounds_run: result?.roundsRun ?? config.rounds,
    // A clean run's (--attack none) from its cache; null where it was cached before the ratio was kept.
    upload_ratio: result?.uploadRatio ?? clean.uploadRatio ?? null,
    verify_overhead: result?.verifyOverhead ?? 0,
    banned: `${banned.length}/${result?.attackers ?? 0}`,
    banned_within: banned.length ? Math.max(...(banned as number[])) : null,
    unbanned_tasks: unbanned.length ? Math.max(...unbanned) : null,
    gated_rounds: result?.gated ?? 0,
    dealt_again: result?.dealtAgain ?? clean.dealtAgain ?? null,
  }),
);
