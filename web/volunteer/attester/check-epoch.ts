/**
 * @module web/volunteer/attester/check-epoch
 * The attester's look at an epoch file, independent of the coordinator's code that wrote it: the file's keccak256 is
 * the hash proposed on chain, its leaves rebuild the proposed root and totals, every stake weight is the one the
 * previous epoch's file and this epoch's credit make (stake-weight.ts; the previous file's hash is the one the
 * signature names), and this page's own leaf is the one the draw used. Returns what is wrong, in plain words; none
 * means the file holds.
 */
import { keccak256, toBytes, type Hex } from 'viem';
import type { AttestationDuty } from '../../../protocol/chain.ts';
import { buildEpochTree, type Credit } from '../../../server/epochs/epoch-tree.ts';
import { previousEpoch, weightProblems } from '../../../server/epochs/stake-weight.ts';

interface Read {
  header: { cutAt: number; previousFileHash: string };
  credits: Credit[];
}

/** The header's cut and previous file, and the leaves, as written; throws on what is not an epoch file. */
function read(text: string): Read {
  const [first, ...rest] = text.split('\n');
  const header = JSON.parse(first ?? '') as Read['header'];
  if (!Number.isSafeInteger(header.cutAt)) throw new Error('its header has no cut time');
  const credits = rest
    .filter((line) => line.length > 0)
    .map((line) => {
      const leaf = JSON.parse(line) as { address: string; credit: string; weight: string };
      return { address: leaf.address, credit: BigInt(leaf.credit), weight: BigInt(leaf.weight) };
    });
  return { header, credits };
}

/** A cut this far past the page's clock is refused: it would decay every older weight before its time. */
const CLOCK_SLACK_S = 3600;

/** What is wrong with the weights, given the previous epoch's file (undefined for epoch 1). */
function checkWeights(
  duty: AttestationDuty,
  file: Read,
  tree: ReturnType<typeof buildEpochTree>,
  previous: string | undefined,
  nowMs: number,
) {
  const zero = `0x${'0'.repeat(64)}`;
  if (file.header.previousFileHash !== (duty.previousFileHash ?? zero))
    return ['its header names another previous epoch file than the chain'];
  if (file.header.cutAt > nowMs / 1000 + CLOCK_SLACK_S)
    return [`its weights are cut at ${file.header.cutAt}, in the future`];
  if (duty.epoch === 1) return weightProblems(undefined, file.header.cutAt, tree.leaves);
  if (previous === undefined || keccak256(toBytes(previous)) !== duty.previousFileHash)
    return ['the previous epoch file is not the one whose hash is on chain'];
  const before = read(previous);
  const prior = buildEpochTree(before.credits);
  return weightProblems(previousEpoch(before.header.cutAt, prior.leaves), file.header.cutAt, tree.leaves);
}

/**
 * @example checkEpochFile(duty, await (await fetch(duty.fileUrl)).text(), myAddress, previousText) // []
 */
export function checkEpochFile(
  duty: AttestationDuty,
  text: string,
  address: string,
  previous?: string,
  nowMs = Date.now(),
): string[] {
  if (keccak256(toBytes(text)) !== duty.fileHash) return ['the epoch file is not the one whose hash is on chain'];
  let file: Read;
  try {
    file = read(text);
  } catch (error) {
    return [`the epoch file cannot be read: ${(error as Error).message}`];
  }
  let tree: ReturnType<typeof buildEpochTree>;
  try {
    tree = buildEpochTree(file.credits);
  } catch (error) {
    return [`the epoch file's leaves are not a credit tree: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  if (tree.root !== (duty.root as Hex)) problems.push(`its leaves make root ${tree.root}, not the proposed one`);
  if (String(tree.total) !== duty.totalCredit) problems.push(`its leaves sum to ${tree.total}, not the proposed total`);
  if (String(tree.totalWeight) !== duty.totalWeight)
    problems.push(`its weights sum to ${tree.totalWeight}, not the proposed total weight`);
  try {
    problems.push(...checkWeights(duty, file, tree, previous, nowMs));
  } catch (error) {
    problems.push(`the previous epoch file cannot be read: ${(error as Error).message}`);
  }
  const own = tree.leaves.find(([a]) => a.toLowerCase() === address.toLowerCase());
  if (!own) problems.push('this volunteer has no leaf in it');
  else if (String(own[1]) !== duty.credit || String(own[2]) !== duty.offset || String(own[3]) !== duty.weight)
    problems.push("this volunteer's leaf is not the one the draw used");
  return problems;
}
