/**
 * @module server/epochs/epoch-tree
 * An epoch's Merkle tree (OpenZeppelin StandardMerkleTree) over every volunteer's cumulative credit, and the on-chain
 * unit: 1 credit (cobblestone) = 1 COP = 10^18 wei, kept to 10^-6 credit and always rounded down, so nothing is
 * over-minted and a volunteer's cumulative amount never falls while their credit grows.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { encodeAbiParameters, getAddress, isAddress, keccak256, type Address, type Hex } from 'viem';
import { BaseError } from '../../protocol/base-error.ts';

/** (address, cumulative credit in wei, offset in wei): the leaf the CreditLedger verifies. */
export type Leaf = [Address, bigint, bigint];
export const LEAF_ENCODING = ['address', 'uint256', 'uint256'];

const MICRO = 1_000_000;
const WEI_PER_MICRO = 10n ** 12n;

export class CreditInputError extends BaseError {
  override name = 'CreditInputError' as const;
}

/**
 * Credit in cobblestones to COP wei, rounded down to a millionth of a credit.
 * @example creditToWei(1.5) === 1_500_000_000_000_000_000n
 */
export function creditToWei(credit: number): bigint {
  if (!Number.isFinite(credit) || credit < 0)
    throw new CreditInputError(`credit must be a finite number ≥ 0, got ${credit}`);
  let micros = Math.floor(credit * MICRO);
  // credit * 1e6 may round up past the true product; step back so we never mint more than was earned.
  if (micros / MICRO > credit) micros -= 1;
  if (!Number.isSafeInteger(micros)) throw new CreditInputError(`credit ${credit} is too large to convert exactly`);
  return BigInt(micros) * WEI_PER_MICRO;
}

export interface EpochTree {
  tree: StandardMerkleTree<Leaf>;
  leaves: Leaf[];
  root: Hex;
  total: bigint;
}

/**
 * The tree for these (address, credit in wei) pairs: addresses checksummed and merged, zero credit dropped, sorted by
 * address so the same credit always gives the same root, offsets the running sum in that order.
 */
export function buildEpochTree(credits: ReadonlyArray<{ address: string; credit: bigint }>): EpochTree {
  const merged = new Map<Address, bigint>();
  for (const { address, credit } of credits) {
    if (!isAddress(address, { strict: false }))
      throw new CreditInputError(`not an Ethereum address: ${JSON.stringify(address)}`);
    if (credit < 0n) throw new CreditInputError(`negative credit ${credit} for ${address}`);
    const key = getAddress(address);
    merged.set(key, (merged.get(key) ?? 0n) + credit);
  }
  const sorted = [...merged].filter(([, c]) => c > 0n).sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  if (sorted.length === 0) throw new CreditInputError('an epoch needs at least one volunteer with credit');
  let total = 0n;
  const leaves: Leaf[] = sorted.map(([address, credit]) => {
    const leaf: Leaf = [address, credit, total];
    total += credit;
    return leaf;
  });
  const tree = StandardMerkleTree.of(leaves, LEAF_ENCODING, { sortLeaves: false });
  return { tree, leaves, root: tree.root as Hex, total };
}

/** The leaf index holding `point` of the stake line [0, total): who an attester draw at `point` picks. */
export function leafAtPoint(leaves: readonly Leaf[], point: bigint): number {
  let lo = 0;
  let hi = leaves.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (leaves[mid]![2] <= point) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Slot `slot`'s point on the stake line of an epoch with seed `seed` (CreditLedger._point). */
export function drawPoint(seed: Hex, slot: number, total: bigint): bigint {
  const h = keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [seed, BigInt(slot)]));
  return BigInt(h) % total;
}

/** The slots among the first `attesters` whose points fall in the leaf's range [offset, offset + credit). */
export function drawnSlots(seed: Hex, total: bigint, attesters: number, leaf: { credit: bigint; offset: bigint }) {
  const slots: number[] = [];
  for (let slot = 0; slot < attesters; slot++) {
    const p = drawPoint(seed, slot, total);
    if (p >= leaf.offset && p - leaf.offset < leaf.credit) slots.push(slot);
  }
  return slots;
}
