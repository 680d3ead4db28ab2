/**
 * @module server/chain/market-settler
 * The ComputeMarket's coordinator side, a pass like the poster: it learns of escrows from BatchOpened events (a
 * market batch id is the coordinator's batch id), burns the COP for each batch's settled credit as it grows, and
 * closes the batch (refunding the rest) once no unit is active and all its credit is settled. Every decision reads
 * the batch on chain first and settle is cumulative, so a retry after a crash or an RPC failure burns nothing twice.
 */
import { DatabaseSync } from 'node:sqlite';
import { parseAbiItem, type Address } from 'viem';
import { computeMarketAbi } from '../../contracts/abi.ts';
import type { ChainFeed } from '../store/chain.ts';
import type { ChainClients } from './clients.ts';
import { creditToWei } from './epoch-tree.ts';
import { writeAndWait } from './write-and-wait.ts';

export interface MarketSettlerOptions {
  clients: ChainClients;
  market: Address;
  /** Block to start reading BatchOpened events from (the deployment's). */
  fromBlock: bigint;
  /** SQLite file for the event cursor and the batches seen (the chain state file). */
  statePath: string;
  batchProgress: ChainFeed['batchProgress'];
}

const opened = parseAbiItem(
  'event BatchOpened(uint256 indexed batchId, address indexed requester, uint256 escrow, uint256 price)',
);
/** Blocks per getLogs request: what public RPCs commonly allow. */
const LOG_SPAN = 5_000n;

export function marketSettler(o: MarketSettlerOptions) {
  const db = new DatabaseSync(o.statePath);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;
    CREATE TABLE IF NOT EXISTS market_batches (market TEXT NOT NULL, batch_id INTEGER NOT NULL,
      closed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (market, batch_id));
    CREATE TABLE IF NOT EXISTS market_cursor (market TEXT PRIMARY KEY, block TEXT NOT NULL);`);
  const { publicClient } = o.clients;

  async function scan(): Promise<void> {
    const row = db.prepare('SELECT block FROM market_cursor WHERE market = ?').get(o.market) as
      | { block: string }
      | undefined;
    const from = row ? BigInt(row.block) + 1n : o.fromBlock;
    // Uncached: viem otherwise answers from the last 4 s, and a scan would stop short of the blocks just mined (the
    // cursor then waits a round for an escrow opened moments ago).
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (from > latest) return;
    const to = from + LOG_SPAN - 1n < latest ? from + LOG_SPAN - 1n : latest;
    const logs = await publicClient.getLogs({ address: o.market, event: opened, fromBlock: from, toBlock: to });
    for (const log of logs) {
      db.prepare('INSERT OR IGNORE INTO market_batches (market, batch_id) VALUES (?, ?)').run(
        o.market,
        Number(log.args.batchId),
      );
    }
    db.prepare(
      `INSERT INTO market_cursor (market, block) VALUES (?, ?)
        ON CONFLICT (market) DO UPDATE SET block = excluded.block`,
    ).run(o.market, String(to));
  }

  /** One round: returns how many transactions it sent. */
  async function runOnce(): Promise<number> {
    await scan();
    const ids = (
      db.prepare('SELECT batch_id AS id FROM market_batches WHERE market = ? AND closed = 0').all(o.market) as Array<{
        id: number;
      }>
    ).map((r) => r.id);
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
        db.prepare('UPDATE market_batches SET closed = 1 WHERE market = ? AND batch_id = ?').run(o.market, id);
        continue;
      }
      // Never below what the chain has settled already. Wei are bigints, which Math.max does not take.
      let credit = creditToWei(p.credit);
      if (credit < onChain.settledCredit) credit = onChain.settledCredit;
      const call = { address: o.market, abi: computeMarketAbi } as const;
      if (p.finished) {
        await writeAndWait(o.clients, { ...call, functionName: 'close', args: [BigInt(id), credit] });
        db.prepare('UPDATE market_batches SET closed = 1 WHERE market = ? AND batch_id = ?').run(o.market, id);
        sent++;
      } else if (credit > onChain.settledCredit) {
        await writeAndWait(o.clients, { ...call, functionName: 'settle', args: [BigInt(id), credit] });
        sent++;
      }
    }
    return sent;
  }

  return { runOnce, close: () => db.close() };
}
