/**
 * @module server/chain/market-settler
 * The ComputeMarket's coordinator side, a pass like the poster: it learns of escrows from BatchOpened events (a
 * market batch id is the coordinator's batch id), burns the COP for each batch's settled credit as it grows, and
 * closes the batch (refunding the rest) once no unit is active and all its credit is settled. Every decision reads
 * the batch on chain first and settle is cumulative, so a retry after a crash or an RPC failure burns nothing twice.
 */
import { parseAbiItem, type Address } from 'viem';
import { computeMarketAbi } from '../../contracts/abi.ts';
import type { ChainFeed, MarketRecords } from '../store/chain.ts';
import type { ChainClients } from './clients.ts';
import { creditToWei } from '../epochs/epoch-tree.ts';
import { writeAndWait } from './write-and-wait.ts';

export interface MarketSettlerOptions {
  clients: ChainClients;
  market: Address;
  /** Block to start reading BatchOpened events from (the deployment's). */
  fromBlock: bigint;
  /** The settler's memory in the store: the event cursor and the batches seen. */
  records: MarketRecords;
  batchProgress: ChainFeed['batchProgress'];
}

const opened = parseAbiItem(
  'event BatchOpened(uint256 indexed batchId, address indexed requester, uint256 escrow, uint256 price)',
);
/** Blocks per getLogs request: what public RPCs commonly allow. */
const LOG_SPAN = 5_000n;

export function marketSettler(o: MarketSettlerOptions) {
  const { publicClient } = o.clients;

  async function scan(): Promise<void> {
    const cursor = await o.records.marketCursor(o.market);
    const from = cursor === undefined ? o.fromBlock : cursor + 1n;
    // Uncached: viem otherwise answers from the last 4 s, and a scan would stop short of the blocks just mined (the
    // cursor then waits a round for an escrow opened moments ago).
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (from > latest) return;
    const to = from + LOG_SPAN - 1n < latest ? from + LOG_SPAN - 1n : latest;
    const logs = await publicClient.getLogs({ address: o.market, event: opened, fromBlock: from, toBlock: to });
    await o.records.recordOpened(
      o.market,
      logs.map((log) => Number(log.args.batchId)),
      to,
    );
  }

  /** One round: returns how many transactions it sent. */
  async function runOnce(): Promise<number> {
    await scan();
    const ids = await o.records.openBatches(o.market);
    if (ids.length === 0) return 0;
    const progress = await o.batchProgress(ids);
    let sent = 0;
    for (const id of ids) {
      const p = progress.get(id);
      if (!p) continue; // an escrow for a batch this coordinator does not have: nothing to settle
      const onChain = await publicClient.readContract({
        address: o.market,
        abi: computeMarketAbi,
        functionName: 'batches',
        args: [BigInt(id)],
      });
      if (onChain.closed) {
        await o.records.markClosed(o.market, id);
        continue;
      }
      // Never below what the chain has settled already. Wei are bigints, which Math.max does not take.
      let credit = creditToWei(p.credit);
      if (credit < onChain.settledCredit) credit = onChain.settledCredit;
      const call = { address: o.market, abi: computeMarketAbi } as const;
      if (p.finished) {
        await writeAndWait(o.clients, { ...call, functionName: 'close', args: [BigInt(id), credit] });
        await o.records.markClosed(o.market, id);
        sent++;
      } else if (credit > onChain.settledCredit) {
        await writeAndWait(o.clients, { ...call, functionName: 'settle', args: [BigInt(id), credit] });
        sent++;
      }
    }
    return sent;
  }

  return { runOnce };
}
