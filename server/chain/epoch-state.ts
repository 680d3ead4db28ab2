/**
 * @module server/chain/epoch-state
 * The poster's durable memory, so that every epoch reaches the chain exactly once: each epoch it built (root, file
 * hash, total), the transaction it sent for it and whether the chain holds it. Its own SQLite file in the data
 * folder (WAL, synchronous FULL), whichever database the store uses; rows are keyed by ledger address, so a
 * redeployed ledger starts again at epoch 1 without confusing the old one's records.
 */
import { DatabaseSync } from 'node:sqlite';

export interface EpochRecord {
  ledger: string;
  epoch: number;
  root: string;
  fileHash: string;
  /** COP wei, decimal. */
  totalCredit: string;
  volunteers: number;
  builtAt: number;
  txHash: string | null;
  postedAt: number | null;
  postedBlock: string | null;
  attempts: number;
  lastError: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS chain_epochs (
    ledger TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    root TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    total_credit TEXT NOT NULL,
    volunteers INTEGER NOT NULL,
    built_at INTEGER NOT NULL,
    tx_hash TEXT,
    posted_at INTEGER,
    posted_block TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (ledger, epoch)
  );`;

const COLUMNS = `ledger, epoch, root, file_hash AS fileHash, total_credit AS totalCredit, volunteers,
  built_at AS builtAt, tx_hash AS txHash, posted_at AS postedAt, posted_block AS postedBlock, attempts,
  last_error AS lastError`;

export class EpochState {
  readonly #db: DatabaseSync;

  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    this.#db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; ${SCHEMA}`);
  }

  #one(sql: string, ...args: Array<string | number>): EpochRecord | undefined {
    return this.#db.prepare(`SELECT ${COLUMNS} FROM chain_epochs ${sql}`).get(...args) as EpochRecord | undefined;
  }

  /** The newest epoch built for this ledger, posted or not. */
  latest(ledger: string): EpochRecord | undefined {
    return this.#one('WHERE ledger = ? ORDER BY epoch DESC LIMIT 1', ledger);
  }

  get(ledger: string, epoch: number): EpochRecord | undefined {
    return this.#one('WHERE ledger = ? AND epoch = ?', ledger, epoch);
  }

  /** The newest epoch the chain is known to hold. */
  latestPosted(ledger: string): EpochRecord | undefined {
    return this.#one('WHERE ledger = ? AND posted_at IS NOT NULL ORDER BY epoch DESC LIMIT 1', ledger);
  }

  /** The oldest epoch built but not yet known to be on chain: the next to post. */
  nextToPost(ledger: string): EpochRecord | undefined {
    return this.#one('WHERE ledger = ? AND posted_at IS NULL ORDER BY epoch LIMIT 1', ledger);
  }

  list(ledger: string): EpochRecord[] {
    return this.#db
      .prepare(`SELECT ${COLUMNS} FROM chain_epochs WHERE ledger = ? ORDER BY epoch`)
      .all(ledger) as unknown as EpochRecord[];
  }

  insertBuilt(
    r: Pick<EpochRecord, 'ledger' | 'epoch' | 'root' | 'fileHash' | 'totalCredit' | 'volunteers' | 'builtAt'>,
  ): void {
    this.#db
      .prepare(
        `INSERT INTO chain_epochs (ledger, epoch, root, file_hash, total_credit, volunteers, built_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.ledger, r.epoch, r.root, r.fileHash, r.totalCredit, r.volunteers, r.builtAt);
  }

  markSent(ledger: string, epoch: number, txHash: string): void {
    this.#db
      .prepare('UPDATE chain_epochs SET tx_hash = ?, attempts = attempts + 1 WHERE ledger = ? AND epoch = ?')
      .run(txHash, ledger, epoch);
  }

  markPosted(ledger: string, epoch: number, block: string, now: number): void {
    this.#db
      .prepare(
        'UPDATE chain_epochs SET posted_at = ?, posted_block = ?, last_error = NULL WHERE ledger = ? AND epoch = ?',
      )
      .run(now, block, ledger, epoch);
  }

  /** The chain lost epochs from `fromEpoch` on (a local chain restored from an older dump): post them again. */
  markUnposted(ledger: string, fromEpoch: number): number {
    const r = this.#db
      .prepare(
        'UPDATE chain_epochs SET posted_at = NULL, posted_block = NULL, tx_hash = NULL WHERE ledger = ? AND epoch >= ?',
      )
      .run(ledger, fromEpoch);
    return Number(r.changes);
  }

  recordError(ledger: string, epoch: number, message: string): void {
    this.#db
      .prepare('UPDATE chain_epochs SET last_error = ? WHERE ledger = ? AND epoch = ?')
      .run(message.slice(0, 500), ledger, epoch);
  }

  close(): void {
    this.#db.close();
  }
}
