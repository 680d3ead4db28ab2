/**
 * @module server/store/sql/identity-bans
 * Bans that follow the person rather than the identity (issue 17, item 3). A host caught cheating bans its volunteer
 * (every host it has, and every host linked to it later) for good, and the network it registered from, for new
 * registrations and for work, for NETWORK_BAN_MS: a new identity on the same network, or a new host linked to the
 * same volunteer, gets nothing. Also the registration challenges, each spent once.
 */
import type { Db, Queryable } from './db.ts';

/** How long a cheater's network is refused registrations and work: a week, long enough that a new identity costs. */
export const NETWORK_BAN_MS = 7 * 86_400_000;

/** Bans a caught host, its volunteer and its registration network (extending a network ban already running). */
export async function banCheater(q: Queryable, hostId: number, app: string, reason: string, now: number) {
  await q.run('INSERT INTO host_bans (host_id, app, reason, banned_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [
    hostId,
    app,
    reason,
    now,
  ]);
  const host = (await q.get<{ volunteer_id: number; network: string | null }>(
    'SELECT volunteer_id, network FROM hosts WHERE id = ?',
    [hostId],
  ))!;
  await q.run('INSERT INTO volunteer_bans (volunteer_id, reason, banned_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
    host.volunteer_id,
    `host ${hostId}: ${reason}`,
    now,
  ]);
  if (host.network === null) return;
  await q.run(
    `INSERT INTO network_bans (network, reason, banned_at, until) VALUES (?, ?, ?, ?)
      ON CONFLICT (network) DO UPDATE SET reason = excluded.reason, banned_at = excluded.banned_at,
        until = excluded.until`,
    [host.network, `host ${hostId}: ${reason}`, now, now + NETWORK_BAN_MS],
  );
}

/** Why registrations and work from `network` are refused at `now`, or undefined. */
export async function networkBanOf(q: Queryable, network: string, now: number): Promise<string | undefined> {
  const row = await q.get<{ reason: string }>('SELECT reason FROM network_bans WHERE network = ? AND until > ?', [
    network,
    now,
  ]);
  return row?.reason;
}

/**
 * Why the host may not work, asking from `network` at `now`: its own ban, its volunteer's (as it is linked now), or
 * its network's; undefined when none. One statement, on every work request and report.
 */
export async function refusalOf(db: Queryable, hostId: number, network: string | undefined, now: number) {
  const row = await db.get<{ host: string | null; volunteer: string | null; network: string | null }>(
    `SELECT (SELECT reason FROM host_bans WHERE host_id = h.id) AS host,
        (SELECT reason FROM volunteer_bans WHERE volunteer_id = h.volunteer_id) AS volunteer,
        (SELECT reason FROM network_bans WHERE network = ? AND until > ?) AS network
      FROM hosts h WHERE h.id = ?`,
    [network ?? null, now, hostId],
  );
  if (row?.host) return row.host;
  if (row?.volunteer) return `its volunteer is banned (${row.volunteer})`;
  if (row?.network) return `its network ${network} is banned for a week (${row.network})`;
  return undefined;
}

/** Spends a registration challenge; false when it was spent before (a replayed solution). */
export async function spendChallenge(q: Queryable, challengeId: string, expiresAt: number): Promise<boolean> {
  const spent = await q.run(
    'INSERT INTO registration_proofs (challenge_id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
    [challengeId, expiresAt],
  );
  return spent.changes === 1;
}

/** Forgets spent challenges past their expiry (a solution to one is refused as expired anyway). Returns how many. */
export async function purgeChallenges(db: Db, now: number): Promise<number> {
  return (await db.run('DELETE FROM registration_proofs WHERE expires_at < ?', [now])).changes;
}

/** The secret named `name`, the same for every coordinator process of this database: made by whichever asks first. */
export function sharedSecret(db: Db, name: string, fresh: string): Promise<string> {
  return db.transaction(async (q) => {
    await q.run('INSERT INTO coordinator_secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING', [name, fresh]);
    return (await q.get<{ value: string }>('SELECT value FROM coordinator_secrets WHERE name = ?', [name]))!.value;
  });
}
