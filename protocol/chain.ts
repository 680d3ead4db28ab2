/**
 * @module protocol/chain
 * The chain endpoints' replies (GET /api/chain, GET /api/chain/claims/:address), parsed by the page. Amounts are
 * COP wei (10^18 per credit) as decimal strings: they outgrow a double.
 */
import { z } from 'zod';

const HexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const Wei = z.string().regex(/^\d+$/);

export const ChainInfo = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('off') }),
  z.object({
    mode: z.enum(['embedded', 'rpc']),
    chainId: z.number().int().positive(),
    ledger: HexAddress,
    cop: HexAddress,
    market: HexAddress,
    latestPostedEpoch: z.number().int().min(0),
    /** Only for the embedded chain (local to the coordinator's machine); a configured RPC URL may hold a secret. */
    rpcUrl: z.string().optional(),
  }),
]);
export type ChainInfo = z.infer<typeof ChainInfo>;

export const ClaimInfo = z.object({
  account: HexAddress,
  /** The latest posted epoch; 0 before the first. */
  epoch: z.number().int().min(0),
  /** Cumulative credit in that epoch's root. */
  credit: Wei,
  /** Already claimed (null when the chain cannot be read right now). */
  claimed: Wei.nullable(),
  claimable: Wei.nullable(),
  /** The claim transaction for a wallet to send, when there is a leaf for this address. */
  tx: z
    .object({ to: HexAddress, data: z.string().regex(/^0x[0-9a-fA-F]*$/), chainId: z.number().int().positive() })
    .nullable(),
});
export type ClaimInfo = z.infer<typeof ClaimInfo>;
