/**
 * @module server/chain/sql-settled-credit
 * The SettledCredit the coordinator wires in: every volunteer with a linked Ethereum address and their settled
 * credit (past the settling period), read straight from the store's tables, SQLite or Postgres alike.
 */
import { getAddress, isAddress } from 'viem';
import type { Queryable } from '../store/sql/db.ts';
import type { SettledCredit } from './settled-credit.ts';

/** @example const settled = sqlSettledCredit(store.db); const credits = await settled(); */
export function sqlSettledCredit(db: Queryable): SettledCredit {
  return async () => {
    const rows = await db.all<{ address: string; credit: number }>(
      `SELECT eth_address AS address, settled_credit AS credit FROM volunteers
        WHERE eth_address IS NOT NULL AND settled_credit > 0`,
    );
    // The store validates addresses when they are linked; a malformed one is skipped here rather than stall every
    // epoch.
    return rows
      .filter((r) => isAddress(r.address, { strict: false }))
      .map((r) => ({ address: getAddress(r.address), credit: Number(r.credit) }));
  };
}
