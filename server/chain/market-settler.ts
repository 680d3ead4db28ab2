/**
 * @module server/chain/market-settler
 * The ComputeMarket's coordinator side, a pass like the poster: it learns of escrows from BatchOpened events (an
 * escrow is a requester's batch id in the requester's own namespace), and settles only the escrow whose requester
 * is the address the batch's project names as payer: anyone may open an escrow under any batch id, and the settler
 * never settles against it. It burns the COP for each batch's settled credit as it grows, and closes the batch
 * (refunding the rest) once no unit is active and all its credit is settled, or as soon as the requester asked to
 * cancel: the credit validated so far is settled first, so volunteers' work done before the cancel is paid. Every
 * decision reads the batch on chain first and settle is cumulative, so a retry after a crash or an RPC failure burns
 * nothing twice. */
import { getAddress, parseAbiItem, type Address } from 'viem';
import { computeMarketAbi } from '../../contracts/abi.ts';
import type { BatchProgress, ChainFeed, MarketEscrow, MarketRecords } from '../store/chain.ts';
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
    const escrows = logs.map((log) => ({ batchId: Number(log.args.batchId), requester: log.args.requester! }));
    await o.records.recordOpened(o.market, escrows, to);
  }

  /** One round: returns how many transactions it sent. */
  async function runOnce(): Promise<number> {
    await scan();
    const escrows = await o.records.openBatches(o.market);
    if (escrows.length === 0) return 0;
    const progress = await o.batchProgress([...new Set(escrows.map((e) => e.batchId))]);
    let sent = 0;
    for (const escrow of escrows) {
      const p = progress.get(escrow.batchId);
      // A batch this coordinator does not have, or an escrow from anyone but its project's payer: never settled.
      if (!p || p.payer === null || p.payer !== escrow.requester.toLowerCase()) continue;
      if (await settleOne(escrow, p)) sent++;
    }
    return sent;
  }

  async function settleOne(escrow: MarketEscrow, p: BatchProgress): Promise<boolean> {
    const requester = getAddress(escrow.requester);
    const id = BigInt(escrow.batchId);
    const call = { address: o.market, abi: computeMarketAbi } as const;
    const onChain = await publicClient.readContract({ ...call, functionName: 'batches', args: [requester, id] });
    if (onChain.closed) {
      await o.records.markClosed(o.market, escrow);
      return false;
    }
    // Never below what the chain has settled already. Wei are bigints, which Math.max does not take.
    let credit = creditToWei(p.credit);
    if (credit < onChain.settledCredit) credit = onChain.settledCredit;
    if (p.finished || onChain.refundableAt > 0n) {
      await writeAndWait(o.clients, { ...call, functionName: 'close', args: [requester, id, credit] });
      await o.records.markClosed(o.market, escrow);
      return true;
    }
    if (credit > onChain.settledCredit) {
      await writeAndWait(o.clients, { ...call, functionName: 'settle', args: [requester, id, credit] });
      return true;
    }
    return false;
  }

  return { runOnce };
}
