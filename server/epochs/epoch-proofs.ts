/**
 * @module server/epochs/epoch-proofs
 * A volunteer's leaf and Merkle proof in one of the coordinator's own epoch files, for the claim route, and an
 * epoch's draw proven for seating. The tree of
 * the last epoch asked for is kept: the claims of an epoch all prove against one tree, and building it from the file
 * takes seconds for 100,000 volunteers.
 */
import type { Address, Hex } from 'viem';
import { type EpochHeader, parseEpochFile, readEpochFile } from './epoch-file.ts';
import { type EpochTree, type Seating, seatingOf } from './epoch-tree.ts';

export interface EpochLeaf {
  /** Cumulative credit, COP wei. */
  credit: bigint;
  /** Where the volunteer's range starts on the draw's line [0, totalWeight), COP wei. */
  offset: bigint;
  /** Its stake weight: its range's length (stake-weight.ts). */
  weight: bigint;
  proof: Hex[];
}

export interface EpochProofs {
  /** The epoch file's text, as published. */
  file(epoch: number): string;
  /** The epoch file's header: its totals, cut time and previous file hash. */
  header(epoch: number): EpochHeader;
  /** The account's leaf and proof in the epoch; undefined when the epoch has no leaf for it. */
  leaf(epoch: number, account: Address): EpochLeaf | undefined;
  /** The epoch's draw with `seed`, proven for CreditLedger.seatDraw (epoch-tree.ts seatingOf). */
  seating(epoch: number, seed: Hex, attesters: number): Seating;
}

/** @example const proofs = epochProofs(epochDir); const leaf = proofs.leaf(3, account); */
export function epochProofs(epochDir: string): EpochProofs {
  let cached: { epoch: number; header: EpochHeader; tree: EpochTree } | undefined;
  const parsed = (epoch: number) => {
    if (cached?.epoch !== epoch) cached = { epoch, ...parseEpochFile(readEpochFile(epochDir, epoch)) };
    return cached;
  };
  return {
    file: (epoch) => readEpochFile(epochDir, epoch),
    header: (epoch) => parsed(epoch).header,
    leaf(epoch, account) {
      const { tree } = parsed(epoch);
      const index = tree.leaves.findIndex(([a]) => a === account);
      if (index < 0) return undefined;
      const [, credit, offset, weight] = tree.leaves[index]!;
      return { credit, offset, weight, proof: tree.tree.getProof(index) as Hex[] };
    },
    seating: (epoch, seed, attesters) => seatingOf(parsed(epoch).tree, seed, attesters),
  };
}
