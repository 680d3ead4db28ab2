/**
 * @module protocol/chain
 * The chain endpoints' replies (GET /api/chain, GET /api/epochs, GET /api/chain/claims/:address), parsed by the
 * page. The coordinator answers them from its store: the epochs it built and its mirror of what the chain says, kept
 * by the chain reader pass, never from the chain itself at request time. Amounts are COP wei (10^18 per credit) as
 * decimal strings: they outgrow a double; so do block numbers.
 */
import { z } from 'zod';

const HexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const Bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const Wei = z.string().regex(/^\d+$/);
const BlockNumber = z.string().regex(/^\d+$/);

/** How far the coordinator's mirror of the chain has read: the block and when (epoch ms). */
export const MirrorHead = z.object({ block: BlockNumber, readAt: z.number().int().min(0) });
export type MirrorHead = z.infer<typeof MirrorHead>;

export const ChainInfo = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('off') }),
  z.object({
    mode: z.enum(['embedded', 'rpc']),
    chainId: z.number().int().positive(),
    ledger: HexAddress,
    cop: HexAddress,
    market: HexAddress,
    /** The newest epoch the chain holds, as the mirror last read it; 0 before the first. */
    latestPostedEpoch: z.number().int().min(0),
    /** Null until the chain reader has read the chain once. */
    mirror: MirrorHead.nullable(),
    /** Only for the embedded chain (local to the coordinator's machine); a configured RPC URL may hold a secret. */
    rpcUrl: z.string().optional(),
  }),
]);
export type ChainInfo = z.infer<typeof ChainInfo>;

/**
 * An epoch's standing on chain, as the mirror last read it: null when the chain does not hold it (yet); `proposed`
 * once it does (not claimable); `final` once enough drawn attesters agreed or the challenge window passed
 * undisputed; `frozen` when a drawn attester signed a dissent.
 */
export const EpochStatus = z.enum(['proposed', 'final', 'frozen']).nullable();
export type EpochStatus = z.infer<typeof EpochStatus>;

/** One epoch the coordinator built, with its file's stable URL. */
export const EpochEntry = z.object({
  epoch: z.number().int().min(1),
  root: Bytes32,
  fileHash: Bytes32,
  totalCredit: Wei,
  volunteers: z.number().int().min(1),
  builtAt: z.number().int(),
  /** The posting transaction, once sent. */
  txHash: Bytes32.nullable(),
  /** When the poster saw it on chain, and in which block (empty when the receipt was lost). */
  postedAt: z.number().int().nullable(),
  postedBlock: z.string().nullable(),
  onChain: EpochStatus,
  url: z.string(),
});
export type EpochEntry = z.infer<typeof EpochEntry>;

export const EpochList = z.object({ ledger: HexAddress, epochs: z.array(EpochEntry) });
export type EpochList = z.infer<typeof EpochList>;

export const ClaimInfo = z.object({
  account: HexAddress,
  /** The newest epoch on chain that holds this coordinator's root; 0 before the first. */
  epoch: z.number().int().min(0),
  /** Cumulative credit in that epoch's root. */
  credit: Wei,
  /**
   * The account's leaf: where its range starts on the draw's line, its weight, and its Merkle proof; null without
   * one.
   */
  offset: Wei.nullable(),
  weight: Wei.nullable(),
  proof: z.array(Bytes32).nullable(),
  /** Already claimed, as the mirror last read it (null until the chain has been read once). */
  claimed: Wei.nullable(),
  claimable: Wei.nullable(),
  /** The block up to which the chain was read for `claimed`; null until it has been read once. */
  asOfBlock: BlockNumber.nullable(),
  /** The claim transaction for a wallet to send, when there is a leaf for this address. */
  tx: z
    .object({ to: HexAddress, data: z.string().regex(/^0x[0-9a-fA-F]*$/), chainId: z.number().int().positive() })
    .nullable(),
});
export type ClaimInfo = z.infer<typeof ClaimInfo>;

/**
 * The EIP-712 message an attester signs for an epoch as proposed (CreditLedger.ATTESTATION_TYPEHASH): `agree` true
 * vouches for it, false is a dissent that freezes it. It names the previous epoch's file hash (zero for epoch 1), the
 * file the attester recomputed the weights from: the ledger fills in its own, so a page shown another file signs
 * for nothing.
 */
export const ATTESTATION_TYPES = {
  Attestation: [
    { name: 'epoch', type: 'uint64' },
    { name: 'root', type: 'bytes32' },
    { name: 'fileHash', type: 'bytes32' },
    { name: 'totalCredit', type: 'uint256' },
    { name: 'totalWeight', type: 'uint256' },
    { name: 'previousFileHash', type: 'bytes32' },
    { name: 'agree', type: 'bool' },
  ],
} as const;

/** The ledger's EIP-712 domain (OpenZeppelin EIP712("Terraflop CreditLedger", "1")). */
export function attestationDomain(chainId: number, ledger: `0x${string}`) {
  return { name: 'Terraflop CreditLedger', version: '1', chainId, verifyingContract: ledger } as const;
}

/**
 * GET /api/chain/attestation/:address: what the address's attester has to check and sign, from the coordinator's
 * mirror: the newest proposed epoch whose draw is known (epoch 0 and no slots when there is none), the slots it
 * holds (none: not drawn), its own leaf, the epoch file to check the root and totals against, and the previous
 * epoch's file to recompute the weights from.
 */
export const AttestationDuty = z.object({
  epoch: z.number().int().min(0),
  root: Bytes32.nullable(),
  fileHash: Bytes32.nullable(),
  totalCredit: Wei,
  /** The draw's line [0, totalWeight): the sum of the leaves' stake weights. */
  totalWeight: Wei,
  chainId: z.number().int().positive(),
  ledger: HexAddress,
  slots: z.array(z.number().int().min(0)),
  credit: Wei,
  offset: Wei,
  weight: Wei,
  fileUrl: z.string().nullable(),
  /** The previous epoch's file hash on chain (zero for epoch 1) and the file, null for epoch 1. */
  previousFileHash: Bytes32.nullable(),
  previousFileUrl: z.string().nullable(),
});
export type AttestationDuty = z.infer<typeof AttestationDuty>;

/**
 * GET /api/epochs/:epoch/sample: the canonical results a drawn attester re-executes, chosen by the epoch's seed
 * among the built-in apps' units validated between the previous epoch's build and this one's (the attester compares
 * each with what its own worker computes, by the app's comparator).
 */
export const EpochSample = z.object({
  epoch: z.number().int().min(1),
  units: z.array(
    z.object({ workUnitId: z.number().int().min(1), app: z.string(), input: z.unknown(), output: z.unknown() }),
  ),
});
export type EpochSample = z.infer<typeof EpochSample>;

/** POST /api/chain/attestations: a drawn attester's EIP-712 signature (ATTESTATION_TYPES), for the coordinator. */
export const AttestationSubmission = z.object({
  epoch: z.number().int().min(1),
  agree: z.boolean(),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});
export type AttestationSubmission = z.infer<typeof AttestationSubmission>;

/** The reply: who signed (recovered from the signature) and the slots it was recorded for. */
export const AttestationAccepted = z.object({
  epoch: z.number().int().min(1),
  signer: HexAddress,
  slots: z.array(z.number().int()),
});
export type AttestationAccepted = z.infer<typeof AttestationAccepted>;

/**
 * The page attester's key as the volunteer exports it (a file they download or copy) and imports on another page:
 * whoever holds it signs epoch attestations for `address`. Parsed on import; the address must be the key's.
 */
export const AttesterKeyFile = z.object({
  kind: z.literal('terraflop attester key'),
  address: HexAddress,
  privateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  warning: z.string().optional(),
});
export type AttesterKeyFile = z.infer<typeof AttesterKeyFile>;
