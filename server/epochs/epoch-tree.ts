/**
 * @module server/epochs/epoch-tree
 * An epoch's Merkle tree (OpenZeppelin StandardMerkleTree) over every volunteer's cumulative credit (what claims pay)
 * and stake weight (what the attester draw uses: server/epochs/stake-weight.ts), and the on-chain
 * unit: 1 credit (cobblestone) = 1 COP = 10^18 wei, kept to 10^-6 credit and always rounded down, so nothing is
 * over-minted and a volunteer's cumulative amount never falls while their credit grows.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { encodeAbiParameters, getAddress, isAddress, keccak256, type Address, type Hex } from 'viem';
import { BaseError } from '../../protocol/base-error.ts';

/**
 * (address, cumulative credit, offset, weight), all in wei: the leaf the CreditLedger verifies. The volunteer's
 * range of the draw's line [0, totalWeight) is [offset, offset + weight).
 */
export type Leaf = [Address, bigint, bigint, bigint];
export const LEAF_ENCODING = ['address', 'uint256', 'uint256', 'uint256'];

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
  totalWeight: bigint;
}

/** A volunteer's credit and, once weighed (stake-weight.ts), its weight; without one the weight is the credit. */
export interface Credit {
  address: string;
  credit: bigint;
  weight?: bigint;
}

/**
 * The tree for these credits (wei): addresses checksummed and merged, zero credit dropped, sorted by address so the
 * same credit and weights always give the same root, offsets the running sum of the weights in that order.
 */
export function buildEpochTree(credits: ReadonlyArray<Credit>): EpochTree {
  const merged = new Map<Address, { credit: bigint; weight: bigint }>();
  for (const { address, credit, weight = credit } of credits) {
    if (!isAddress(address, { strict: false }))
      throw new CreditInputError(`not an Ethereum address: ${JSON.stringify(address)}`);
    if (credit < 0n) throw new CreditInputError(`negative credit ${credit} for ${address}`);
    if (weight < 0n) throw new CreditInputError(`negative weight ${weight} for ${address}`);
    const key = getAddress(address);
    const before = merged.get(key) ?? { credit: 0n, weight: 0n };
    merged.set(key, { credit: before.credit + credit, weight: before.weight + weight });
  }
  const sorted = [...merged]
    .filter(([, c]) => c.credit > 0n)
    .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  if (sorted.length === 0) throw new CreditInputError('an epoch needs at least one volunteer with credit');
  let total = 0n;
  let totalWeight = 0n;
  const leaves: Leaf[] = sorted.map(([address, { credit, weight }]) => {
    const leaf: Leaf = [address, credit, totalWeight, weight];
    total += credit;
    totalWeight += weight;
    return leaf;
  });
  if (totalWeight === 0n) throw new CreditInputError('an epoch needs some weight to draw its attesters from');
  const tree = StandardMerkleTree.of(leaves, LEAF_ENCODING, { sortLeaves: false });
  return { tree, leaves, root: tree.root as Hex, total, totalWeight };
}

/**
 * The leaf index holding `point` of the draw's line [0, totalWeight): who an attester draw at `point` picks (the
 * last leaf whose offset is at most the point; a leaf of weight 0 shares its offset with the next, which wins).
 */
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

/** The slots among the first `attesters` whose points fall in the leaf's range [offset, offset + weight). */
export function drawnSlots(
  seed: Hex,
  totalWeight: bigint,
  attesters: number,
  leaf: { offset: bigint; weight: bigint },
) {
  const slots: number[] = [];
  for (let slot = 0; slot < attesters; slot++) {
    const p = drawPoint(seed, slot, totalWeight);
    if (p >= leaf.offset && p - leaf.offset < leaf.weight) slots.push(slot);
  }
  return slots;
}

/** The arguments of CreditLedger.seatDraw: the drawn leaves, their multiproof, and each slot's leaf among them. */
export interface Seating {
  leaves: Array<{ account: Address; credit: bigint; offset: bigint; weight: bigint }>;
  proof: Hex[];
  proofFlags: boolean[];
  slotLeaf: number[];
}

/**
 * Who holds each of the `attesters` slots of an epoch drawn with `seed`, proven together: one OpenZeppelin multiproof
 * of the distinct drawn leaves (the upper levels they share are sent once), in the order the ledger verifies them.
 * @example const s = seatingOf(tree, seed, 7); // seatDraw's args: [epoch, s.leaves, s.proof, s.proofFlags, s.slotLeaf]
 */
export function seatingOf(t: EpochTree, seed: Hex, attesters: number): Seating {
  const holders = Array.from({ length: attesters }, (_, slot) =>
    leafAtPoint(t.leaves, drawPoint(seed, slot, t.totalWeight)),
  );
  const multi = t.tree.getMultiProof([...new Set(holders)]);
  const order = multi.leaves.map(([account]) => account);
  return {
    leaves: multi.leaves.map(([account, credit, offset, weight]) => ({ account, credit, offset, weight })),
    proof: multi.proof as Hex[],
    proofFlags: multi.proofFlags,
    slotLeaf: holders.map((leaf) => order.indexOf(t.leaves[leaf]![0])),
  };
}
