/**
 * @module server/store/sql/chain-epochs
 * The poster's epochs (table chain_epochs) and the market settler's records (market_batches, market_cursor) over
 * SQL. Every write is one statement or one transaction, so a crash leaves each record whole or absent.
 */
import type { BuiltEpoch, EpochRecord, EpochRecords, MarketEscrow, MarketRecords } from '../chain.ts';
import type { Db, Queryable } from './db.ts';

/** The columns an epoch's row has in the poster's table and in the mirror alike. */
export interface EpochColumns {
  ledger: string;
  epoch: number;
  root: string;
  file_hash: string;
  total_credit: string;
}

interface EpochRow extends EpochColumns {
  volunteers: number;
  built_at: number;
  tx_hash: string | null;
  posted_at: number | null;
  posted_block: string | null;
  attempts: number;
  last_error: string | null;
}

const toRecord = (r: EpochRow): EpochRecord => ({
  ledger: r.ledger,
  epoch: Number(r.epoch),
  root: r.root,
  fileHash: r.file_hash,
  totalCredit: r.total_credit,
  volunteers: Number(r.volunteers),
  builtAt: Number(r.built_at),
  txHash: r.tx_hash,
  postedAt: r.posted_at === null ? null : Number(r.posted_at),
  postedBlock: r.posted_block,
  attempts: Number(r.attempts),
  lastError: r.last_error,
});

/** Inserts a built epoch; `orIgnore` leaves one already recorded alone (adopting an old chain file). */
export async function insertEpoch(q: Queryable, r: BuiltEpoch & Partial<EpochRecord>, orIgnore = false) {
  await q.run(
    `INSERT INTO chain_epochs (ledger, epoch, root, file_hash, total_credit, volunteers, built_at, tx_hash, posted_at,
      posted_block, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ${orIgnore ? 'ON CONFLICT (ledger, epoch) DO NOTHING' : ''}`,
    [
      r.ledger,
      r.epoch,
      r.root,
      r.fileHash,
      r.totalCredit,
      r.volunteers,
      r.builtAt,
      r.txHash ?? null,
      r.postedAt ?? null,
      r.postedBlock ?? null,
      r.attempts ?? 0,
      r.lastError ?? null,
    ],
  );
}

export function epochRecords(db: Db): EpochRecords {
  const one = async (where: string, params: Array<string | number>) => {
    const row = await db.get<EpochRow>(`SELECT * FROM chain_epochs WHERE ${where}`, params);
    return row && toRecord(row);
  };
  return {
    latestEpoch: (ledger) => one('ledger = ? ORDER BY epoch DESC LIMIT 1', [ledger]),
    epoch: (ledger, epoch) => one('ledger = ? AND epoch = ?', [ledger, epoch]),
    latestPosted: (ledger) => one('ledger = ? AND posted_at IS NOT NULL ORDER BY epoch DESC LIMIT 1', [ledger]),
    nextToPost: (ledger) => one('ledger = ? AND posted_at IS NULL ORDER BY epoch LIMIT 1', [ledger]),
    async epochs(ledger) {
      return (await db.all<EpochRow>('SELECT * FROM chain_epochs WHERE ledger = ? ORDER BY epoch', [ledger])).map(
        toRecord,
      );
    },
    recordBuilt: (epoch) => insertEpoch(db, epoch),
    async markSent(ledger, epoch, txHash) {
      await db.run('UPDATE chain_epochs SET tx_hash = ?, attempts = attempts + 1 WHERE ledger = ? AND epoch = ?', [
        txHash,
        ledger,
        epoch,
      ]);
    },
    async markPosted(ledger, epoch, block, now) {
      await db.run(
        'UPDATE chain_epochs SET posted_at = ?, posted_block = ?, last_error = NULL WHERE ledger = ? AND epoch = ?',
        [now, block, ledger, epoch],
      );
    },
    async markUnposted(ledger, fromEpoch) {
      const { changes } = await db.run(
        `UPDATE chain_epochs SET posted_at = NULL, posted_block = NULL, tx_hash = NULL
          WHERE ledger = ? AND epoch >= ?`,
        [ledger, fromEpoch],
      );
      return changes;
    },
    async recordError(ledger, epoch, message) {
      await db.run('UPDATE chain_epochs SET last_error = ? WHERE ledger = ? AND epoch = ?', [
        message.slice(0, 500),
        ledger,
        epoch,
      ]);
    },
  };
}

/** Records market escrows (ignoring those already known) and moves the market's cursor to `block`. */
export async function recordOpened(q: Queryable, market: string, escrows: MarketEscrow[], block: string) {
  for (const e of escrows)
    await q.run('INSERT INTO market_escrows (market, requester, batch_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      market,
      e.requester.toLowerCase(),
      e.batchId,
    ]);
  await q.run(
    `INSERT INTO market_cursor (market, block) VALUES (?, ?)
      ON CONFLICT (market) DO UPDATE SET block = excluded.block`,
    [market, block],
  );
}

export function marketRecords(db: Db): MarketRecords {
  return {
    async marketCursor(market) {
      const row = await db.get<{ block: string }>('SELECT block FROM market_cursor WHERE market = ?', [market]);
      return row && BigInt(row.block);
    },
    recordOpened: (market, escrows, block) => db.transaction((q) => recordOpened(q, market, escrows, String(block))),
    async openBatches(market) {
      const rows = await db.all<{ id: number; requester: string }>(
        `SELECT batch_id AS id, requester FROM market_escrows WHERE market = ? AND closed = 0
          ORDER BY batch_id, requester`,
        [market],
      );
      return rows.map((r) => ({ batchId: Number(r.id), requester: r.requester }));
    },
    async markClosed(market, escrow) {
      await db.run('UPDATE market_escrows SET closed = 1 WHERE market = ? AND requester = ? AND batch_id = ?', [
        market,
        escrow.requester.toLowerCase(),
        escrow.batchId,
      ]);
    },
  };
}
