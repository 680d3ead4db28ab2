/**
 * @module server/chain/chain-poster
 * The chain poster pass: builds an epoch from the settled credit when one is due (file first, then its record),
 * then posts the oldest unposted epoch, reading the chain before every send so that a restart, a lost RPC reply or
 * a chain restored from an older dump never duplicates or loses an epoch (the ledger also refuses any epoch but
 * latest + 1). The pass never waits on the RPC: it starts a round in the background and reports the last one.
 */
import type { Address, Hex } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import type { Pass } from '../passes/passes.ts';
import type { ChainFeed, EpochRecord, EpochRecords } from '../store/chain.ts';
import { backgroundPass } from './background-pass.ts';
import type { ChainClients } from './clients.ts';
import type { Deployment } from './deploy.ts';
import { readEpochFile, readEpochHeader, writeEpochFile } from '../epochs/epoch-file.ts';
import { buildEpochInWorker } from './tree-worker.ts';
import { creditToWei } from '../epochs/epoch-tree.ts';
import { readEpoch, readLatestEpoch } from './read-ledger.ts';
import { writeAndWait } from './write-and-wait.ts';
import { BaseError } from '../../protocol/base-error.ts';

export interface ChainPosterOptions {
  clients: ChainClients;
  deployment: Pick<Deployment, 'ledger'>;
  /** The poster's memory in the store: the epochs it built and how far each got. */
  records: EpochRecords;
  /** The credit that goes on chain: the coordinator's is ChainFeed.mintableCredit (paid or granted work only). */
  settledCredit: ChainFeed['mintableCredit'];
  /** Folder for this ledger's epoch files. */
  epochDir: string;
  /** Least time between two epochs. */
  epochIntervalMs: number;
  /** Test hook: called at each durable step; throwing stops the round there, as a crash would. */
  onStep?: (step: 'built' | 'sent') => void;
  log?: (message: string) => void;
  /** Told when an epoch is known to be on the chain (posted now, or found there after a lost reply). */
  onPosted?: (epoch: number) => void;
}

export class ChainConflictError extends BaseError {
  override name = 'ChainConflictError' as const;
}

export interface ChainPoster {
  /** The pass for the runner: never awaits the chain. */
  pass: Pass;
  /** One full round, awaited (tests, the command line). Resolves whether it built or posted anything. */
  runOnce(now: number): Promise<boolean>;
  /** Waits for a round in flight. */
  idle(): Promise<void>;
}

/**
 * @example
 * const poster = chainPoster({ clients, deployment, records, settledCredit, epochDir, epochIntervalMs: 600_000 });
 */
export function chainPoster(o: ChainPosterOptions): ChainPoster {
  const ledger = o.deployment.ledger;
  const log = o.log ?? ((m: string) => console.warn(m));

  async function buildIfDue(now: number): Promise<EpochRecord | undefined> {
    const last = await o.records.latestEpoch(ledger);
    if (last && now - last.builtAt < o.epochIntervalMs) return undefined;
    const credits = (await o.settledCredit()).map((c) => ({ address: c.address, credit: creditToWei(c.credit) }));
    if (!credits.some((c) => c.credit > 0n)) return undefined;
    const epoch = (last?.epoch ?? 0) + 1;
    // The weights grow from the previous epoch's file, as every attester recomputes them (stake-weight.ts).
    const previous = last && { text: readEpochFile(o.epochDir, last.epoch), fileHash: last.fileHash as Hex };
    const built = await buildEpochInWorker({ epoch, credits, cutAt: Math.floor(now / 1000), previous });
    if (!built) return undefined; // nothing new settled: no epoch
    writeEpochFile(o.epochDir, epoch, built.text);
    await o.records.recordBuilt({
      ledger,
      epoch,
      root: built.root,
      fileHash: built.fileHash,
      totalCredit: String(built.total),
      volunteers: built.volunteers,
      builtAt: now,
    });
    o.onStep?.('built');
    return o.records.epoch(ledger, epoch);
  }

  /** Brings one unposted epoch to the chain, or finds it already there. */
  async function post(r: EpochRecord, now: number): Promise<void> {
    const { publicClient } = o.clients;
    const onChain = await readLatestEpoch(publicClient, { ledger });
    if (onChain >= r.epoch) {
      const e = await readEpoch(publicClient, { ledger, epoch: r.epoch });
      if (e?.root !== r.root)
        throw new ChainConflictError(`epoch ${r.epoch} on chain has root ${e?.root}, ours is ${r.root}`);
      const block = r.txHash
        ? String(
            (await publicClient.getTransactionReceipt({ hash: r.txHash as Hex }).catch(() => undefined))?.blockNumber ??
              '',
          )
        : '';
      await o.records.markPosted(ledger, r.epoch, block, now);
      o.onPosted?.(r.epoch);
      return;
    }
    if (onChain < r.epoch - 1) {
      await reconcile(); // the chain lost an epoch before this one: that one goes first
      return;
    }
    if (r.txHash) {
      const tx = await publicClient.getTransaction({ hash: r.txHash as Hex }).catch(() => undefined);
      if (tx && tx.blockNumber === null) return; // still pending: wait for it rather than race it
    }
    // The record predates weights (no migration): the epoch's own file holds its total weight.
    const totalWeight = BigInt(readEpochHeader(o.epochDir, r.epoch).totalWeight);
    const receipt = await writeAndWait(o.clients, {
      address: ledger as Address,
      abi: creditLedgerAbi,
      functionName: 'proposeEpoch',
      args: [BigInt(r.epoch), r.root as Hex, r.fileHash as Hex, BigInt(r.totalCredit), totalWeight],
      onSent: async (hash) => {
        await o.records.markSent(ledger, r.epoch, hash);
        o.onStep?.('sent');
      },
    });
    await o.records.markPosted(ledger, r.epoch, String(receipt.blockNumber), now);
    o.onPosted?.(r.epoch);
  }

  /** A chain restored from an older dump lost epochs we saw posted: mark them for posting again, in order. */
  async function reconcile(): Promise<boolean> {
    const lastPosted = await o.records.latestPosted(ledger);
    if (!lastPosted) return false;
    const onChain = await readLatestEpoch(o.clients.publicClient, { ledger });
    if (onChain >= lastPosted.epoch) return false;
    const n = await o.records.markUnposted(ledger, onChain + 1);
    log(`chain: ledger ${ledger} is at epoch ${onChain}; re-posting ${n} epochs from ${onChain + 1}`);
    return true;
  }

  async function runOnce(now: number): Promise<boolean> {
    let did = await reconcile();
    let pending = (await o.records.nextToPost(ledger)) ?? (await buildIfDue(now));
    // Bounded: at most a handful of epochs per round, so a long backlog never holds the round.
    for (let i = 0; pending && i < 8; i++) {
      try {
        await post(pending, now);
      } catch (error) {
        await o.records.recordError(ledger, pending.epoch, error instanceof Error ? error.message : String(error));
        throw error;
      }
      did = true;
      pending = await o.records.nextToPost(ledger);
    }
    return did;
  }

  const background = backgroundPass('chain poster', runOnce, log);
  return { pass: background.pass, runOnce, idle: background.idle };
}
