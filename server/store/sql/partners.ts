/**
 * @module server/store/sql/partners
 * Credit counted for partner sites: the sum over the hosts their widget registered (hosts.partner), for the public
 * leaderboard over all work, and for one project over that project's replicas only.
 */
import type { PartnerLeaderboard, ProjectPartners } from '../../../protocol/partner.ts';
import type { Queryable } from './db.ts';

/** Partners by credit earned through their widget, most first; partners whose hosts have no credit yet come last. */
export async function partnerLeaderboard(q: Queryable, limit: number): Promise<PartnerLeaderboard> {
  const rows = await q.all<{ partner: string; hosts: number; total_credit: number | null }>(
    `SELECT partner, COUNT(*) AS hosts, SUM(total_credit) AS total_credit FROM hosts
     WHERE partner IS NOT NULL GROUP BY partner ORDER BY SUM(total_credit) DESC, partner LIMIT ?`,
    [limit],
  );
  return {
    partners: rows.map((r, i) => ({
      rank: i + 1,
      partner: r.partner,
      hosts: Number(r.hosts),
      totalCredit: Number(r.total_credit ?? 0),
    })),
  };
}

/**
 * Partners whose widget hosts were sent replicas of the project's units, most credit first: their hosts, the
 * results they returned and the credit granted for them. Credit counts once the credit pass has added it to the
 * host's total (its row in pending_credit is gone), so a partner's figures here never run ahead of the public
 * leaderboard's.
 */
export async function projectPartners(q: Queryable, projectId: number, limit: number): Promise<ProjectPartners> {
  const rows = await q.all<{ partner: string; hosts: unknown; results: unknown; credit: unknown }>(
    `SELECT h.partner AS partner, count(DISTINCT r.host_id) AS hosts,
        sum(CASE WHEN r.outcome = 'success' THEN 1 ELSE 0 END) AS results,
        sum(CASE WHEN r.validate_state = 'valid' AND p.replica_id IS NULL THEN r.granted_credit ELSE 0 END) AS credit
      FROM replicas r JOIN hosts h ON h.id = r.host_id JOIN work_units u ON u.id = r.work_unit_id
      JOIN batches b ON b.id = u.batch_id LEFT JOIN pending_credit p ON p.replica_id = r.id
      WHERE b.project_id = ? AND h.partner IS NOT NULL
      GROUP BY h.partner ORDER BY 4 DESC, 1 LIMIT ?`,
    [projectId, limit],
  );
  return {
    partners: rows.map((r) => ({
      partner: r.partner,
      hosts: Number(r.hosts),
      results: Number(r.results ?? 0),
      credit: Number(r.credit ?? 0),
    })),
  };
}
