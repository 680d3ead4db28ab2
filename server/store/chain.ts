/**
 * @module server/store/chain
 * What the chain side of the coordinator keeps in, and reads from, the store, in the coordinator's own database:
 * the chain feed (the figures that go on chain), the poster's memory of the epochs it built, the market settler's
 * memory of the escrows it watches, and the mirror of what the chain says, which the chain reader pass keeps and the
 * HTTP routes read (so no request waits on, or fails with, the RPC). Implemented over SQL in
 * server/store/sql/chain-store.ts.
 */
import type { Address } from 'viem';

/** A volunteer with a linked address and the credit past the settling period (cumulative, in cobblestones). */
export interface SettledCredit {
  address: Address;
  credit: number;
}

/**
 * A batch's credit granted and settled (cobblestones), whether nothing more can come, and the address its project
 * names as payer (lower case; null when none, as for the demo's batches): the only requester whose escrow pays it.
 */
export interface BatchProgress {
  credit: number;
  finished: boolean;
  payer: string | null;
}

/** An escrow the market holds: the requester's batch id in the requester's namespace (address lower case). */
export interface MarketEscrow {
  batchId: number;
  requester: string;
}

/** The coordinator's figures the chain passes carry to the chain. */
export interface ChainFeed {
  /**
   * Every volunteer with a linked address and settled credit above zero: what the next epoch holds. (Credit is final
   * once settled; claimed COP cannot be taken back.)
   */
  settledCredit(): Promise<SettledCredit[]>;
  /**
   * The part of settledCredit that mints COP: the credit of valid, settled results in projects that grant tokens
   * (the demo always) or in batches paid through the market by their project's payer. Per volunteer with a linked
   * address and such credit above zero.
   */
  mintableCredit(): Promise<SettledCredit[]>;
  /**
   * Per coordinator batch among `batchIds`: the settled credit of its valid results (what a requester pays for) and
   * whether it is finished (no unit active, no valid credit left to settle). Batches it does not have are absent.
   */
  batchProgress(batchIds: number[]): Promise<Map<number, BatchProgress>>;
}

/** An epoch the poster built for a ledger, and how far it got towards the chain. */
export interface EpochRecord {
  ledger: string;
  epoch: number;
  root: string;
  fileHash: string;
  /** COP wei, decimal. */
  totalCredit: string;
  volunteers: number;
  builtAt: number;
  txHash: string | null;
  postedAt: number | null;
  postedBlock: string | null;
  attempts: number;
  lastError: string | null;
}

export type BuiltEpoch = Pick<
  EpochRecord,
  'ledger' | 'epoch' | 'root' | 'fileHash' | 'totalCredit' | 'volunteers' | 'builtAt'
>;

/**
 * The poster's durable memory, so that every epoch reaches the chain exactly once: each epoch it built, the
 * transaction it sent for it and whether the chain holds it. Keyed by ledger address, so a redeployed ledger starts
 * again at epoch 1 without confusing the old one's records.
 */
export interface EpochRecords {
  /** The newest epoch built for this ledger, posted or not. */
  latestEpoch(ledger: string): Promise<EpochRecord | undefined>;
  epoch(ledger: string, epoch: number): Promise<EpochRecord | undefined>;
  /** The newest epoch the poster knows the chain holds. */
  latestPosted(ledger: string): Promise<EpochRecord | undefined>;
  /** The oldest epoch built but not yet known to be on chain: the next to post. */
  nextToPost(ledger: string): Promise<EpochRecord | undefined>;
  /** Every epoch built for this ledger, oldest first. */
  epochs(ledger: string): Promise<EpochRecord[]>;
  recordBuilt(epoch: BuiltEpoch): Promise<void>;
  /** The transaction sent for an epoch (counted as an attempt). */
  markSent(ledger: string, epoch: number, txHash: string): Promise<void>;
  markPosted(ledger: string, epoch: number, block: string, now: number): Promise<void>;
  /** The chain lost epochs from `fromEpoch` on (a local chain restored from an older dump): post them again. */
  markUnposted(ledger: string, fromEpoch: number): Promise<number>;
  recordError(ledger: string, epoch: number, message: string): Promise<void>;
}

/** The market settler's memory: how far it read a market's events, and the escrowed batches it still watches. */
export interface MarketRecords {
  /** The last block whose BatchOpened events were read; undefined before the first read. */
  marketCursor(market: string): Promise<bigint | undefined>;
  /** Records the escrows opened up to `block` and moves the cursor there, in one transaction. */
  recordOpened(market: string, escrows: MarketEscrow[], block: bigint): Promise<void>;
  /** The escrows seen opened and not yet closed. */
  openBatches(market: string): Promise<MarketEscrow[]>;
  markClosed(market: string, escrow: MarketEscrow): Promise<void>;
}

/**
 * An epoch's standing on chain. `proposed`: the ledger holds it, not claimable yet; `final`: enough drawn attesters
 * agreed, or the challenge window passed undisputed (claims prove against it); `frozen`: a drawn attester signed a
 * dissent, and only the ledger's admin can still accept it.
 */
export type EpochStatus = 'proposed' | 'final' | 'frozen';

/** An epoch as the chain holds it. */
export interface MirroredEpoch {
  ledger: string;
  epoch: number;
  root: string;
  fileHash: string;
  /** COP wei, decimal. */
  totalCredit: string;
  /** The attester draw's seed: '' until drawn from the hash of block `seedBlock`. */
  seed: string;
  seedBlock: bigint;
  /** The block whose event proposed it. */
  block: bigint;
  status: EpochStatus;
  /** Drawn slots that agreed. */
  attestations: number;
}

/** A change to a proposed epoch that a read found, in chain order. */
export type EpochChange =
  | { epoch: number; kind: 'seed'; seed: string }
  | { epoch: number; kind: 'rearmed'; seedBlock: bigint }
  | { epoch: number; kind: 'attested' }
  | { epoch: number; kind: 'final' }
  | { epoch: number; kind: 'frozen' };

/** Where the mirror of a ledger stands: the last block read (its hash, to notice a chain that went back). */
export interface MirrorHead {
  block: bigint;
  blockHash: string;
  readAt: number;
}

/** What one read of the chain found: the ledger's events up to a block, in chain order. */
export interface ChainRead {
  ledger: string;
  /** The last block read, and its hash. */
  block: bigint;
  blockHash: string;
  epochs: Array<Omit<MirroredEpoch, 'ledger' | 'status' | 'seed' | 'attestations'>>;
  changes: EpochChange[];
  /** Each Claimed event: the account (checksummed) and its cumulative claimed amount in COP wei. */
  claims: Array<{ account: string; claimed: bigint; block: bigint }>;
}

/** The coordinator's mirror of what the chain says, per ledger: written by the chain reader, read by the routes. */
export interface ChainMirror {
  mirrorHead(ledger: string): Promise<MirrorHead | undefined>;
  /** Applies one read in one transaction: its epochs and claims recorded, the head moved to its block. */
  applyChainRead(read: ChainRead, now: number): Promise<void>;
  /** Forgets the mirror of a ledger (the chain went back past its head), so that the reader starts again. */
  resetMirror(ledger: string): Promise<void>;
  /** Every epoch the chain holds, oldest first. */
  mirroredEpochs(ledger: string): Promise<MirroredEpoch[]>;
  /** The newest epoch the chain holds. */
  latestMirroredEpoch(ledger: string): Promise<MirroredEpoch | undefined>;
  /**
   * The newest final epoch the chain holds with the root this coordinator built for it: the one a claim proves
   * against (its file is the coordinator's own).
   */
  claimableEpoch(ledger: string): Promise<MirroredEpoch | undefined>;
  /** The cumulative COP wei `account` (checksummed) has claimed, as far as the mirror has read: 0n if none. */
  claimed(ledger: string, account: string): Promise<bigint>;
}

/** What the operator decides about a project's tokens (server/cli/project-tokens.ts). */
export interface TokenTerms {
  /** The address whose market escrows pay for the project's batches (the settler settles no other); null: none. */
  payer?: string | null;
  /** Whether the project's credit mints COP without a paid batch (the operator grants it). */
  grantsTokens?: boolean;
}

export interface ProjectTokens {
  projectId: number;
  name: string;
  payer: string | null;
  grantsTokens: boolean;
}

/** A drawn attester's signature for one slot of a proposed epoch, waiting for the attestation pass to relay it. */
export interface AttestationRecord {
  ledger: string;
  epoch: number;
  slot: number;
  /** The address the signature recovers to (checksummed). */
  signer: string;
  agree: boolean;
  signature: string;
  receivedAt: number;
  /** 0: waiting; 1: relayed; -1: the ledger refused it (lastError says why). */
  relayed: number;
  lastError: string | null;
}

/** The attestations volunteers' pages sent, kept until relayed (volunteers need no gas: the coordinator relays). */
export interface AttestationRecords {
  /** Records the slots' signatures; a slot already signed keeps its first. Returns how many were new. */
  recordAttestations(rows: Array<Omit<AttestationRecord, 'relayed' | 'lastError'>>): Promise<number>;
  /** Those waiting to be relayed, oldest epoch and slot first. */
  pendingAttestations(ledger: string): Promise<AttestationRecord[]>;
  /** Every attestation of an epoch (the status page's view of who vouched or dissented). */
  attestations(ledger: string, epoch: number): Promise<AttestationRecord[]>;
  markRelayed(ledger: string, epoch: number, slot: number, error: string | null): Promise<void>;
  /**
   * The canonical results an attester may be asked to re-execute: the newest `limit` units of these apps whose
   * canonical result was validated in (`validatedAfter`, `validatedBy`], newest first; `pick` chooses among their ids
   * (by the epoch's seed) before the rows are read.
   */
  canonicalSample(
    apps: readonly string[],
    validatedAfter: number,
    validatedBy: number,
    limit: number,
    pick: (ids: number[]) => number[],
  ): Promise<CanonicalSampleRow[]>;
}

/** One re-executable canonical result: the unit's input and the output its quorum accepted. */
export interface CanonicalSampleRow {
  workUnitId: number;
  app: string;
  input: unknown;
  output: unknown;
}

export interface ChainStore extends ChainFeed, EpochRecords, MarketRecords, ChainMirror, AttestationRecords {
  /** Sets a project's token terms, by name; undefined when there is no such project. */
  setTokenTerms(projectName: string, terms: TokenTerms): Promise<ProjectTokens | undefined>;
  /**
   * Takes in the chain state of a coordinator from before the store kept it (`<data>/chain/chain.sqlite`): its
   * epochs and market records join the store's, unless already there, and the file is renamed so that it is taken
   * in once. Returns how many epochs it took in; 0 when there is no such file.
   */
  adoptChainFile(path: string): Promise<number>;
}
