/**
 * @module server/chain/start-chain
 * Brings up the chain side of a coordinator from its configuration: the embedded anvil (state, poster key and
 * deployment kept in <data>/chain/) or any EVM chain by RPC, then its passes over the store's chain records: the
 * poster, the market settler and the chain reader.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAddress, numberToHex, type Address, type Hex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { startAnvil, type Anvil } from './anvil.ts';
import type { ChainConfig } from './chain-config.ts';
import { chainPoster, type ChainPoster } from './chain-poster.ts';
import { chainReader, type ChainReader } from './chain-reader.ts';
import { chainClients, type ChainClients } from './clients.ts';
import { deployContracts, type Deployment } from './deploy.ts';
import { loadArtifacts } from '../../contracts/compile.ts';
import { backgroundPass, type BackgroundPass } from './background-pass.ts';
import { marketSettler } from './market-settler.ts';
import type { ChainStore } from '../store/chain.ts';
import { BaseError } from '../../protocol/base-error.ts';

export interface RunningChain {
  mode: 'embedded' | 'rpc';
  deployment: Deployment;
  rpcUrl: string;
  clients: ChainClients;
  /** The chain side's records in the store. */
  store: ChainStore;
  poster: ChainPoster;
  /** Burns paid batches' COP as their credit settles (ComputeMarket). */
  settler: BackgroundPass & { runOnce(now: number): Promise<boolean> };
  /** Keeps the store's mirror of the ledger (epochs on chain, claimed amounts), which the routes read. */
  reader: ChainReader;
  epochDir: string;
  stop(): Promise<void>;
}

export class ChainSetupError extends BaseError {
  override name = 'ChainSetupError' as const;
}

/** Who hears what the chain side does: its log, failed RPC requests, epochs posted (the coordinator's metrics). */
export interface ChainObserver {
  log?: (message: string) => void;
  onRpcError?: (method: string, error: unknown) => void;
  onEpochPosted?: (epoch: number) => void;
}

const KEY = /^0x[0-9a-fA-F]{64}$/;

function readKey(path: string, what: string): Hex {
  const key = readFileSync(path, 'utf8').trim();
  if (!KEY.test(key)) throw new ChainSetupError(`${what} (${path}) must hold 0x and 64 hex digits`);
  return key as Hex;
}

/** The embedded chain's poster key: made once, kept beside the chain's state, readable by this user only. */
function embeddedKey(dir: string): Hex {
  const path = join(dir, 'poster.key');
  if (!existsSync(path)) writeFileSync(path, `${generatePrivateKey()}\n`, { mode: 0o600, flag: 'wx' });
  return readKey(path, 'the embedded poster key');
}

async function hasCode(clients: ChainClients, address: Address): Promise<boolean> {
  const code = await clients.publicClient.getCode({ address });
  return code !== undefined && code !== '0x';
}

async function embedded(
  dir: string,
  observer: ChainObserver,
): Promise<{ anvil: Anvil; clients: ChainClients; deployment: Deployment }> {
  const anvil = await startAnvil({ stateFile: join(dir, 'anvil-state.json') });
  try {
    const clients = chainClients({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      privateKey: embeddedKey(dir),
      onRpcError: observer.onRpcError,
    });
    // Gas money for the poster on the local chain (anvil's own cheat code; a real chain's poster is funded by hand).
    await clients.publicClient.request({
      method: 'anvil_setBalance',
      params: [clients.account.address, numberToHex(10n ** 21n)],
    } as never);
    const file = join(dir, 'deployment.json');
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Deployment;
      const current = saved.sources === loadArtifacts().sourceHash;
      if (current && saved.chainId === anvil.chainId && (await hasCode(clients, saved.ledger)))
        return { anvil, clients, deployment: saved };
      (observer.log ?? console.warn)(
        current
          ? `chain: the contracts in ${file} are not on the embedded chain (its state was lost); deploying again`
          : `chain: the contracts in ${file} were compiled from other sources; deploying the current ones`,
      );
    }
    const deployment = await deployContracts(clients);
    writeFileSync(file, `${JSON.stringify(deployment, null, 2)}\n`);
    return { anvil, clients, deployment };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

async function byRpc(
  config: ChainConfig,
  observer: ChainObserver,
): Promise<{ clients: ChainClients; deployment: Deployment }> {
  const missing = (
    ['TERRAFLOP_RPC_URL', 'TERRAFLOP_CHAIN_ID', 'TERRAFLOP_LEDGER_ADDRESS', 'TERRAFLOP_MARKET_ADDRESS'] as const
  ).filter((k) => !config[k]);
  if (!config.TERRAFLOP_POSTER_KEY_FILE && !config.TERRAFLOP_POSTER_KEY)
    missing.push('TERRAFLOP_POSTER_KEY_FILE or TERRAFLOP_POSTER_KEY' as never);
  if (missing.length > 0) throw new ChainSetupError(`TERRAFLOP_CHAIN=rpc needs ${missing.join(', ')}`);
  const key = config.TERRAFLOP_POSTER_KEY_FILE
    ? readKey(config.TERRAFLOP_POSTER_KEY_FILE, 'TERRAFLOP_POSTER_KEY_FILE')
    : (config.TERRAFLOP_POSTER_KEY as Hex);
  const clients = chainClients({
    rpcUrl: config.TERRAFLOP_RPC_URL!,
    chainId: config.TERRAFLOP_CHAIN_ID!,
    privateKey: key,
    onRpcError: observer.onRpcError,
  });
  const actual = await clients.publicClient.getChainId();
  if (actual !== config.TERRAFLOP_CHAIN_ID)
    throw new ChainSetupError(
      `TERRAFLOP_RPC_URL serves chain ${actual}, TERRAFLOP_CHAIN_ID says ${config.TERRAFLOP_CHAIN_ID}`,
    );
  const ledger = getAddress(config.TERRAFLOP_LEDGER_ADDRESS!);
  if (!(await hasCode(clients, ledger)))
    throw new ChainSetupError(`no contract at TERRAFLOP_LEDGER_ADDRESS ${ledger} on chain ${actual}`);
  const cop = await clients.publicClient.readContract({ address: ledger, abi: creditLedgerAbi, functionName: 'cop' });
  const deployment: Deployment = {
    chainId: actual,
    ledger,
    cop,
    market: getAddress(config.TERRAFLOP_MARKET_ADDRESS!),
    block: '0',
  };
  return { clients, deployment };
}

/**
 * Undefined when TERRAFLOP_CHAIN is off.
 * @example
 * const chain = await startChain(config, stores.chain);
 * if (chain) passes['chain poster'] = chain.poster.pass;
 */
export async function startChain(
  config: ChainConfig,
  store: ChainStore,
  observer: ChainObserver = {},
): Promise<RunningChain | undefined> {
  if (config.TERRAFLOP_CHAIN === 'off') return undefined;
  const dir = join(config.TERRAFLOP_DATA, 'chain');
  mkdirSync(dir, { recursive: true });
  const up =
    config.TERRAFLOP_CHAIN === 'embedded'
      ? await embedded(dir, observer)
      : { anvil: undefined, ...(await byRpc(config, observer)) };
  const log = observer.log ?? ((m: string) => console.warn(m));
  // A coordinator from before the store kept the chain's state left it in this file: take it in once.
  const adopted = await store.adoptChainFile(join(dir, 'chain.sqlite'));
  if (adopted > 0) log(`chain: took ${adopted} epochs from ${join(dir, 'chain.sqlite')} into the store`);
  const epochDir = join(dir, 'epochs', up.deployment.ledger);
  const poster = chainPoster({
    clients: up.clients,
    deployment: up.deployment,
    records: store,
    settledCredit: () => store.mintableCredit(),
    epochDir,
    epochIntervalMs: config.TERRAFLOP_EPOCH_INTERVAL_S * 1000,
    log,
    ...(observer.onEpochPosted && { onPosted: observer.onEpochPosted }),
  });
  const market = marketSettler({
    clients: up.clients,
    market: up.deployment.market,
    fromBlock: BigInt(up.deployment.block),
    records: store,
    batchProgress: (ids) => store.batchProgress(ids),
  });
  const settleRound = async () => (await market.runOnce()) > 0;
  const settler = { ...backgroundPass('market settler', settleRound, log), runOnce: settleRound };
  const reader = chainReader({
    clients: up.clients,
    ledger: up.deployment.ledger,
    fromBlock: BigInt(up.deployment.block),
    mirror: store,
    log,
  });
  return {
    mode: config.TERRAFLOP_CHAIN,
    deployment: up.deployment,
    rpcUrl: up.anvil?.rpcUrl ?? config.TERRAFLOP_RPC_URL!,
    clients: up.clients,
    store,
    poster,
    settler,
    reader,
    epochDir,
    async stop() {
      await poster.idle();
      await settler.idle();
      await reader.idle();
      await up.anvil?.stop();
    },
  };
}
