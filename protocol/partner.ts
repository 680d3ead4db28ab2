/**
 * @module protocol/partner
 * The public partner leaderboard: credit earned through each partner site's embedded widget.
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
