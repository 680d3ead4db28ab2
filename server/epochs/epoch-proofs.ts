/**
 * @module server/epochs/epoch-proofs
 * A volunteer's leaf and Merkle proof in one of the coordinator's own epoch files, for the claim route. The tree of
 * the last epoch asked for is kept: the claims of an epoch all prove against one tree, and building it from the file
 * takes seconds for 100,000 volunteers.
 */
import type { Address, Hex } from 'viem';
import { parseEpochFile, readEpochFile } from './epoch-file.ts';
import type { EpochTree } from './epoch-tree.ts';

export interface EpochLeaf {
  /** Cumulative credit, COP wei. */
  credit: bigint;
  /** Where the volunteer's stake range starts on the epoch's line, COP wei. */
  offset: bigint;
  proof: Hex[];
}

export interface EpochProofs {
  /** The epoch file's text, as published. */
  file(epoch: number): string;
  /** The account's leaf and proof in the epoch; undefined when the epoch has no leaf for it. */
  leaf(epoch: number, account: Address): EpochLeaf | undefined;
}

/** @example const proofs = epochProofs(epochDir); const leaf = proofs.leaf(3, account); */
export function epochProofs(epochDir: string): EpochProofs {
  let cached: { epoch: number; tree: EpochTree } | undefined;
  const treeOf = (epoch: number) => {
    if (cached?.epoch !== epoch) cached = { epoch, tree: parseEpochFile(readEpochFile(epochDir, epoch)).tree };
    return cached.tree;
  };
  return {
    file: (epoch) => readEpochFile(epochDir, epoch),
    leaf(epoch, account) {
      const tree = treeOf(epoch);
      const index = tree.leaves.findIndex(([a]) => a === account);
      if (index < 0) return undefined;
      const [, credit, offset] = tree.leaves[index]!;
      return { credit, offset, proof: tree.tree.getProof(index) as Hex[] };
    },
  };
}
