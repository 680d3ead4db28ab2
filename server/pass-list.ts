/**
 * @module server/pass-list
 * The coordinator's passes by name, from its settings: the list the coordinator runs round after round, and the one
 * `server/cli/pass.ts` runs a pass of. The passes that follow results run every round; those with nothing urgent run
 * at most every few seconds, since under load a round starts as each batch of reports arrives and each pass costs a
 * few statements even when idle.
 */
import { join } from 'node:path';
import type { RunningChain } from './chain/start-chain.ts';
import type { Config } from './config.ts';
import { demoFeeder } from './demo/signal-search-feeder.ts';
import type { WorkEvents } from './passes/events.ts';
import {
  atMostEvery,
  creditPass,
  purger,
  revoker,
  settler,
  statusCounterPass,
  transitionerFor,
  validatorFor,
  type Pass,
} from './passes/passes.ts';
import { statsExporter } from './stats/export.ts';
import type { TrainingStore } from './store/training.ts';
import { mnistOps } from './training/model-ops.ts';
import { trainer } from './training/trainer.ts';

type PassSettings = Pick<
  Config,
  'TERRAFLOP_DATA' | 'TERRAFLOP_SETTLING_S' | 'TERRAFLOP_RETENTION_S' | 'TERRAFLOP_DEMO'
>;

/** The passes over the store alone; the deciding ones tell `events` what they decided. */
export function storePasses(config: PassSettings, events?: WorkEvents): Record<string, Pass> {
  const passes: Record<string, Pass> = {
    transitioner: transitionerFor(events),
    validator: validatorFor(events),
    revoker: atMostEvery(1_000, revoker),
    credit: creditPass(),
    settler: atMostEvery(5_000, settler(config.TERRAFLOP_SETTLING_S * 1000)),
    purger: atMostEvery(30_000, purger(config.TERRAFLOP_RETENTION_S * 1000)),
    'status counter': atMostEvery(1_000, statusCounterPass()),
    'statistics export': atMostEvery(1_000, statsExporter(join(config.TERRAFLOP_DATA, 'stats'))),
  };
  if (config.TERRAFLOP_DEMO !== 'off') passes['demo feeder'] = atMostEvery(1_000, demoFeeder(config.TERRAFLOP_DEMO));
  return passes;
}

/** The passes over the training store (server/training/): names first, for the command line's list. */
export const TRAINING_PASSES = ['trainer'];

/** The trainer runs at most twice a second: a round waits on volunteers' minutes of work, not on milliseconds. */
export function trainingPasses(training: TrainingStore): Record<string, Pass> {
  return { trainer: atMostEvery(500, trainer(training, mnistOps)) };
}

/** A chain pass: in the background of the runner's rounds, or one awaited round (the command line). */
interface ChainRound {
  pass: Pass;
  runOnce(now: number): Promise<boolean>;
}

/**
 * The passes that talk to the chain. In the coordinator each starts its round in the background, so that an RPC
 * outage holds up no other pass; `awaited` makes each pass its whole round instead (one pass run alone).
 */
export function chainPasses(
  chain: Pick<RunningChain, 'poster' | 'settler' | 'reader' | 'attester'>,
  { awaited = false }: { awaited?: boolean } = {},
): Record<string, Pass> {
  const pass = (round: ChainRound): Pass => (awaited ? (_store, now) => round.runOnce(now) : round.pass);
  return {
    'chain poster': pass(chain.poster),
    'market settler': pass(chain.settler),
    // Two or three reads of the chain a round: often enough for a page waiting on its claim, no more.
    'chain reader': awaited ? pass(chain.reader) : atMostEvery(1_000, chain.reader.pass),
    attestation: awaited ? pass(chain.attester) : atMostEvery(1_000, chain.attester.pass),
  };
}
