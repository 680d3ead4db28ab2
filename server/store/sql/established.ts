/**
 * @module server/store/sql/established
 * Whether a coordinator has established hosts of an app (server/store/trust.ts isEstablished) that took work today
 * or yesterday. Only then does a quorum need one: a coordinator starting out, or whose established hosts have all
 * gone, validates quorums of new hosts as before, or nothing would ever be validated. Asked at most every
 * ESTABLISHED_CHECK_MS per app and process (of the caller's clock), so the hot paths pay a map lookup.
 */
import { dayOf } from '../quota.ts';
import { ESTABLISHED_AGE_MS, ESTABLISHED_VALID } from '../trust.ts';
import type { Queryable } from './db.ts';

/** How long an answer is kept: a coordinator notices its first established host within this. */
export const ESTABLISHED_CHECK_MS = 5_000;

export class EstablishedHosts {
  private readonly known = new Map<string, { at: number; exist: boolean }>();

  /** @example if (await established.exist(q, 'signal-search', now)) { ...a quorum needs one... } */
  async exist(q: Queryable, app: string, now: number): Promise<boolean> {
    const seen = this.known.get(app);
    if (seen && now >= seen.at && now - seen.at < ESTABLISHED_CHECK_MS) return seen.exist;
    const row = await q.get(
      `SELECT 1 AS one FROM host_apps a JOIN hosts h ON h.id = a.host_id
        WHERE a.app = ? AND a.valid >= ? AND a.invalid * 10 <= a.valid AND h.created_at <= ? AND h.quota_day >= ?
        LIMIT 1`,
      [app, ESTABLISHED_VALID, now - ESTABLISHED_AGE_MS, dayOf(now) - 1],
    );
    this.known.set(app, { at: now, exist: row !== undefined });
    return row !== undefined;
  }

  /** Every app of `apps` that has them, asked as `exist` does. */
  async of(q: Queryable, apps: Iterable<string>, now: number): Promise<Set<string>> {
    const have = new Set<string>();
    for (const app of new Set(apps)) if (await this.exist(q, app, now)) have.add(app);
    return have;
  }
}
