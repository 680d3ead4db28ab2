/**
 * @module server/store/sql/nonces
 * Spending signed requests' nonces. Every signed request spends one, so they are spent in batches
 * (server/store/batcher.ts): one statement records the nonces of every request that arrived together and, for each
 * one not seen before, gives its host's current volunteer, which the request then acts for.
 */
import type { Host } from '../types.ts';
import { rowsOf, type Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';

export interface NonceUse {
  hostId: number;
  nonce: string;
  expiresAt: number;
}

/** For each use, in order: its host, or undefined when the nonce was spent before (a replay), here or earlier. */
export async function spendNonces(
  q: Queryable,
  dialect: Dialect,
  uses: readonly NonceUse[],
): Promise<Array<Host | undefined>> {
  // Padded on SQLite: a copy of a use conflicts with its original and is skipped.
  const values = rowsOf(
    dialect,
    ['bigint', 'text', 'bigint'],
    uses.map((u) => [u.hostId, u.nonce, u.expiresAt]),
    { pad: true },
  );
  const fresh = await q.all<{ host_id: number; nonce: string; volunteer_id: number }>(
    `INSERT INTO request_nonces (host_id, nonce, expires_at) ${values.sql} ON CONFLICT (host_id, nonce) DO NOTHING
      RETURNING host_id, nonce, (SELECT volunteer_id FROM hosts h WHERE h.id = request_nonces.host_id) AS volunteer_id`,
    values.params,
  );
  const spent = new Map(fresh.map((r) => [`${r.host_id} ${r.nonce}`, Number(r.volunteer_id)]));
  return uses.map(({ hostId, nonce }) => {
    const key = `${hostId} ${nonce}`;
    const volunteerId = spent.get(key);
    // Only the first of two uses of one nonce in a batch gets it.
    spent.delete(key);
    return volunteerId === undefined ? undefined : { id: hostId, volunteerId };
  });
}
