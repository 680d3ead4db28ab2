/**
 * @module server/store/sql/chain-file
 * Takes in the chain state a coordinator kept in its own SQLite file (`<data>/chain/chain.sqlite`) before the store
 * held it: the poster's epochs and the market settler's records. Losing them would leave a poster that rebuilds
 * epoch 1 against a ledger that already holds it, so they are copied into the store (rows already there win), and
 * only then is the file renamed: a crash in between copies nothing twice on the next start.
 */
import { existsSync, renameSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import type { EpochRecord } from '../chain.ts';
import { insertEpoch, recordOpened } from './chain-epochs.ts';
import type { Db } from './db.ts';

type Rows<T> = Array<T & Record<string, unknown>>;

function readFile(path: string) {
  const file = new DatabaseSync(path);
  try {
    const has = (table: string) =>
      file.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
    const all = <T>(sql: string) => file.prepare(sql).all() as Rows<T>;
    return {
      epochs: has('chain_epochs')
        ? all<EpochRecord>(`SELECT ledger, epoch, root, file_hash AS fileHash, total_credit AS totalCredit, volunteers,
            built_at AS builtAt, tx_hash AS txHash, posted_at AS postedAt, posted_block AS postedBlock, attempts,
            last_error AS lastError FROM chain_epochs`)
        : [],
      batches: has('market_batches')
        ? all<{ market: string; batch_id: number; closed: number }>('SELECT * FROM market_batches')
        : [],
      cursors: has('market_cursor') ? all<{ market: string; block: string }>('SELECT * FROM market_cursor') : [],
    };
  } finally {
    file.close();
  }
}

/** @example await adoptChainFile(db, join(data, 'chain', 'chain.sqlite')) */
export async function adoptChainFile(db: Db, path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const { epochs, cursors } = readFile(path);
  await db.transaction(async (q) => {
    for (const e of epochs) await insertEpoch(q, e, true);
    // The file's escrows were opened on a market without requesters' namespaces, which the settler no longer
    // settles with: only the cursor is kept (the events already read need no second read).
    for (const c of cursors) await recordOpened(q, c.market, [], c.block);
  });
  renameSync(path, `${path}.adopted`);
  return epochs.length;
}
