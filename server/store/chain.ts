/**
 * @module server/store/chain
 * What the chain side of the coordinator keeps in, and reads from, the store. The chain feed: the coordinator's
 * figures that go on chain (settled credit per linked address, each paid batch's progress). Implemented over SQL in
 * server/store/sql/chain-store.ts.
 */
import type { Address } from 'viem';

/** A volunteer with a linked address and the credit past the settling period (cumulative, in cobblestones). */
export interface SettledCredit {
  address: Address;
  credit: number;
}

/** A batch's credit granted and settled (cobblestones), and whether nothing more can come. */
export interface BatchProgress {
  credit: number;
  finished: boolean;
}

/** The coordinator's figures the chain passes carry to the chain. */
export interface ChainFeed {
  /**
   * Every volunteer with a linked address and settled credit above zero: what the next epoch holds. (Credit is final
   * once settled; claimed COP cannot be taken back.)
   */
  settledCredit(): Promise<SettledCredit[]>;
  /**
   * Per coordinator batch among `batchIds`: the settled credit of its valid results (what a requester pays for) and
   * whether it is finished (no unit active, no valid credit left to settle). Batches it does not have are absent.
   */
  batchProgress(batchIds: number[]): Promise<Map<number, BatchProgress>>;
}

export type ChainStore = ChainFeed;
