/**
 * @module server/store/sql/partners
 * Credit counted for partner sites: the sum over the hosts their widget registered (hosts.partner).
 */
import type { PartnerLeaderboard } from '../../../protocol/partner.ts';
import type { Queryable } from './db.ts';

/** Partners by credit earned through their widget, most first; partners whose hosts have no credit yet come last. */
export async function partnerLeaderboard(q: Queryable, limit: number): Promise<PartnerLeaderboard> {
  const rows = await q.all<{ partner: string; hosts: number; total_credit: number | null }>(
    `SELECT partner, COUNT(*) AS hosts, SUM(total_credit) AS total_credit FROM hosts
     WHERE partner IS NOT NULL GROUP BY partner ORDER BY SUM(total_credit) DESC, partner LIMIT ?`,
    [limit],
  );
  return {
    partners: rows.map((r, i) => ({ rank: i + 1, partner: r.partner, hosts: Number(r.hosts), totalCredit: Number(r.total_credit ?? 0) })),
  };
}
