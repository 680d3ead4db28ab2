/**
 * @module protocol/partner
 * Credit earned through partner sites' embedded widgets: the public leaderboard, and each project's own view.
 */
import { z } from 'zod';

export const PartnerLeaderboard = z.strictObject({
  partners: z.array(
    z.strictObject({
      rank: z.number().int().min(1),
      /** The partner site's origin, e.g. https://example.org. */
      partner: z.string(),
      /** Hosts registered through the partner's widget. */
      hosts: z.number().int().min(0),
      /** Granted credit of those hosts, in cobblestones. */
      totalCredit: z.number().min(0),
    }),
  ),
});
export type PartnerLeaderboard = z.infer<typeof PartnerLeaderboard>;

/**
 * GET /api/research/partners: the partner sites whose widgets computed the researcher's own project's work units,
 * most credit first. Every figure counts only that project's replicas.
 */
export const ProjectPartners = z.strictObject({
  partners: z.array(
    z.strictObject({
      /** The partner site's origin. */
      partner: z.string(),
      /** Hosts of the partner's widget that were sent at least one of the project's replicas. */
      hosts: z.number().int().min(0),
      /** Results those hosts returned for the project (computed successfully), validated or not yet. */
      results: z.number().int().min(0),
      /** Credit granted for those results once validated, in cobblestones. */
      credit: z.number().min(0),
    }),
  ),
});
export type ProjectPartners = z.infer<typeof ProjectPartners>;
