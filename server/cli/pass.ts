/**
 * @module server/cli/pass
 * Runs one of the coordinator's passes alone, against the store its settings name (TERRAFLOP_DATA or
 * TERRAFLOP_DATABASE_URL): once, printing whether it did anything, or with --loop round after round (again at once
 * while it finds work, else after TERRAFLOP_PASS_INTERVAL_MS) until SIGINT or SIGTERM, as BOINC runs a daemon by
 * hand. Passes are idempotent and talk only through the store, so this may run beside a coordinator. The chain
 * passes need the chain by RPC (TERRAFLOP_CHAIN=rpc): the embedded chain lives inside the coordinator's process.
 *
 * @example
 *   node server/cli/pass.ts validator
 *   npm run pass -- chain-reader --loop
 */
import { parseArgs } from 'node:util';
import { BaseError } from '../../protocol/base-error.ts';
import type { RunningChain } from '../chain/start-chain.ts';
import { loadConfig, type Config } from '../config.ts';
import { chainPasses, storePasses, TRAINING_PASSES, trainingPasses } from '../pass-list.ts';
import type { Pass } from '../passes/passes.ts';
import { startPasses } from '../passes/runner.ts';
import { openStore, storeLocation } from '../store/open-store.ts';
import type { Stores } from '../store/stores.ts';

const CHAIN_PASSES = ['chain poster', 'market settler', 'chain reader'];

export class PassUsageError extends BaseError {
  override name = 'PassUsageError' as const;
}

/** `validator`, `statistics-export` and `"statistics export"` all name one pass. */
const normalise = (name: string) => name.trim().toLowerCase().replace(/[-_]+/g, ' ');

/** The named pass over the configured store, and what to close after it. */
async function open(name: string, config: Config): Promise<{ pass: Pass; stores: Stores; chain?: RunningChain }> {
  const wanted = normalise(name);
  const onStore = storePasses(config);
  const names = [...Object.keys(onStore), ...TRAINING_PASSES, ...CHAIN_PASSES];
  if (!names.includes(wanted))
    throw new PassUsageError(
      `no pass named "${name}"; the passes: ${names.map((n) => n.replace(/ /g, '-')).join(', ')}`,
    );
  if (CHAIN_PASSES.includes(wanted) && config.TERRAFLOP_CHAIN !== 'rpc')
    throw new PassUsageError(
      `the ${wanted} needs TERRAFLOP_CHAIN=rpc (it is ${config.TERRAFLOP_CHAIN}): ` +
        'the embedded chain runs inside the coordinator, whose rounds run this pass',
    );
  const stores = await openStore(storeLocation(config));
  if (TRAINING_PASSES.includes(wanted)) return { pass: trainingPasses(stores.training)[wanted]!, stores };
  if (!CHAIN_PASSES.includes(wanted)) return { pass: onStore[wanted]!, stores };
  try {
    // Loaded only for a chain pass: the chain's clients and contracts are most of this command's start-up.
    const { startChain } = await import('../chain/start-chain.ts');
    const chain = (await startChain(config, stores.chain))!;
    return { pass: chainPasses(chain, { awaited: true })[wanted]!, stores, chain };
  } catch (error) {
    await stores.close();
    throw error;
  }
}

/**
 * Runs pass `name` once (resolving whether it did anything), or with `loop` until `stop` is aborted (resolving
 * how many rounds did something).
 */
export async function runPass(
  name: string,
  { loop = false, env = process.env, stop }: { loop?: boolean; env?: NodeJS.ProcessEnv; stop?: AbortSignal } = {},
): Promise<{ pass: string; did: boolean; rounds: number }> {
  const config = loadConfig(env);
  const { pass, stores, chain } = await open(name, config);
  const label = normalise(name);
  try {
    if (!loop) return { pass: label, did: await pass(stores.work, Date.now()), rounds: 1 };
    let rounds = 0;
    const counted: Pass = async (store, now) => {
      const did = await pass(store, now);
      if (did) rounds++;
      return did;
    };
    const runner = startPasses(stores.work, { [label]: counted }, { intervalMs: config.TERRAFLOP_PASS_INTERVAL_MS });
    if (stop && !stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    await runner.stop();
    return { pass: label, did: rounds > 0, rounds };
  } finally {
    await chain?.stop();
    await stores.close();
  }
}

const USAGE = 'usage: node server/cli/pass.ts NAME [--loop]   (NAME: transitioner, validator, credit, …)';

if (import.meta.main) {
  try {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { loop: { type: 'boolean' } } });
    if (positionals.length !== 1) throw new PassUsageError(`name one pass (got ${positionals.length})`);
    const stop = new AbortController();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
    const outcome = await runPass(positionals[0]!, { loop: values.loop ?? false, stop: stop.signal });
    console.log(JSON.stringify(outcome));
  } catch (error) {
    const usage = error instanceof PassUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`pass: ${error instanceof Error ? error.message : String(error)}${usage ? `\n${USAGE}` : ''}`);
    process.exit(usage ? 2 : 1);
  }
}
