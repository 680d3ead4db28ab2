/**
 * @module web/volunteer/attester/check-epoch
 * The attester's look at an epoch file, independent of the coordinator's code that wrote it: the file's keccak256 is
 * the hash proposed on chain, its leaves rebuild the proposed root and total, and this page's own leaf is in it
 * with the credit and offset the draw used. Returns what is wrong, in plain words; none means the file holds.
 */
import { keccak256, toBytes, type Hex } from 'viem';
import type { AttestationDuty } from '../../../protocol/chain.ts';
import { buildEpochTree } from '../../../server/epochs/epoch-tree.ts';

/** @example checkEpochFile(duty, await (await fetch(duty.fileUrl)).text(), myAddress) // [] */
export function checkEpochFile(duty: AttestationDuty, text: string, address: string): string[] {
  if (keccak256(toBytes(text)) !== duty.fileHash) return ['the epoch file is not the one whose hash is on chain'];
  const credits: Array<{ address: string; credit: bigint }> = [];
  try {
    for (const line of text.split('\n').slice(1)) {
      if (line.length === 0) continue;
      const leaf = JSON.parse(line) as { address: string; credit: string };
      credits.push({ address: leaf.address, credit: BigInt(leaf.credit) });
    }
  } catch (error) {
    return [`the epoch file cannot be read: ${(error as Error).message}`];
  }
  let tree: ReturnType<typeof buildEpochTree>;
  try {
    tree = buildEpochTree(credits);
  } catch (error) {
    return [`the epoch file's leaves are not a credit tree: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  if (tree.root !== (duty.root as Hex)) problems.push(`its leaves make root ${tree.root}, not the proposed one`);
  if (String(tree.total) !== duty.totalCredit) problems.push(`its leaves sum to ${tree.total}, not the proposed total`);
  const own = tree.leaves.find(([a]) => a.toLowerCase() === address.toLowerCase());
  if (!own) problems.push('this volunteer has no leaf in it');
  else if (String(own[1]) !== duty.credit || String(own[2]) !== duty.offset)
    problems.push("this volunteer's leaf is not the one the draw used");
  return problems;
}
